"""Ports: the narrow interfaces the use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate


class Clock(Protocol):
    """Source of the current time (aware, UTC)."""

    def now(self) -> datetime: ...


class AggregateLoader(Protocol):
    """Loads the current state of an aggregate from the event store."""

    def load(self, aggregate_id: UUID) -> Awaitable[Aggregate | None]:
        """The aggregate, or None when no event exists for `aggregate_id`.

        Asking is synchronous (the request joins the next batch at once); the result is
        awaited.
        """
        ...


class CommitUnit(Protocol):
    """What a writer needs to commit one unit atomically."""

    @property
    def events(self) -> Sequence[Any]: ...

    @property
    def snapshots(self) -> Sequence[Any]: ...

    @property
    def handles(self) -> Sequence[Any]: ...


class EventWriter(Protocol):
    """Commits units of events durably and in submission order.

    `submit` is called on the event loop; the returned awaitable completes once every
    event of the unit is committed, or raises `CommitFailed`. Units that fail mark the
    handles they touched as poisoned, so no later unit builds on lost state.
    """

    def submit(self, unit: CommitUnit) -> Any: ...


class CommitFailedError(Exception):
    """The events of a unit could not be committed; nothing of the unit was stored."""


class TransactionIds(Protocol):
    """Allocates OCPP 1.6 transaction ids: positive 32-bit, never reused, on any node."""

    async def next(self) -> int: ...
