"""Response models: `/health`, the state of the write and read paths of this node."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cs.http.models.base import Model


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
