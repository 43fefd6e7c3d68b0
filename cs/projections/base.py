"""The projection contract the runner relies on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from psycopg import Cursor


class Projection(Protocol):
    """Maps events to rows of its own tables.

    `apply` receives, in log order, the events of one batch whose topic is in `topics`,
    with a cursor inside the batch's transaction; it must only write its own `tables`
    and must be deterministic, so that a rebuild from the log gives the same rows.
    """

    name: str
    topics: tuple[str, ...]
    tables: tuple[str, ...]
    ddl: tuple[str, ...]

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None: ...


def topics_of(*event_classes: type[Any]) -> tuple[str, ...]:
    """The stored topics of event classes (their explicit TOPIC)."""
    return tuple(str(cls.TOPIC) for cls in event_classes)
