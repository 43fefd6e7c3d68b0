"""Clock trust: a station's own time against ours, kept as sent and flagged (issue 16)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from cs.domain import ids
from cs.domain.clock import (
    CENTRAL_SYSTEM,
    CHARGE_POINT,
    CLOCK_FUTURE,
    CLOCK_SKEW,
    CLOCK_UNSET,
    ClockPolicy,
    billing_times,
)
from cs.domain.session import ChargingSession
from tests.support.builders import (
    a_meter_value,
    a_meter_values,
    a_sample,
    a_start_transaction,
    a_status_notification,
    a_stop_transaction,
)
from tests.support.fakes import START
from tests.support.station import EXCHANGED, Node, Station, a_node

POLICY = ClockPolicy(tolerance_seconds=300)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize(
    ("station_time", "flags"),
    [
        (START + timedelta(seconds=299), ()),
        (START - timedelta(seconds=299), ()),
        (START + timedelta(seconds=301), (CLOCK_FUTURE,)),
        (START - timedelta(hours=2), (CLOCK_SKEW,)),
        (datetime(1970, 1, 1, 0, 0, 7, tzinfo=UTC), (CLOCK_UNSET,)),
        (datetime(2009, 12, 31, 23, 59, tzinfo=UTC), (CLOCK_UNSET,)),
    ],
)
def test_a_time_is_flagged_by_how_far_it_is_from_ours(
    station_time: datetime, flags: tuple[str, ...]
) -> None:
    reading = POLICY.read(station_time, START)
    assert reading.flags == flags
    assert reading.skew_seconds == (station_time - START).total_seconds()


def test_billing_keeps_the_stations_times_unless_its_clock_was_unset_or_ahead() -> None:
    start, stop = START, START + timedelta(hours=1)
    late = START + timedelta(hours=3)  # the stop was held offline and sent later
    kept = billing_times(
        started_at=start,
        stopped_at=stop,
        start_received_at=start,
        stop_received_at=late,
        flags=[CLOCK_SKEW],
    )
    assert (kept.started_at, kept.ended_at, kept.source) == (start, stop, CHARGE_POINT)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    ours = billing_times(
        started_at=epoch,
        stopped_at=epoch + timedelta(minutes=30),
        start_received_at=start,
        stop_received_at=start + timedelta(minutes=31),
        flags=[CLOCK_UNSET],
    )
    assert (ours.started_at, ours.ended_at, ours.source) == (
        start,
        start + timedelta(minutes=30),
        CENTRAL_SYSTEM,
    )
    # The station's duration never outlasts what we saw of the session.
    capped = billing_times(
        started_at=epoch,
        stopped_at=epoch + timedelta(hours=5),
        start_received_at=start,
        stop_received_at=start + timedelta(hours=1),
        flags=[CLOCK_UNSET],
    )
    assert capped.ended_at == start + timedelta(hours=1)
    # Reconstructed from its stop: anchored at the stop, lasting the station's duration.
    reconstructed = billing_times(
        started_at=epoch,
        stopped_at=epoch + timedelta(minutes=20),
        start_received_at=late,
        stop_received_at=late,
        flags=[CLOCK_UNSET],
    )
    assert (reconstructed.started_at, reconstructed.ended_at) == (
        late - timedelta(minutes=20),
        late,
    )


@pytest.fixture
async def strict() -> AsyncIterator[Node]:
    """A node holding stations to five minutes of our clock (the default)."""
    async with a_node(clock_tolerance=300.0) as node:
        yield node


async def test_a_frames_record_says_how_far_its_time_was_from_ours(strict: Node) -> None:
    station = await strict.connect("CP-1")
    ahead = START + timedelta(minutes=10)
    await station.call("StatusNotification", a_status_notification(timestamp=iso(ahead)))
    exchanged = strict.last_unit_events()[0]
    assert strict.last_unit()[0] == EXCHANGED
    assert (exchanged.clock_skew_seconds, exchanged.clock_flags) == (600.0, [CLOCK_FUTURE])
    await station.call("StatusNotification", a_status_notification(timestamp=iso(START)))
    exchanged = strict.last_unit_events()[0]
    assert (exchanged.clock_skew_seconds, exchanged.clock_flags) == (0.0, [])
    await station.call("Heartbeat", {})  # carries no time: nothing measured
    exchanged = strict.last_unit_events()[0]
    assert (exchanged.clock_skew_seconds, exchanged.clock_flags) == (None, [])


async def started(station: Station, at: datetime) -> int:
    answer = await station.call("StartTransaction", a_start_transaction(timestamp=iso(at)))
    return answer[2]["transactionId"]  # type: ignore[no-any-return]


def session(node: Node, transaction_id: int) -> ChargingSession:
    found = node.log.rebuild(ids.session_id(transaction_id))
    assert isinstance(found, ChargingSession)
    return found


async def test_a_session_on_a_clock_reset_to_1970_is_kept_as_sent_and_flagged(
    strict: Node,
) -> None:
    station = await strict.connect("CP-1")
    await strict.register_tag("TAG-1")
    epoch = datetime(1970, 1, 1, 0, 0, 7, tzinfo=UTC)
    tx = await started(station, epoch)
    sampled = epoch + timedelta(minutes=5)
    values = a_meter_values(
        tx, a_meter_value(iso(sampled), a_sample("2000", "Energy.Active.Import.Register", "Wh"))
    )
    await station.call("MeterValues", values)
    await station.call(
        "StopTransaction", a_stop_transaction(tx, timestamp=iso(epoch + timedelta(minutes=30)))
    )
    ended = session(strict, tx)
    assert ended.started_at == epoch  # as sent
    assert ended.flags == (CLOCK_UNSET,)
    assert ended.clock_skew_seconds == round((epoch - START).total_seconds(), 3)


async def test_a_stop_sent_ahead_of_our_clock_flags_the_session_future(strict: Node) -> None:
    station = await strict.connect("CP-1")
    tx = await started(station, START)
    ahead = START + timedelta(hours=1)  # our clock stands still at START
    await station.call("StopTransaction", a_stop_transaction(tx, timestamp=iso(ahead)))
    ended = session(strict, tx)
    assert ended.flags == (CLOCK_FUTURE,)
    assert ended.clock_skew_seconds == 3600.0
