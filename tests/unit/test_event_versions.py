"""Event versioning: old stored events still load, through upcasters (docs/event-versioning.md).

`tests/golden/stored-events-v1.jsonl` holds events exactly as an older version of the
code stored them (ChargeBox.Booted v1 with `interval`, Connection.Opened v1 without
`security_profile`). They must decode, through the upcasters, into today's classes.

`tests/golden/event-types.json` is the catalogue of every event type's version and
fields. Changing an event's fields without raising its `class_version` (and writing
the upcaster) fails here, before any store holds events the code can no longer read.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent

from cs.adapters.eventstore import EventStore
from cs.domain.chargebox import ChargeBox
from cs.domain.connection import Connection
from tests.unit.test_event_fields import event_classes

GOLDEN = Path(__file__).parent.parent / "golden"
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CATALOGUE = GOLDEN / "event-types.json"


def stored_v1() -> list[StoredEvent]:
    lines = (GOLDEN / "stored-events-v1.jsonl").read_text().splitlines()
    return [
        StoredEvent(
            originator_id=UUID(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=row["state"].encode(),
        )
        for row in (json.loads(line) for line in lines if line and not line.startswith("#"))
    ]


@pytest.fixture(scope="module")
def store() -> typing.Iterator[EventStore]:
    """The production mapper and transcoder, over in-memory persistence."""
    store = EventStore(env={"TRANSCODER_TOPIC": "cs.adapters.transcoder:OrjsonTranscoder"})
    yield store
    store.close()


def catalogue() -> dict[str, Any]:
    """Every event type: its version and its fields (name: type), as the code says now."""
    found: dict[str, Any] = {}
    for cls in event_classes():
        hints = typing.get_type_hints(cls)
        fields = {
            f.name: _type_name(hints[f.name])
            for f in dataclasses.fields(cls)
            if not f.name.startswith("originator_")
        }
        found[cls.TOPIC] = {"version": getattr(cls, "class_version", 1), "fields": fields}
    return dict(sorted(found.items()))


def _type_name(hint: Any) -> str:
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def test_old_events_decode_through_upcasters(store: EventStore) -> None:
    events = [store.mapper.to_domain_event(stored) for stored in stored_v1()]
    boots = [e for e in events if isinstance(e, ChargeBox.Booted)]
    opens = [e for e in events if isinstance(e, Connection.Opened)]
    assert boots
    assert opens
    assert all(b.heartbeat_interval == 300 for b in boots)
    assert all(b.retry_interval is None for b in boots)
    assert not any(hasattr(b, "interval") for b in boots)
    assert all(o.security_profile == 0 for o in opens)


def test_old_refused_boot_upcasts_its_interval_to_the_retry_wait(store: EventStore) -> None:
    # OCPP 1.6 §6.4: when not Accepted, `interval` is the wait before the next boot.
    stored = next(s for s in stored_v1() if s.topic == ChargeBox.Booted.TOPIC)
    state = json.loads(stored.state)
    state.update(status="Pending", interval=45)
    pending = dataclasses.replace(stored, state=json.dumps(state).encode())
    event = store.mapper.to_domain_event(pending)
    assert isinstance(event, ChargeBox.Booted)
    assert (event.heartbeat_interval, event.retry_interval) == (None, 45)


def test_aggregates_replay_from_old_events(store: EventStore) -> None:
    events = [store.mapper.to_domain_event(stored) for stored in stored_v1()]
    box_id = next(e.originator_id for e in events if isinstance(e, ChargeBox.Booted))
    box: Any = None
    for event in events:
        if event.originator_id == box_id:
            box = event.mutate(box)
    assert isinstance(box, ChargeBox)
    assert box.registration_status == "Accepted"
    assert box.version == max(e.originator_version for e in events if e.originator_id == box_id)


def test_new_events_round_trip_at_their_current_version(store: EventStore) -> None:
    for stored in stored_v1():
        event = store.mapper.to_domain_event(stored)
        again = store.mapper.to_domain_event(store.mapper.to_stored_event(event))
        assert vars(again) == vars(event)


def test_a_snapshot_taken_before_v2_of_the_charge_box_still_loads(store: EventStore) -> None:
    box = ChargeBox.register("t", "SNAP-1", AT)
    box.collect_events()
    snapshot = Snapshot.take(box)
    stored = store.mapper.to_stored_event(snapshot)
    state = json.loads(stored.state)
    # As ChargeBox v1 wrote it: no security fields, no class_version.
    for field in ("security_profile", "password_hash"):
        del state["state"][field]
    state["state"].pop("class_version", None)
    old = dataclasses.replace(stored, state=json.dumps(state).encode())
    loaded = store.mapper.to_domain_event(old).mutate(None)
    assert isinstance(loaded, ChargeBox)
    assert (loaded.security_profile, loaded.password_hash, loaded.provisioned) == (
        None,
        None,
        False,
    )
    assert loaded.charge_box_id == "SNAP-1"


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.__qualname__)
def test_every_version_step_has_an_upcaster(cls: type) -> None:
    version = getattr(cls, "class_version", 1)
    for step in range(1, version):
        assert callable(getattr(cls, f"upcast_v{step}_v{step + 1}", None)), (
            f"{cls.__qualname__} is at v{version} but has no upcast_v{step}_v{step + 1}"
        )


def test_event_fields_change_only_with_a_new_version() -> None:
    recorded = json.loads(CATALOGUE.read_text())
    now = catalogue()
    problems = []
    for topic, current in now.items():
        before = recorded.get(topic)
        if before is None:
            problems.append(f"{topic}: new event type, not in {CATALOGUE.name}")
        elif current["fields"] != before["fields"] and current["version"] <= before["version"]:
            problems.append(
                f"{topic}: fields changed at v{current['version']}; raise class_version "
                "and add an upcaster (docs/event-versioning.md)"
            )
        elif current != before:
            problems.append(f"{topic}: v{before['version']} -> v{current['version']}, update")
    problems += [f"{topic}: removed; stored events of it exist" for topic in recorded.keys() - now]
    assert not problems, (
        "\n".join(problems) + "\nthen: python -m tests.unit.test_event_versions --write"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    CATALOGUE.write_text(json.dumps(catalogue(), indent=2) + "\n")
    print(f"wrote {CATALOGUE}")
