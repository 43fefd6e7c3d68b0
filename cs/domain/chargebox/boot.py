"""Boot and status: what the box tells about itself and about its connectors.

Holds the answer to its last BootNotification (`registration_status`), when that was
(`last_booted_at`) and how many StatusNotifications it sent (`status_count`). Events:
`Booted` (v2, with its upcaster from v1), `StatusNotified`. Value objects: `BootInfo`,
`StatusReport`, what the two messages carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part
from cs.domain.ocpp16 import RegistrationStatus


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
    """One StatusNotification (OCPP 1.6 section 6.48); `reported_at` is the charger's clock.

    `connector_id` is the 1.6 connector or the 2.0.1 EVSE (where sessions run);
    `evse_connector_id` the 2.0.1 connector within that EVSE (G01), None for 1.6.
    """

    __slots__ = (
        "connector_id",
        "error_code",
        "evse_connector_id",
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
        evse_connector_id: int | None = None,
    ) -> None:
        self.connector_id = connector_id
        self.evse_connector_id = evse_connector_id
        self.status = status
        self.error_code = error_code
        self.info = info
        self.vendor_id = vendor_id
        self.vendor_error_code = vendor_error_code
        self.reported_at = reported_at


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

    def apply(self, box: Boot) -> None:
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
    evse_connector_id: int | None

    # v2 (2026-12): `evse_connector_id`, the 2.0.1 connector within the EVSE
    # `connector_id`; None in v1 events (1.6, or 2.0.1 with it in `info`).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("evse_connector_id", None)

    def apply(self, box: Boot) -> None:
        box.status_count += 1


class Boot(Part):
    """The boot and status part of a charge box: how its last BootNotification went."""

    registration_status: str | None
    last_booted_at: datetime | None
    status_count: int

    def _init_boot(self) -> None:
        self.registration_status = None
        self.last_booted_at = None
        self.status_count = 0

    @property
    def rejected(self) -> bool:
        """Its last BootNotification was answered Rejected (OCPP 1.6 section 4.2)."""
        return self.registration_status == RegistrationStatus.REJECTED.value

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
            Booted,
            timestamp=at,
            connection_id=connection_id,
            message_id=message_id,
            status=status.value,
            heartbeat_interval=interval if status is RegistrationStatus.ACCEPTED else None,
            retry_interval=None if status is RegistrationStatus.ACCEPTED else interval,
            **info.as_fields(),
        )

    def report_status(
        self, report: StatusReport, *, connection_id: str, message_id: str, at: datetime
    ) -> None:
        """Record a StatusNotification; any connector id, as charge points report them."""
        self.trigger_event(
            StatusNotified,
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
            evse_connector_id=report.evse_connector_id,
        )
