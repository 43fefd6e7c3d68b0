"""Unit of work: the events one message (or one command) causes, committed atomically.

The rule that keeps the log consistent without locks: between the first change to a
shared aggregate and the submission of its unit to the writer there is no `await`.
Loads happen first; deciding, recording events and submitting run in one step of the
event loop. Two units that change the same aggregate therefore reach the writer in the
order their events were made, and the writer commits them in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, Snapshot

from cs.app.handles import Handle


@dataclass(frozen=True)
class PendingUnit:
    """Events to commit in one transaction, in order, with the handles they came from."""

    events: list[Any]
    handles: list[Handle[Any]]
    snapshots: list[Any] = field(default_factory=list)


class UnitOfWork:
    """Collects events from aggregates as they are changed, in the order of change."""

    def __init__(self, *, snapshot_interval: int = 100) -> None:
        self._snapshot_interval = snapshot_interval
        self._events: list[Any] = []
        self._handles: dict[int, tuple[Handle[Any], int]] = {}

    @property
    def empty(self) -> bool:
        return not self._events

    def save(self, *handles: Handle[Any]) -> None:
        """Take the pending events of each aggregate into this unit, now."""
        for handle in handles:
            self._take(handle, first=False)

    def save_first(self, handle: Handle[Any]) -> None:
        """Like `save`, but place the events before everything saved so far."""
        self._take(handle, first=True)

    def discard(self) -> None:
        """Abandon the unit: the aggregates hold uncommitted state, so poison them."""
        for handle, _ in self._handles.values():
            handle.poisoned = True
        self._events.clear()
        self._handles.clear()

    def build(self) -> PendingUnit:
        """The unit to submit; snapshots are taken now, while the state matches the events."""
        return PendingUnit(
            events=self._events,
            handles=[handle for handle, _ in self._handles.values()],
            snapshots=self._snapshots(),
        )

    def _take(self, handle: Handle[Any], *, first: bool) -> None:
        aggregate: Aggregate = handle.aggregate
        events = aggregate.collect_events()
        if not events:
            return
        key = id(handle)
        if key not in self._handles:
            self._handles[key] = (handle, aggregate.version - len(events))
        if first:
            self._events[:0] = events
        else:
            self._events.extend(events)

    def _snapshots(self) -> list[Any]:
        interval = self._snapshot_interval
        taken = []
        for handle, version_before in self._handles.values():
            aggregate = handle.aggregate
            if getattr(aggregate, "snapshots_disabled", False):
                continue
            if aggregate.version // interval > version_before // interval:
                # Aggregate state is kept flat (immutable values only), so a shallow copy
                # taken now stays consistent with the events of this unit.
                taken.append(Snapshot.take(aggregate))
        return taken


@dataclass
class MessageContext:
    """What a use case knows about the charge point message it is handling."""

    uow: UnitOfWork
    tenant_id: str
    charge_box_id: str
    connection_id: str
    message_id: str
    received_at: datetime
