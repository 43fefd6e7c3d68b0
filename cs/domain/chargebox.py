"""The charge box aggregate: a charge point as the central system knows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from cs.domain import ids
from cs.domain.ocpp16 import RegistrationStatus

SECURITY_PROFILES = (0, 1, 2, 3)


def check_security(security_profile: int, password_hash: str | None) -> None:
    """Raise ValueError unless the profile exists and has the key it needs (1 and 2)."""
    if security_profile not in SECURITY_PROFILES:
        raise ValueError(f"security profile {security_profile} is not one of 0, 1, 2, 3")
    if security_profile in (1, 2) and password_hash is None:
        raise ValueError(f"security profile {security_profile} needs an authorization key")


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
        heartbeat_interval: int | None
        retry_interval: int | None

        # v2 (2026-11): v1 stored the answer's `interval` as is, which OCPP 1.6 §6.4 gives
        # two meanings: the heartbeat interval when Accepted, otherwise the minimum wait
        # before the next BootNotification. v2 stores them apart (docs/event-versioning.md).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            interval = state.pop("interval")
            accepted = state["status"] == RegistrationStatus.ACCEPTED.value
            state["heartbeat_interval"] = interval if accepted else None
            state["retry_interval"] = None if accepted else interval

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

    class SecurityConfigured(Event):
        """An operator set how this box must authenticate (OCPP 1.6 Security Whitepaper).

        Profile 0: no authentication; 1: HTTP Basic (user = charge box id, password =
        its authorization key); 2: Basic over TLS; 3: TLS client certificate. Holds a
        salted slow hash of the key, never the key; histories redact it.
        """

        TOPIC = "cs.ChargeBox.SecurityConfigured"
        security_profile: int
        password_hash: str | None
        by: str | None

        def apply(self, box: ChargeBox) -> None:
            box.security_profile = self.security_profile
            box.password_hash = self.password_hash

    # --- effects of commands' answers -----------------------------------------------

    class ConfigurationReported(Event):
        """GetConfiguration answered: these keys, as the charge box holds them."""

        TOPIC = "cs.ChargeBox.ConfigurationReported"
        keys: list[dict[str, Any]]
        unknown_keys: list[str]
        command_id: str

    class ConfigurationChanged(Event):
        """ChangeConfiguration answered Accepted or RebootRequired."""

        TOPIC = "cs.ChargeBox.ConfigurationChanged"
        key: str
        value: str
        status: str
        command_id: str

    class RemoteStartAccepted(Event):
        """RemoteStartTransaction accepted: a start with this tag until `until` is its result."""

        TOPIC = "cs.ChargeBox.RemoteStartAccepted"
        command_id: str
        id_tag: str
        connector_id: int | None
        until: datetime

        def apply(self, box: ChargeBox) -> None:
            box.remote_starts = {
                **box.remote_starts,
                _tag_key(self.id_tag): {
                    "command_id": self.command_id,
                    "connector_id": self.connector_id,
                    "until": self.until,
                },
            }

    class RemoteStartLinked(Event):
        """The session a remote start led to."""

        TOPIC = "cs.ChargeBox.RemoteStartLinked"
        command_id: str
        transaction_id: int
        id_tag: str

        def apply(self, box: ChargeBox) -> None:
            box.remote_starts = {
                k: v for k, v in box.remote_starts.items() if k != _tag_key(self.id_tag)
            }

    class ReservationMade(Event):
        """ReserveNow accepted (the reservation id is ours)."""

        TOPIC = "cs.ChargeBox.ReservationMade"
        reservation_id: int
        connector_id: int
        id_tag: str
        parent_id_tag: str | None
        expiry_date: datetime
        command_id: str

        def apply(self, box: ChargeBox) -> None:
            box.reservations = {
                **box.reservations,
                str(self.reservation_id): {
                    "connector_id": self.connector_id,
                    "id_tag": self.id_tag,
                    "parent_id_tag": self.parent_id_tag,
                    "expiry_date": self.expiry_date,
                },
            }

    class ReservationEnded(Event):
        """A reservation is over: `how` is cancelled, fulfilled or expired."""

        TOPIC = "cs.ChargeBox.ReservationEnded"
        reservation_id: int
        how: str
        transaction_id: int | None
        command_id: str | None

        def apply(self, box: ChargeBox) -> None:
            key = str(self.reservation_id)
            box.reservations = {k: v for k, v in box.reservations.items() if k != key}

    class LocalListSent(Event):
        """SendLocalList answered (Accepted or not): what was sent, and the outcome."""

        TOPIC = "cs.ChargeBox.LocalListSent"
        version: int
        update_type: str
        entries: int
        status: str
        synced_at: datetime
        command_id: str

        def apply(self, box: ChargeBox) -> None:
            if self.status == "Accepted":
                box.local_list_version = self.version
                box.local_list_synced_at = self.synced_at

    class LocalListVersionReported(Event):
        TOPIC = "cs.ChargeBox.LocalListVersionReported"
        version: int
        command_id: str

        def apply(self, box: ChargeBox) -> None:
            box.local_list_version = self.version

    class ChargingProfileSet(Event):
        """SetChargingProfile accepted: the profile as installed on a connector."""

        TOPIC = "cs.ChargeBox.ChargingProfileSet"
        connector_id: int
        profile: dict[str, Any]
        command_id: str

    class ChargingProfilesCleared(Event):
        """ClearChargingProfile accepted; `criteria` as sent (all absent: every profile)."""

        TOPIC = "cs.ChargeBox.ChargingProfilesCleared"
        criteria: dict[str, Any]
        command_id: str

    def __init__(self, tenant_id: str, charge_box_id: str) -> None:
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self.registration_status: str | None = None
        self.configured_status: str | None = None
        # Copy-on-write dicts (never mutated in place), so snapshots stay consistent.
        self.remote_starts: dict[str, dict[str, Any]] = {}
        self.reservations: dict[str, dict[str, Any]] = {}
        self.local_list_version = 0
        self.local_list_synced_at: datetime | None = None
        self.last_booted_at: datetime | None = None
        self.status_count = 0
        self.active_transactions: dict[str, int] = {}
        self.security_profile: int | None = None  # None: never configured by an operator
        self.password_hash: str | None = None

    # v2 (2026-11) added `security_profile` and `password_hash`; snapshots taken before
    # hold neither: the box was never configured (docs/event-versioning.md).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("security_profile", None)
        state.setdefault("password_hash", None)

    @property
    def provisioned(self) -> bool:
        """An operator registered this box's security profile (not only first contact)."""
        return self.security_profile is not None

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
        """Record a BootNotification and our answer: status and `interval` (§6.4: heartbeat
        interval when Accepted, else the wait before the next BootNotification)."""
        self.trigger_event(
            self.Booted,
            timestamp=at,
            connection_id=connection_id,
            message_id=message_id,
            status=status.value,
            heartbeat_interval=interval if status is RegistrationStatus.ACCEPTED else None,
            retry_interval=None if status is RegistrationStatus.ACCEPTED else interval,
            **info.as_fields(),
        )

    def configure_security(
        self, security_profile: int, password_hash: str | None, *, by: str | None, at: datetime
    ) -> None:
        """Set the security profile; profiles 1 and 2 need a password hash."""
        check_security(security_profile, password_hash)
        if security_profile in (0, 3):
            password_hash = None  # not used by these profiles: nothing to keep
        if (security_profile, password_hash) == (self.security_profile, self.password_hash):
            return
        self.trigger_event(
            self.SecurityConfigured,
            timestamp=at,
            security_profile=security_profile,
            password_hash=password_hash,
            by=by,
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

    # --- command effects (decided by cs.app.commands) ---------------------------------

    def configuration_reported(
        self, keys: list[dict[str, Any]], unknown: list[str], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.ConfigurationReported,
            timestamp=at,
            keys=keys,
            unknown_keys=unknown,
            command_id=command_id,
        )

    def configuration_changed(
        self, key: str, value: str, status: str, *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.ConfigurationChanged,
            timestamp=at,
            key=key,
            value=value,
            status=status,
            command_id=command_id,
        )

    def remote_start_accepted(
        self,
        command_id: str,
        id_tag: str,
        connector_id: int | None,
        *,
        until: datetime,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.RemoteStartAccepted,
            timestamp=at,
            command_id=command_id,
            id_tag=id_tag,
            connector_id=connector_id,
            until=until,
        )

    def remote_start_for(self, id_tag: str, connector_id: int, at: datetime) -> str | None:
        """The remote start command a StartTransaction answers, if one is waiting for it."""
        pending = self.remote_starts.get(_tag_key(id_tag))
        if pending is None or pending["until"] < at:
            return None
        if pending["connector_id"] not in (None, connector_id):
            return None
        return str(pending["command_id"])

    def link_remote_start(
        self, command_id: str, transaction_id: int, id_tag: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.RemoteStartLinked,
            timestamp=at,
            command_id=command_id,
            transaction_id=transaction_id,
            id_tag=id_tag,
        )

    def reservation_made(
        self,
        reservation_id: int,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str | None,
        expiry_date: datetime,
        *,
        command_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.ReservationMade,
            timestamp=at,
            reservation_id=reservation_id,
            connector_id=connector_id,
            id_tag=id_tag,
            parent_id_tag=parent_id_tag,
            expiry_date=expiry_date,
            command_id=command_id,
        )

    def end_reservation(
        self,
        reservation_id: int,
        how: str,
        *,
        transaction_id: int | None = None,
        command_id: str | None = None,
        at: datetime,
    ) -> None:
        if str(reservation_id) in self.reservations:
            self.trigger_event(
                self.ReservationEnded,
                timestamp=at,
                reservation_id=reservation_id,
                how=how,
                transaction_id=transaction_id,
                command_id=command_id,
            )

    def reservation_for(
        self,
        reservation_id: int,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str | None,
        at: datetime,
    ) -> tuple[str, dict[str, Any]] | None:
        """(verdict, reservation) for a StartTransaction naming `reservation_id`.

        OCPP 1.6 section 5.13: a reservation is used by its id tag, or by a tag with the
        same parent id tag, on its connector (any connector for connector 0), and only
        before its expiry date.
        """
        reservation = self.reservations.get(str(reservation_id))
        if reservation is None:
            return None
        if reservation["expiry_date"] < at:
            return "expired", reservation
        reserved_parent = reservation.get("parent_id_tag")
        tag_ok = _tag_key(id_tag) == _tag_key(reservation["id_tag"]) or (
            reserved_parent is not None
            and parent_id_tag is not None
            and _tag_key(reserved_parent) == _tag_key(parent_id_tag)
        )
        connector_ok = reservation["connector_id"] in (0, connector_id)
        return ("fulfilled" if tag_ok and connector_ok else "mismatch"), reservation

    def local_list_sent(
        self,
        version: int,
        update_type: str,
        entries: int,
        status: str,
        *,
        synced_at: datetime,
        command_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.LocalListSent,
            timestamp=at,
            version=version,
            update_type=update_type,
            entries=entries,
            status=status,
            synced_at=synced_at,
            command_id=command_id,
        )

    def local_list_version_reported(self, version: int, *, command_id: str, at: datetime) -> None:
        self.trigger_event(
            self.LocalListVersionReported, timestamp=at, version=version, command_id=command_id
        )

    def charging_profile_set(
        self, connector_id: int, profile: dict[str, Any], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.ChargingProfileSet,
            timestamp=at,
            connector_id=connector_id,
            profile=profile,
            command_id=command_id,
        )

    def charging_profiles_cleared(
        self, criteria: dict[str, Any], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.ChargingProfilesCleared, timestamp=at, criteria=criteria, command_id=command_id
        )


def _tag_key(id_tag: str) -> str:
    return ids.normalise_id_tag(id_tag)


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
