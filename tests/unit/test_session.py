from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cs.domain import ids, metering
from cs.domain.session import ChargingSession, StartData, StopData
from cs.domain.start_key import StartKey

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
START = StartData("t", "CP", 1, "TAG", 1000, AT, None)


def a_session() -> ChargingSession:
    return ChargingSession.start(
        42, START, id_tag_status="Accepted", connection_id=None, message_id="1", at=AT
    )


def a_stop(meter_stop: int, *, after: timedelta = timedelta(hours=1)) -> StopData:
    return StopData(meter_stop, AT + after, "Local", "TAG", [])


def test_a_session_id_comes_from_its_transaction_id() -> None:
    assert a_session().id == ids.session_id(42)


def test_stopping_computes_energy_and_duration() -> None:
    session = a_session()
    session.stop(
        a_stop(8500), stop_id_tag_status="Accepted", connection_id=None, message_id="2", at=AT
    )
    stopped = session.collect_events()[-1]
    assert isinstance(stopped, ChargingSession.Stopped)
    assert (stopped.energy_wh, stopped.duration_seconds, stopped.flags) == (7500, 3600.0, [])
    assert session.status == "finished"


def test_negative_energy_and_a_stop_before_the_start_are_kept_and_flagged() -> None:
    session = a_session()
    session.stop(
        a_stop(500, after=-timedelta(minutes=1)),
        stop_id_tag_status=None,
        connection_id=None,
        message_id="2",
        at=AT,
    )
    stopped = session.collect_events()[-1]
    assert stopped.energy_wh == -500
    assert set(stopped.flags) == {metering.NEGATIVE_ENERGY, metering.TIMESTAMPS_OUT_OF_ORDER}


def test_a_second_stop_is_recorded_as_repeated_and_changes_nothing() -> None:
    session = a_session()
    session.stop(a_stop(8500), stop_id_tag_status=None, connection_id=None, message_id="2", at=AT)
    session.stop(a_stop(9999), stop_id_tag_status=None, connection_id=None, message_id="3", at=AT)
    assert isinstance(session.collect_events()[-1], ChargingSession.StopRepeated)
    assert session.meter_stop == 8500


def test_an_abandoned_session_is_no_longer_active() -> None:
    session = a_session()
    session.abandon(43, AT)
    assert not session.active
    assert session.status == "abandoned"


def test_the_same_start_content_gives_the_same_key() -> None:
    assert StartKey.key_of(START, "2026-11-25T10:00:00Z") == StartKey.key_of(
        StartData("t", "CP", 1, "tag", 1000, AT, None), "2026-11-25T10:00:00Z"
    )
    assert StartKey.key_of(START, "a") != StartKey.key_of(START, "b")
