"""The event transcoder: orjson in the library's layout, and its decoding shortcut.

Decoding skips walking nested lists and dicts when every tagged value (`_type_`) was a
top-level field; these tests make sure the shortcut never leaves a tagged value behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, Transcoder

from cs.adapters.eventstore import EventStore

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def transcoder() -> Iterator[Transcoder]:
    store = EventStore(env={"TRANSCODER_TOPIC": "cs.adapters.transcoder:OrjsonTranscoder"})
    yield store.mapper.transcoder
    store.close()


@pytest.mark.parametrize(
    "state",
    [
        {"timestamp": AT, "meter_values": [{"timestamp": "2026-12-07T10:00:00Z"}]},
        {"timestamp": AT, "reservations": {"17": {"expiry_date": AT, "id_tag": "T"}}},
        {"timestamp": AT, "deep": [[{"at": AT}], {"x": [AT, None]}]},
        {"frame": 'a "_type_" inside a string, and \\"_type_\\" escaped', "timestamp": AT},
        {"frame": '{"_type_": "datetime_iso", "_data_": "2026-12-07"}', "at": None},
        # A snapshot: the aggregate's UUID and datetimes are nested in `state`.
        {"topic": "cs.ChargeBox", "state": {"_id": uuid4(), "_created_on": AT, "n": 1}},
    ],
)
def test_what_is_encoded_decodes_to_the_same_values(
    transcoder: Transcoder, state: dict[str, Any]
) -> None:
    assert transcoder.decode(transcoder.encode(state)) == state


def test_it_reads_what_the_librarys_own_transcoder_wrote(transcoder: Transcoder) -> None:
    library = JSONTranscoder()
    for transcoding in transcoder.types.values():  # type: ignore[attr-defined]
        library.register(transcoding)
    state = {"timestamp": AT, "nested": {"at": AT}, "values": [{"v": "1"}]}
    assert transcoder.decode(library.encode(state)) == state
