"""TransactionEvent (OCPP 2.0.1 Part 2 block E): the station's transaction as one session."""

from __future__ import annotations

from cs.domain import ids
from cs.domain.session import ChargingSession
from tests.support.station import EXCHANGED, Node, Station
from tests.unit.ocpp201.conftest import a_token, an_event, energy

STARTED = "cs.ChargingSession.Started"
REPORTED = "cs.ChargingSession.MeterValuesReported"
STOPPED = "cs.ChargingSession.Stopped"
SEQUENCED = "cs.ChargingSession.Sequenced"


def session(node: Node, transaction_id: int = 1) -> ChargingSession:
    found = node.log.rebuild(ids.session_id(transaction_id))
    assert isinstance(found, ChargingSession)
    return found


async def test_started_opens_a_session_keeping_the_stations_transaction_id(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    event = an_event(idToken=a_token(), meterValue=[energy(1200.0)])
    answer = await station.call("TransactionEvent", event)
    assert answer[2] == {"idTokenInfo": {"status": "Accepted"}}
    assert STARTED in node.last_unit()
    assert REPORTED in node.last_unit()
    started = session(node)
    assert (started.station_transaction_id, started.connector_id, started.id_tag) == (
        "tx-1",
        1,
        "TAG-1",
    )
    assert (started.meter_start, started.active, started.last_energy_wh) == (1200, True, 1200.0)


async def test_updated_adds_meter_values_and_ended_stops_with_the_last_reading(
    node: Node, station: Station
) -> None:
    await station.call("TransactionEvent", an_event(idToken=a_token(), meterValue=[energy(0.0)]))
    updated = an_event(
        "Updated", seq_no=1, trigger="MeterValuePeriodic", meterValue=[energy(5.5, unit="kWh")]
    )
    assert (await station.call("TransactionEvent", updated))[2] == {}
    # In order and online: the report records the event's number, one event not two.
    assert node.last_unit() == [EXCHANGED, REPORTED]
    (report,) = [
        e for e in node.last_unit_events() if isinstance(e, ChargingSession.MeterValuesReported)
    ]
    assert report.seq_no == 1
    assert (session(node).last_energy_wh, session(node).last_seq_no) == (5500.0, 1)
    ended = an_event(
        "Ended",
        seq_no=2,
        at="2026-11-25T11:00:00Z",
        trigger="EVDeparted",
        info={"stoppedReason": "EVDisconnected"},
        meterValue=[energy(7.25, unit="kWh", multiplier=0)],
    )
    await station.call("TransactionEvent", ended)
    stopped = session(node)
    assert (stopped.status, stopped.meter_stop) == ("finished", 7250)
    assert STOPPED in node.last_unit()
    (stop,) = [e for e in node.last_unit_events() if isinstance(e, ChargingSession.Stopped)]
    assert (stop.reason, stop.energy_wh, stop.duration_seconds) == ("EVDisconnected", 7250, 3600)


async def test_an_end_without_readings_stops_at_the_last_known_one(
    node: Node, station: Station
) -> None:
    await station.call("TransactionEvent", an_event(meterValue=[energy(100.0)]))
    await station.call(
        "TransactionEvent", an_event("Updated", seq_no=1, meterValue=[energy(900.0)])
    )
    await station.call("TransactionEvent", an_event("Ended", seq_no=2))
    assert (session(node).meter_start, session(node).meter_stop) == (100, 900)


async def test_a_repeated_event_starts_no_second_session(node: Node, station: Station) -> None:
    for _ in range(2):
        await station.call("TransactionEvent", an_event(meterValue=[energy(10.0)]))
    assert node.transaction_ids.issued == [1]
    assert node.log.topics(STARTED) == [STARTED]


async def test_transactions_of_two_stations_with_the_same_id_are_two_sessions(
    node: Node, station: Station
) -> None:
    from tests.unit.ocpp201.conftest import booted

    other = await booted(node, "CP-2")
    await station.call("TransactionEvent", an_event())
    await other.call("TransactionEvent", an_event())
    assert node.transaction_ids.issued == [1, 2]
    assert session(node, 2).charge_box_id == "CP-2"


async def test_an_end_whose_start_never_arrived_still_makes_a_finished_session(
    node: Node, station: Station
) -> None:
    ended = an_event("Ended", "lost-start", 3, evse={"id": 2}, meterValue=[energy(4000.0)])
    await station.call("TransactionEvent", ended)
    reconstructed = session(node)
    assert (reconstructed.status, reconstructed.connector_id) == ("finished", 2)
    assert reconstructed.station_transaction_id == "lost-start"
    assert "reconstructed" in reconstructed.flags  # billing sees it was made from its end


async def test_a_transaction_that_started_here_is_not_reconstructed(
    node: Node, station: Station
) -> None:
    await station.call("TransactionEvent", an_event(meterValue=[energy(0.0)]))
    await station.call("TransactionEvent", an_event("Ended", seq_no=1, meterValue=[energy(9.0)]))
    assert (session(node).status, session(node).flags) == ("finished", ())


async def test_nothing_joins_a_transaction_after_ended(node: Node, station: Station) -> None:
    await station.call("TransactionEvent", an_event())
    await station.call("TransactionEvent", an_event("Ended", seq_no=1))
    late = an_event("Updated", seq_no=2, meterValue=[energy(50.0)])
    assert (await station.call("TransactionEvent", late))[0] == 3
    assert node.last_unit() == [EXCHANGED, SEQUENCED, "cs.ChargeBox.MeterValuesReported"]
    assert session(node).meter_value_reports == 0
    await station.call("TransactionEvent", an_event("Ended", seq_no=1))
    assert node.last_unit() == [EXCHANGED, SEQUENCED]  # a replay of Ended: seqNo 1 again


async def test_a_transaction_started_before_authorization_takes_its_first_tag(
    node: Node, station: Station
) -> None:
    event = an_event(trigger="CablePluggedIn")
    assert (await station.call("TransactionEvent", event))[2] == {}
    assert (session(node).id_tag, session(node).active) == ("", True)
    await node.register_tag("TAG-1")
    authorized = an_event("Updated", seq_no=1, trigger="Authorized", idToken=a_token())
    answer = await station.call("TransactionEvent", authorized)
    assert answer[2] == {"idTokenInfo": {"status": "Accepted"}}
    assert session(node).id_tag == "TAG-1"  # billed to the driver who authorized (E02)
    assert "cs.ChargingSession.Authorized" in node.last_unit()
    other = an_event("Updated", seq_no=2, idToken=a_token("TAG-2"))
    await station.call("TransactionEvent", other)
    assert session(node).id_tag == "TAG-1"  # a later token does not take it over
    assert "cs.ChargingSession.Authorized" not in node.last_unit()


# --- seqNo and offline (Part 2 E: the station numbers a transaction's events) ------------


async def test_a_replayed_event_is_answered_as_before_and_changes_nothing(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    await station.call("TransactionEvent", an_event(idToken=a_token(), meterValue=[energy(0.0)]))
    updated = an_event("Updated", seq_no=1, idToken=a_token(), meterValue=[energy(2000.0)])
    first = await station.call("TransactionEvent", updated)
    reports = session(node).meter_value_reports
    again = await station.call("TransactionEvent", updated)  # its answer was lost
    assert again[2] == first[2] == {"idTokenInfo": {"status": "Accepted"}}
    assert session(node).meter_value_reports == reports  # no second effect
    assert REPORTED not in node.last_unit()
    (replay,) = [e for e in node.last_unit_events() if isinstance(e, ChargingSession.Sequenced)]
    assert (replay.seq_no, replay.repeated) == (1, True)
    await station.call("TransactionEvent", an_event("Ended", seq_no=2, meterValue=[energy(3000.0)]))
    assert (session(node).status, session(node).meter_stop) == ("finished", 3000)


async def test_a_skipped_number_flags_a_gap_and_the_late_event_still_counts(
    node: Node, station: Station
) -> None:
    await station.call("TransactionEvent", an_event(meterValue=[energy(0.0)]))
    await station.call(
        "TransactionEvent", an_event("Updated", seq_no=3, meterValue=[energy(3000.0)])
    )
    gapped = session(node)
    assert "seq_no_gap" in gapped.flags
    assert (gapped.last_seq_no, tuple(gapped.missing_seq_nos)) == (3, (1, 2))
    late = an_event("Updated", seq_no=2, meterValue=[energy(2000.0)])
    await station.call("TransactionEvent", late)
    assert REPORTED in node.last_unit()  # awaited, not a replay
    assert tuple(session(node).missing_seq_nos) == (1,)
    await station.call("TransactionEvent", late)
    assert REPORTED not in node.last_unit()  # now it is one


async def test_offline_events_flag_the_session(node: Node, station: Station) -> None:
    await station.call("TransactionEvent", an_event(meterValue=[energy(0.0)]))
    assert "offline" not in session(node).flags
    ended = an_event("Ended", seq_no=1, offline=True, meterValue=[energy(500.0)])
    await station.call("TransactionEvent", ended)
    assert "offline" in session(node).flags
    (noted,) = [
        e for e in node.log.events() if isinstance(e, ChargingSession.Sequenced) and e.offline
    ]
    assert (noted.event_type, noted.trigger_reason) == ("Ended", "Authorized")


async def test_an_event_without_meter_values_records_its_number_alone(
    node: Node, station: Station
) -> None:
    await station.call("TransactionEvent", an_event(meterValue=[energy(0.0)]))
    assert SEQUENCED not in node.last_unit()  # the Started's report carries seqNo 0
    charging = an_event("Updated", seq_no=1, trigger="ChargingStateChanged")
    await station.call("TransactionEvent", charging)
    assert node.last_unit() == [EXCHANGED, SEQUENCED]
    assert session(node).last_seq_no == 1
    await station.call("TransactionEvent", charging)  # a replay, recognised as one
    (replay,) = [e for e in node.last_unit_events() if isinstance(e, ChargingSession.Sequenced)]
    assert replay.repeated


def test_sequencing_state_survives_a_snapshot_of_an_older_version() -> None:
    state: dict[str, object] = {"station_transaction_id": "tx"}
    ChargingSession.upcast_v2_v3(state)
    assert state == {"station_transaction_id": "tx", "last_seq_no": None, "missing_seq_nos": ()}
