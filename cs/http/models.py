"""Response and request models of the REST API: the contract, and the OpenAPI schemas.

Views build plain dicts (fast, via orjson); these models describe them, generate the
OpenAPI document, and the contract tests validate real responses against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Model):
    """Every error: a message for people and a code for programs."""

    error: str
    code: str
    model_config = ConfigDict(extra="allow")


class SummaryOut(Model):
    total_connected_evses: int = Field(description="charge boxes connected (original name)")
    connected_charge_boxes: int
    open_connections: int
    charge_boxes: int
    active_sessions: int


class RpcCallOut(Model):
    action: str
    origin: str


class ConnectionOut(Model):
    ip: str | None
    tenant_id: str
    charge_box_id: str
    connection_id: UUID
    connected_since: datetime
    subprotocol: str
    node: str
    last_message_at: datetime | None
    frames_received: int
    frames_sent: int
    rpc_calls: dict[str, RpcCallOut] = Field(description="our calls waiting for an answer")


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


class FirmwareOut(Model):
    status: str | None = Field(description="last FirmwareStatusNotification")
    at: datetime | None
    signed_status: str | None = Field(description="last SignedFirmwareStatusNotification")
    signed_request_id: int | None
    signed_at: datetime | None


class StatusAtOut(Model):
    status: str | None
    at: datetime | None


class LogsOut(Model):
    status: str | None = Field(description="last LogStatusNotification")
    request_id: int | None
    at: datetime | None


class SecurityOut(Model):
    events: int = Field(description="SecurityEventNotifications received")
    last_event_type: str | None
    last_event_at: datetime | None
    certificate_requests: int = Field(description="SignCertificate requests (answered Rejected)")
    security_profile: int | None = Field(
        description="how it must authenticate (0-3); null: no operator registered it"
    )
    has_authorization_key: bool
    refused_handshakes: int = Field(description="websocket handshakes refused for this id")
    last_refused_at: datetime | None


class ChargeBoxSecurityOut(Model):
    """A charge box's registered security profile (never its key)."""

    tenant_id: str
    charge_box_id: str
    security_profile: int
    has_authorization_key: bool
    created: bool = Field(description="the charge box was registered by this request")


class AccessRefusalOut(Model):
    tenant_id: str
    charge_box_id: str
    remote_address: str | None
    reason: str = Field(
        description="bad_password, no_password, unknown_charge_box, tls_required, "
        "no_certificate, wrong_certificate, too_many_connections"
    )
    status: int = Field(description="the HTTP status answered")
    detail: str
    refused_at: datetime


class AccessRefusalsOut(Model):
    items: list[AccessRefusalOut]


class DataTransfersOut(Model):
    count: int
    last_at: datetime | None


class LocalListOut(Model):
    version: int | None = Field(description="of the box's local authorization list")
    synced_at: datetime | None = Field(description="the registry as of this time was sent")


class ChargeBoxSummaryOut(Model):
    tenant_id: str
    charge_box_id: str
    registered_at: datetime
    registration_status: str | None = Field(description="what its last boot was answered")
    configured_status: str | None = Field(description="what its next boot will be answered")
    connected: bool
    connection: LiveConnectionOut | None
    boot: BootOut
    firmware: FirmwareOut
    diagnostics: StatusAtOut
    logs: LogsOut
    security: SecurityOut
    data_transfers: DataTransfersOut
    local_list: LocalListOut


class ChargeBoxOut(ChargeBoxSummaryOut):
    connectors: list[ConnectorOut]


class EvseOut(Model):
    """The original `/evses/{id}` body, extended."""

    uid: str = Field(description="the charge box id")
    connection: Literal["connected", "disconnected"]
    connectors: dict[str, ConnectorOut] = Field(description="by connector id")
    tenant_id: str
    charge_box_id: str
    registered_at: datetime
    registration_status: str | None
    configured_status: str | None
    connected: bool
    boot: BootOut
    firmware: FirmwareOut
    diagnostics: StatusAtOut
    logs: LogsOut
    security: SecurityOut
    data_transfers: DataTransfersOut
    local_list: LocalListOut


class SecurityEventOut(Model):
    event_type: str
    occurred_at: datetime = Field(description="the charge point's clock")
    received_at: datetime
    tech_info: str | None


class SecurityEventsOut(Model):
    items: list[SecurityEventOut]


class RegistrationOut(Model):
    tenant_id: str
    charge_box_id: str
    configured_status: str | None
    registration_status: str | None


