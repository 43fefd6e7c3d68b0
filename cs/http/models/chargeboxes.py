"""Response models: charge boxes (`/charge-boxes`, `/evses`), one read-model row each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from cs.http.models.base import Model, PageOut, Row
from cs.http.shapes import Computed, From, Nested


class BootOut(Model):
    charge_point_vendor: str | None
    charge_point_model: str | None
    charge_point_serial_number: str | None
    charge_box_serial_number: str | None
    firmware_version: str | None
    iccid: str | None
    imsi: str | None
    meter_type: str | None
    meter_serial_number: str | None
    heartbeat_interval: int | None
    last_boot_at: datetime | None


class LiveConnectionOut(Model):
    connection_id: UUID
    connected_since: datetime
    remote_address: str | None
    node: str
    last_message_at: datetime | None


def _offline_since(row: Row) -> datetime | None:
    # A box with no open connection has been offline since its last one closed.
    return None if row["connection_id"] is not None else row["last_closed_at"]


def _frame_age(row: Row) -> float | None:
    last = row["last_frame_at"]
    return None if last is None else round((datetime.now(UTC) - last).total_seconds(), 3)


class LinkOut(Model):
    """How the box has been connected: offline spells, reconnects, silence."""

    connects: Annotated[int, Computed(lambda row: row["connects"] or 0)] = Field(
        description="websocket connections it opened, all told (a storm of reconnects shows)"
    )
    last_connected_at: datetime | None
    offline_since: Annotated[datetime | None, Computed(_offline_since)] = Field(
        description="when its last connection closed, while none is open"
    )
    last_close_code: int | None = Field(description="websocket close code of the last close")
    last_close_reason: str | None = Field(
        description="e.g. 'no pong within 30s' (a dead socket we closed), 'replaced', "
        "'node restarted', 'closed by operator'"
    )
    last_frame_at: datetime | None = Field(description="when we last received a frame from it")
    last_frame_age_seconds: Annotated[float | None, Computed(_frame_age)] = Field(
        description="seconds since that frame, as of this answer"
    )


class ClockOut(Model):
    """The box's clock against ours, as last measured on a message carrying its time."""

    skew_seconds: Annotated[float | None, From("clock_skew_seconds")] = Field(
        description="its time minus ours (positive: ahead); a message sent late after an "
        "offline spell also reads as behind"
    )
    checked_at: Annotated[datetime | None, From("clock_checked_at")]


class EvseConnectorOut(Model):
    """One connector of a 2.0.1 EVSE, as its last StatusNotification said."""

    status: str
    reported_at: datetime | None = Field(description="the charge point's clock")


class ConnectorOut(Model):
    connector_id: int = Field(description="0 is the charge point as a whole")
    status: str | None = Field(description="null until the connector reports a status")
    error_code: str | None
    info: str | None
    vendor_id: str | None
    vendor_error_code: str | None
    status_reported_at: datetime | None = Field(description="the charge point's clock")
    status_received_at: datetime | None
    active_transaction_id: int | None = Field(description="the session charging here, if any")
    evse_connectors: dict[str, EvseConnectorOut] = Field(
        description="OCPP 2.0.1: this row is an EVSE; the status of each of its connectors, "
        "by connector id (the EVSE's `status` is the most telling: Faulted, Occupied, "
        "Reserved, Unavailable, Available). Empty for 1.6"
    )


class FirmwareOut(Model):
    status: Annotated[str | None, From("firmware_status")] = Field(
        description="last FirmwareStatusNotification"
    )
    at: Annotated[datetime | None, From("firmware_status_at")]
    signed_status: Annotated[str | None, From("signed_firmware_status")] = Field(
        description="last SignedFirmwareStatusNotification"
    )
    signed_request_id: Annotated[int | None, From("signed_firmware_request_id")]
    signed_at: Annotated[datetime | None, From("signed_firmware_status_at")]


class StatusAtOut(Model):
    status: Annotated[str | None, From("diagnostics_status")]
    at: Annotated[datetime | None, From("diagnostics_status_at")]


class LogsOut(Model):
    status: Annotated[str | None, From("log_status")] = Field(
        description="last LogStatusNotification"
    )
    request_id: Annotated[int | None, From("log_request_id")]
    at: Annotated[datetime | None, From("log_status_at")]


class SecurityOut(Model):
    events: Annotated[int, From("security_events")] = Field(
        description="SecurityEventNotifications received"
    )
    last_event_type: Annotated[str | None, From("last_security_event_type")]
    last_event_at: Annotated[datetime | None, From("last_security_event_at")]
    certificate_requests: int = Field(description="SignCertificate requests (answered Rejected)")
    security_profile: int | None = Field(
        description="how it must authenticate (0-3); null: no operator registered it"
    )
    has_authorization_key: bool
    refused_handshakes: int = Field(description="websocket handshakes refused for this id")
    last_refused_at: datetime | None


class DataTransfersOut(Model):
    count: Annotated[int, From("data_transfers")]
    last_at: Annotated[datetime | None, From("last_data_transfer_at")]


class LocalListOut(Model):
    version: Annotated[int | None, From("local_list_version")] = Field(
        description="of the box's local authorization list"
    )
    synced_at: Annotated[datetime | None, From("local_list_synced_at")] = Field(
        description="the registry as of this time was sent"
    )


def _connected(row: Row) -> bool:
    return row["connection_id"] is not None


# A charge box as listed: a row of `rm_charge_boxes` with its open connection.
class ChargeBoxSummaryOut(Model):
    tenant_id: str
    charge_box_id: str
    registered_at: datetime
    registration_status: str | None = Field(description="what its last boot was answered")
    connected: Annotated[bool, Computed(_connected)]
    connection: Annotated[LiveConnectionOut | None, Nested(when="connection_id")]
    link: Annotated[LinkOut, Nested()]
    clock: Annotated[ClockOut, Nested()]
    boot: Annotated[BootOut, Nested()]
    configured_status: str | None = Field(description="what its next boot will be answered")
    firmware: Annotated[FirmwareOut, Nested()]
    diagnostics: Annotated[StatusAtOut, Nested()]
    logs: Annotated[LogsOut, Nested()]
    security: Annotated[SecurityOut, Nested()]
    data_transfers: Annotated[DataTransfersOut, Nested()]
    local_list: Annotated[LocalListOut, Nested()]


class ChargeBoxOut(ChargeBoxSummaryOut):
    connectors: list[ConnectorOut]


def _connection(row: Row) -> str:
    return "connected" if row["connection_id"] is not None else "disconnected"


def _connectors_by_id(row: Row) -> dict[str, Any]:
    return {str(connector["connector_id"]): connector for connector in row["connectors"]}


class EvseOut(ChargeBoxSummaryOut):
    """The original `/evses/{id}` body, extended."""

    connection: Annotated[  # type: ignore[assignment]  # the original shape: a word here
        Literal["connected", "disconnected"], Computed(_connection)
    ]
    uid: Annotated[str, From("charge_box_id")] = Field(description="the charge box id")
    connectors: Annotated[dict[str, ConnectorOut], Computed(_connectors_by_id)] = Field(
        description="by connector id"
    )


class ChargeBoxPage(PageOut[ChargeBoxSummaryOut]):
    """A page of charge boxes."""


class RegistrationOut(Model):
    tenant_id: str
    charge_box_id: str
    configured_status: str | None
    registration_status: str | None
