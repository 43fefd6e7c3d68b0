"""Domain rule: event fields are JSON values or datetimes, never UUIDs.

(The event transcoder relies on it: see `cs.adapters.transcoder`.)
"""

from __future__ import annotations

import typing

import pytest
from eventsourcing.domain import Aggregate

from cs.domain.chargebox import ChargeBox
from cs.domain.connection import Connection
from cs.domain.idtag import IdTag
from cs.domain.node import Node
from cs.domain.session import ChargingSession, StartKey

AGGREGATES = [ChargeBox, Connection, IdTag, Node, ChargingSession, StartKey]


def event_classes() -> list[type]:
    found = []
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate.Event)
                and "TOPIC" in vars(value)
            ):
                found.append(value)
    return found


@pytest.mark.parametrize("event_class", event_classes(), ids=lambda c: c.__qualname__)
def test_event_fields_hold_no_uuid(event_class: type) -> None:
    hints = typing.get_type_hints(event_class)
    for name, hint in hints.items():
        if name.startswith("originator_") or typing.get_origin(hint) is typing.ClassVar:
            continue
        assert "UUID" not in str(hint), f"{event_class.__qualname__}.{name} is {hint}"


def test_every_event_has_an_explicit_topic() -> None:
    topics = [cls.TOPIC for cls in event_classes()]  # type: ignore[attr-defined]
    assert len(topics) == len(set(topics))
    assert all(topic.startswith("cs.") for topic in topics)
