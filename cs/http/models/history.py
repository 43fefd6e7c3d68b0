"""Response models: ordered histories and their verifiable exports (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from cs.http.models.base import Model


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
