"""Response models: the summary counts and the open connections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from cs.http.models.base import Model
from cs.http.shapes import From, Given


class SummaryOut(Model):
    total_connected_evses: int = Field(description="charge boxes connected (original name)")
    connected_charge_boxes: int
    open_connections: int
    charge_boxes: int
    active_sessions: int


class RpcCallOut(Model):
    action: str
    origin: str


# An open connection: a row of `rm_connections`, with the calls waiting on it.
class ConnectionOut(Model):
    ip: Annotated[str | None, From("remote_address")]
    tenant_id: str
    charge_box_id: str
    connection_id: UUID
    connected_since: Annotated[datetime, From("opened_at")]
    subprotocol: str
    node: str
    last_message_at: datetime | None
    frames_received: int
    frames_sent: int
    rpc_calls: Annotated[dict[str, RpcCallOut], Given()] = Field(
        description="our calls waiting for an answer"
    )
