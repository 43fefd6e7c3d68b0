"""The charge box aggregate: a charge point as the central system knows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from cs.domain import ids
from cs.domain.ocpp16 import RegistrationStatus


class ChargeBox(Aggregate):
    """A charge point identified by its tenant and charge box id.

    It records what the charge point tells about itself (BootNotification) and the
    status of its connectors (StatusNotification), in order, one event per message.
    Its state holds only what decisions need, so it stays small; liveness traffic
    (heartbeats, raw frames) lives on `Connection` streams and is never replayed to
    load a charge box.
    """

    TOPIC = "cs.ChargeBox"

    class Event(Aggregate.Event):
        """Base of every charge box event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.ChargeBox.Created"

    class Registered(Created):
        """The charge box became known to the central system (first contact)."""

        TOPIC = "cs.ChargeBox.Registered"
        tenant_id: str
        charge_box_id: str

    class Booted(Event):
        """The charge box sent a BootNotification and was answered `status`."""

        TOPIC = "cs.ChargeBox.Booted"
        connection_id: str
        message_id: str
        charge_point_vendor: str
        charge_point_model: str
        charge_point_serial_number: str | None
        charge_box_serial_number: str | None
        firmware_version: str | None
        iccid: str | None
        imsi: str | None
        meter_type: str | None
        meter_serial_number: str | None
        status: str
        interval: int

        def apply(self, box: ChargeBox) -> None:
            box.registration_status = self.status
            box.last_booted_at = self.timestamp

    class StatusNotified(Event):
        """The charge box reported the status of a connector (0 = the whole box)."""

        TOPIC = "cs.ChargeBox.StatusNotified"
        connection_id: str
        message_id: str
        connector_id: int
        status: str
        error_code: str
        info: str | None
        vendor_id: str | None
        vendor_error_code: str | None
        reported_at: datetime | None

        def apply(self, box: ChargeBox) -> None:
            box.status_count += 1

    class TransactionStarted(Event):
        """A transaction became the active one on a connector."""

        TOPIC = "cs.ChargeBox.TransactionStarted"
        connector_id: int
        transaction_id: int

        def apply(self, box: ChargeBox) -> None:
            # Copy on write: state stays immutable, so a snapshot taken now stays true.
            box.active_transactions = {
                **box.active_transactions,
                str(self.connector_id): self.transaction_id,
            }

    class TransactionEnded(Event):
        """A connector's transaction stopped (or was abandoned); `how` says which."""

        TOPIC = "cs.ChargeBox.TransactionEnded"
        connector_id: int
        transaction_id: int
        how: str

        def apply(self, box: ChargeBox) -> None:
            key = str(self.connector_id)
            if box.active_transactions.get(key) == self.transaction_id:
                box.active_transactions = {
                    k: v for k, v in box.active_transactions.items() if k != key
                }

    class MeterValuesReported(Event):
        """Meter values outside any known transaction (connector 0, clock-aligned, ...)."""

        TOPIC = "cs.ChargeBox.MeterValuesReported"
        connector_id: int
        transaction_id: int | None
        meter_values: list[dict[str, Any]]
        connection_id: str
        message_id: str

    class UnknownTransactionStopped(Event):
        """A StopTransaction for a transaction this box never started (still confirmed)."""

        TOPIC = "cs.ChargeBox.UnknownTransactionStopped"
        transaction_id: int
        meter_stop: int
        stopped_at: datetime
        reason: str | None
        id_tag: str | None
        transaction_data: list[dict[str, Any]]
        connection_id: str
        message_id: str

    class DataTransferred(Event):
        """A vendor-specific DataTransfer from the charge box, and what we answered."""

        TOPIC = "cs.ChargeBox.DataTransferred"
        vendor_id: str
        data_message_id: str | None
        data: str | None
        status: str
        answer_data: str | None
        connection_id: str
        message_id: str

    class Reported(Event):
        """A status report of a background activity of the charge box.

        `subject` names it: `firmware` (FirmwareStatusNotification), `diagnostics`
        (DiagnosticsStatusNotification), `signed_firmware` (SignedFirmwareStatusNotification)
        or `log` (LogStatusNotification); `request_id` where the message has one.
        """

        TOPIC = "cs.ChargeBox.Reported"
        subject: str
        status: str
        request_id: int | None
        connection_id: str
        message_id: str

    class SecurityEventReported(Event):
        """A SecurityEventNotification (OCPP 1.6 Security Whitepaper)."""

        TOPIC = "cs.ChargeBox.SecurityEventReported"
        event_type: str
        occurred_at: datetime
        tech_info: str | None
        connection_id: str
        message_id: str

    class CertificateSigningRequested(Event):
        """A SignCertificate request (a CSR) and our answer."""

        TOPIC = "cs.ChargeBox.CertificateSigningRequested"
        csr: str
        status: str
        connection_id: str
        message_id: str

    class RegistrationChanged(Event):
        """An operator set what BootNotification answers this box (registry)."""

        TOPIC = "cs.ChargeBox.RegistrationChanged"
        status: str
        by: str | None

        def apply(self, box: ChargeBox) -> None:
            box.configured_status = self.status  # answered at its next BootNotification

    def __init__(self, tenant_id: str, charge_box_id: str) -> None:
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self.registration_status: str | None = None
        self.configured_status: str | None = None
        self.last_booted_at: datetime | None = None
        self.status_count = 0
        self.active_transactions: dict[str, int] = {}

    @classmethod
    def register(cls, tenant_id: str, charge_box_id: str, at: datetime) -> ChargeBox:
        """A charge box seen for the first time, with an id derived from its natural key."""
        return cls._create(
            cls.Registered,
            id=ids.charge_box_id(tenant_id, charge_box_id),
            timestamp=at,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
        )

    def boot(
        self,
        info: BootInfo,
        *,
        status: RegistrationStatus,
        interval: int,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        """Record a BootNotification and the registration status we answer."""
        self.trigger_event(
            self.Booted,
            timestamp=at,
            connection_id=connection_id,
            message_id=message_id,
            status=status.value,
            interval=interval,
            **info.as_fields(),
        )

    def report_status(
        self, report: StatusReport, *, connection_id: str, message_id: str, at: datetime
    ) -> None:
        """Record a StatusNotification; any connector id, as charge points report them."""
        self.trigger_event(
            self.StatusNotified,
            timestamp=at,
            connection_id=connection_id,
            message_id=message_id,
            connector_id=report.connector_id,
            status=report.status,
            error_code=report.error_code,
            info=report.info,
            vendor_id=report.vendor_id,
            vendor_error_code=report.vendor_error_code,
            reported_at=report.reported_at,
        )

    @property
    def rejected(self) -> bool:
        """Its last BootNotification was answered Rejected (OCPP 1.6 section 4.2)."""
        return self.registration_status == RegistrationStatus.REJECTED.value

    def boot_answer(self, default: RegistrationStatus) -> RegistrationStatus:
        """What to answer its next BootNotification: the registry's status, else `default`."""
        if self.configured_status is not None:
            return RegistrationStatus(self.configured_status)
        return default

    def set_registration(self, status: RegistrationStatus, *, by: str | None, at: datetime) -> bool:
        if self.configured_status == status.value:
            return False
        self.trigger_event(self.RegistrationChanged, timestamp=at, status=status.value, by=by)
        return True

    def transfer_data(
        self,
        vendor_id: str,
        data_message_id: str | None,
        data: str | None,
        *,
        status: str,
        answer_data: str | None,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.DataTransferred,
            timestamp=at,
            vendor_id=vendor_id,
            data_message_id=data_message_id,
            data=data,
            status=status,
            answer_data=answer_data,
            connection_id=connection_id,
            message_id=message_id,
        )

    def report(
        self,
        subject: str,
        status: str,
        *,
        request_id: int | None,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.Reported,
            timestamp=at,
            subject=subject,
            status=status,
            request_id=request_id,
            connection_id=connection_id,
            message_id=message_id,
        )

    def report_security_event(
        self,
        event_type: str,
        occurred_at: datetime,
        tech_info: str | None,
        *,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.SecurityEventReported,
            timestamp=at,
            event_type=event_type,
            occurred_at=occurred_at,
            tech_info=tech_info,
            connection_id=connection_id,
            message_id=message_id,
        )

    def request_certificate(
        self, csr: str, *, status: str, connection_id: str, message_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.CertificateSigningRequested,
            timestamp=at,
            csr=csr,
            status=status,
            connection_id=connection_id,
            message_id=message_id,
        )

    def active_transaction(self, connector_id: int) -> int | None:
        return self.active_transactions.get(str(connector_id))

    def start_transaction(self, connector_id: int, transaction_id: int, at: datetime) -> None:
        self.trigger_event(
            self.TransactionStarted,
            timestamp=at,
            connector_id=connector_id,
            transaction_id=transaction_id,
        )

    def end_transaction(
        self, connector_id: int, transaction_id: int, how: str, at: datetime
    ) -> None:
        if self.active_transaction(connector_id) == transaction_id:
            self.trigger_event(
                self.TransactionEnded,
                timestamp=at,
                connector_id=connector_id,
                transaction_id=transaction_id,
                how=how,
            )

    def report_meter_values(
        self,
        connector_id: int,
        transaction_id: int | None,
        meter_values: list[dict[str, Any]],
        *,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.MeterValuesReported,
            timestamp=at,
            connector_id=connector_id,
            transaction_id=transaction_id,
            meter_values=meter_values,
            connection_id=connection_id,
            message_id=message_id,
        )

    def stop_unknown_transaction(
        self,
        transaction_id: int,
        *,
        meter_stop: int,
        stopped_at: datetime,
        reason: str | None,
        id_tag: str | None,
        transaction_data: list[dict[str, Any]],
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.UnknownTransactionStopped,
            timestamp=at,
            transaction_id=transaction_id,
            meter_stop=meter_stop,
            stopped_at=stopped_at,
            reason=reason,
            id_tag=id_tag,
            transaction_data=transaction_data,
            connection_id=connection_id,
            message_id=message_id,
        )


class BootInfo:
    """What a charge point says about itself in a BootNotification (OCPP 1.6 section 6.2)."""

    __slots__ = (
        "charge_box_serial_number",
        "charge_point_model",
        "charge_point_serial_number",
        "charge_point_vendor",
        "firmware_version",
        "iccid",
        "imsi",
        "meter_serial_number",
        "meter_type",
    )

    def __init__(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        charge_point_serial_number: str | None = None,
        charge_box_serial_number: str | None = None,
        firmware_version: str | None = None,
        iccid: str | None = None,
        imsi: str | None = None,
        meter_type: str | None = None,
        meter_serial_number: str | None = None,
    ) -> None:
        self.charge_point_vendor = charge_point_vendor
        self.charge_point_model = charge_point_model
        self.charge_point_serial_number = charge_point_serial_number
        self.charge_box_serial_number = charge_box_serial_number
        self.firmware_version = firmware_version
        self.iccid = iccid
        self.imsi = imsi
        self.meter_type = meter_type
        self.meter_serial_number = meter_serial_number

    def as_fields(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in self.__slots__}


class StatusReport:
    """One StatusNotification (OCPP 1.6 section 6.48); `reported_at` is the charger's clock."""

    __slots__ = (
        "connector_id",
        "error_code",
        "info",
        "reported_at",
        "status",
        "vendor_error_code",
        "vendor_id",
    )

    def __init__(
        self,
        connector_id: int,
        status: str,
        error_code: str,
        info: str | None = None,
        vendor_id: str | None = None,
        vendor_error_code: str | None = None,
        reported_at: datetime | None = None,
    ) -> None:
        self.connector_id = connector_id
        self.status = status
        self.error_code = error_code
        self.info = info
        self.vendor_id = vendor_id
        self.vendor_error_code = vendor_error_code
        self.reported_at = reported_at
