"""What the parts of the charge box share: the base of its events and of its parts.

A part is a plain mixin class, not an `Aggregate` (the aggregate's metaclass would
process it): it holds some of the box's state, the command methods that decide, and,
at module level, the events that apply. `ChargeBox` composes the parts and lists every
event in its class body, which is where eventsourcing registers the explicit topics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:
    from eventsourcing.domain import CanMutateAggregate


class Event(Aggregate.Event):
    """Base of every charge box event."""


class Part:
    """Base of the parts of `ChargeBox`: what a part may use of the aggregate."""

    if TYPE_CHECKING:

        def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
            """Apply a new event of `event_class` and keep it pending (`Aggregate`'s)."""
