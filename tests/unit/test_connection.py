from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from cs.domain.connection import Connection, ConnectionClosedError

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def a_connection() -> Connection:
    return Connection.open(
        uuid4(),
        tenant_id="t",
        charge_box_id="CP-1",
        remote_address="127.0.0.1",
        subprotocol="ocpp1.6",
        node="n1",
        at=AT,
    )


def test_frames_are_recorded_in_order_with_their_direction() -> None:
    connection = a_connection()
    connection.receive('[2,"1","Heartbeat",{}]', at=AT)
    connection.send('[3,"1",{}]', at=AT, response_to="Heartbeat")
    events = connection.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "FrameReceived", "FrameSent"]
    assert events[2].response_to == "Heartbeat"
    assert [e.originator_version for e in events] == [1, 2, 3]


def test_a_closed_connection_records_no_more_frames() -> None:
    connection = a_connection()
    connection.close(code=1000, reason="bye", at=AT)
    with pytest.raises(ConnectionClosedError):
        connection.receive("[]", at=AT)


def test_closing_twice_records_one_close() -> None:
    connection = a_connection()
    connection.close(code=1000, reason="bye", at=AT)
    connection.close(code=1001, reason="again", at=AT)
    closes = [e for e in connection.collect_events() if isinstance(e, Connection.Closed)]
    assert len(closes) == 1
