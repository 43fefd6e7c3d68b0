"""Domain rule: event fields are JSON values or datetimes, never UUIDs.

(The event transcoder relies on it: see `cs.adapters.transcoder`.)
"""

from __future__ import annotations

import importlib
import pkgutil
import typing

import pytest
from eventsourcing.domain import Aggregate

import cs.domain


def event_classes() -> list[type]:
    """Every event class of every aggregate in `cs.domain` (found, not listed)."""
    for module in pkgutil.iter_modules(cs.domain.__path__):
        importlib.import_module(f"cs.domain.{module.name}")
    found = []
    for aggregate in _subclasses(Aggregate):
        for value in vars(aggregate).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate.Event)
                and "TOPIC" in vars(value)
            ):
                found.append(value)
    return sorted(found, key=lambda cls: str(vars(cls)["TOPIC"]))


def _subclasses(cls: type) -> list[type]:
    direct = cls.__subclasses__()
    return direct + [sub for child in direct for sub in _subclasses(child)]


def test_every_aggregate_is_found() -> None:
    topics = {str(vars(cls)["TOPIC"]).split(".")[1] for cls in event_classes()}
    assert topics >= {"ChargeBox", "Connection", "Command", "IdTag", "Node", "ChargingSession"}


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