class PageOut(Model, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class SessionMeterOut(Model):
    last_energy_wh: float | None = Field(description="last energy register, Wh")
    max_power_w: float | None
    last_soc: float | None = Field(description="state of charge, percent")
    last_sample_at: datetime | None
    reports: int


class SessionOut(Model):
    """A charging session; `started_at`/`stopped_at` are the charge point's clock."""

    transaction_id: int
    tenant_id: str
    charge_box_id: str
    connector_id: int
    id_tag: str
    id_tag_status: str
    status: Literal["active", "finished", "abandoned"]
    reservation_id: int | None
    started_at: datetime
    start_received_at: datetime
    stopped_at: datetime | None
    stop_received_at: datetime | None
    stop_reason: str | None
    stop_id_tag: str | None
    stop_id_tag_status: str | None
    meter_start: int
    meter_stop: int | None
    energy_wh: int | None
    energy_kwh: float | None
    duration_seconds: float | None
    meter: SessionMeterOut
    flags: list[str] = Field(description="impossible values seen (kept, not corrected)")
    repeated_starts: int
    repeated_stops: int
    replaced_by: int | None = Field(description="the session that abandoned this one")
    charge_box_serial: str = Field(description="original name of charge_box_id")
    token_id: str = Field(description="original name of id_tag")
    client_timestamp_start: datetime = Field(description="original name of started_at")
    server_timestamp_start: datetime = Field(description="original name of start_received_at")
    remote_start_command_id: UUID | None = Field(description="the remote start that led to it")


class TokenOut(Model):
    tenant_id: str
    id_tag: str
    status: str | None
    expiry_date: datetime | None
    parent_id_tag: str | None
    active_transactions: list[int]


class TokenRowOut(Model):
    tenant_id: str
    id_tag: str
    status: str | None
    expiry_date: datetime | None
    parent_id_tag: str | None
    active_transactions: list[int]
    updated_at: datetime
    last_decision: str | None
    last_decision_at: datetime | None
    last_charge_box_id: str | None


class CommandErrorOut(Model):
    code: str = Field(description="the charger's CALLERROR code, or timeout/aborted")
    description: str
    details: dict[str, Any]


class CommandOut(Model):
    """A command and, once it has one, its outcome."""

    command_id: UUID
    status: Literal["queued", "sent", "answered", "failed", "timed_out", "aborted"]
    operation: str
    action: str = Field(description="the OCPP action")
    msg_id: str | None = Field(description="the CALL's unique id, once sent")
    tenant_id: str
    charge_box_id: str
    requested_by: str | None
    requested_at: datetime
    request: dict[str, Any] = Field(description="the OCPP payload sent (snake_case keys)")
    answer: dict[str, Any] | None = Field(description="the charger's answer (snake_case keys)")
    error: CommandErrorOut | None
    transaction_id: int | None = Field(description="for a remote start: the session it led to")


class CommandRowOut(Model):
    command_id: UUID
    operation: str
    action: str
    status: str
    requested_by: str | None
    requested_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    msg_id: str | None
    request: dict[str, Any]
    answer: dict[str, Any] | None
    error: CommandErrorOut | None
    transaction_id: int | None


class ConfigurationKeyOut(Model):
    key: str
    value: str | None
    readonly: bool | None
    known: bool = Field(description="false: the box said it does not know this key")
    status: str | None = Field(description="Accepted/RebootRequired after a change")
    updated_at: datetime
    command_id: str | None


class ConfigurationOut(Model):
    items: list[ConfigurationKeyOut]


class ReservationOut(Model):
    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry_date: datetime
    status: Literal["active", "cancelled", "fulfilled", "expired"]
    made_at: datetime
    ended_at: datetime | None
    transaction_id: int | None
    command_id: str | None


class ReservationsOut(Model):
    items: list[ReservationOut]


class ChargingProfileOut(Model):
    connector_id: int
    charging_profile_id: int
    stack_level: int | None
    purpose: str | None
    profile: dict[str, Any] = Field(description="as installed (OCPP camelCase)")
    installed_at: datetime
    command_id: str | None


class ChargingProfilesOut(Model):
    items: list[ChargingProfileOut]


class FrameOut(Model):
    direction: Literal["from-box", "to-box"]
    position: int
    frame: str = Field(description="the OCPP-J frame exactly as on the wire")


class HistoryEventOut(Model):
    """One event of a history: stable shape, documented in docs/audit.md."""

    position: int = Field(description="notification id: the global order of the log")
    stream: UUID = Field(description="the aggregate the event belongs to")
    version: int = Field(description="the event's place in its stream")
    type: str = Field(description="the event type (stored topic)")
    type_version: int = Field(description="the version of the event type's shape")
    recorded_at: datetime
    data: dict[str, Any]
    frames: list[FrameOut] | None = None
    digest: str | None = Field(default=None, description="in exports: the digest chain")


class HistoryOut(Model):
    subject: dict[str, Any]
    events: list[HistoryEventOut]
    next_cursor: int | None


class HistoryExportOut(Model):
    """A history with a SHA-256 digest chain; check it with `cs audit verify FILE`."""

    format: Literal["cs-history/1"]
    subject: dict[str, Any]
    exported_at: datetime
    count: int
    events: list[HistoryEventOut]
    head: str
    algorithm: Literal["sha256"]
    window: dict[str, datetime | None] | None = None


class WriterStatusOut(Model):
    commits: int
    units: int
    events: int
    failed_units: int
    queued_units: int
    last_notification_id: int


class ProjectionStatusOut(Model):
    mode: Literal["process", "thread", "off"]
    positions: dict[str, int]
    lag_events: int
    lag_seconds: float
    skipped_events: int = Field(
        default=0,
        description="events a read model could not take and skipped (listed in the table "
        "cs_projection_skips, with the error): should stay 0; alert when it grows",
    )


class RelayStatusOut(Model):
    configured: bool = Field(description="CS_AMQP_URL is set on this node")
    position: int | None = Field(description="last event published (null: no relay ran yet)")
    lag_events: int | None
    lag_seconds: float | None = None
    updated_at: datetime | None = None


class CommandRoutingOut(Model):
    """Routing of commands to the node holding a box (docs/adr/0013-command-routing.md)."""

    configured: bool = Field(description="CS_AMQP_URL set and CS_COMMAND_ROUTING=amqp")
    connected: bool = Field(description="this node can forward and take commands now")


class HealthOut(Model):
    """200 while the database answers; 503 `degraded` (without projections and relay,
    which live in the database) when it does not within 3 s: no message can be
    acknowledged then, so a load balancer should send charge points elsewhere."""

    status: Literal["ok", "starting", "degraded"]
    node: str
    connections: int
    writer: WriterStatusOut
    projections: ProjectionStatusOut | None = None
    relay: RelayStatusOut | None = None
    command_routing: CommandRoutingOut
    problems: list[str] = Field(default_factory=list, description="why it is degraded")
