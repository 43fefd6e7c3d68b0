"""StopTransaction (OCPP 1.6 section 4.10): always confirmed, whatever we know of it."""

from __future__ import annotations

from cs.domain import ids
from cs.domain.chargebox import ChargeBox
from cs.domain.session import ChargingSession
from tests.support import promises
from tests.support.builders import (
    a_meter_value,
    a_sample,
    a_start_transaction,
    a_stop_transaction,
    an_authorize,
)
from tests.support.station import EXCHANGED, Node, Station

STOPPED = "cs.ChargingSession.Stopped"
STARTED = "cs.ChargingSession.Started"
UNKNOWN = "cs.ChargeBox.UnknownTransactionStopped"


def session(node: Node, transaction_id: int) -> ChargingSession:
    found = node.log.rebuild(ids.session_id(transaction_id))
    assert isinstance(found, ChargingSession)
    return found


async def started(station: Station, **overrides: object) -> int:
    answer = await station.call("StartTransaction", a_start_transaction(**overrides))
    return answer[2]["transactionId"]  # type: ignore[no-any-return]


async def test_a_stop_ends_the_session_with_exact_energy_and_duration(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    tx = await started(station)
    answer = await station.call("StopTransaction", a_stop_transaction(tx), unique_id="stop")
    assert answer == [3, "stop", {"idTagInfo": {"status": "Accepted"}}]
    assert node.last_unit() == [
        EXCHANGED,
        "cs.IdTag.Decided",
        "cs.IdTag.TransactionEnded",
        STOPPED,
        "cs.ChargeBox.TransactionEnded",
    ]
    stopped = node.last_unit_events()[3]
    assert (stopped.energy_wh, stopped.duration_seconds, stopped.reason) == (7500, 5400, "Local")
    assert (stopped.stop_id_tag, stopped.stop_id_tag_status, stopped.flags) == (
        "TAG-1",
        "Accepted",
        [],
    )
    ended = session(node, tx)
    assert (ended.status, ended.meter_stop) == ("finished", 8500)


async def test_a_stop_without_a_tag_is_confirmed_with_an_empty_answer(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    answer = await station.call("StopTransaction", a_stop_transaction(tx, idTag=None))
    assert answer[2] == {}
    assert "cs.IdTag.Decided" not in node.last_unit()
    assert session(node, tx).status == "finished"


async def test_the_stop_tag_is_answered_but_never_refuses_the_stop(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    tx = await started(station)
    await node.register_tag("TAG-1", "Blocked")  # blocked while charging
    answer = await station.call("StopTransaction", a_stop_transaction(tx))
    assert answer[2] == {"idTagInfo": {"status": "Blocked"}}
    assert session(node, tx).status == "finished"


async def test_the_tag_is_free_again_once_its_session_stopped(node: Node, station: Station) -> None:
    await node.register_tag("TAG-1")
    tx = await started(station)
    await station.call("StopTransaction", a_stop_transaction(tx))
    answer = await station.call("Authorize", an_authorize("TAG-1"))
    assert answer[2]["idTagInfo"]["status"] == "Accepted"


async def test_the_meter_values_sent_with_a_stop_join_the_session_before_it_ends(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    data = [a_meter_value("2026-11-25T11:30:00Z", a_sample("8.5", unit="kWh"))]
    await station.call("StopTransaction", a_stop_transaction(tx, transactionData=data))
    unit = node.last_unit()
    assert unit.index("cs.ChargingSession.MeterValuesReported") < unit.index(STOPPED)
    reported = node.log.events("cs.ChargingSession.MeterValuesReported")[-1]
    assert (reported.source, reported.meter_values, reported.last_energy_wh) == (
        "StopTransaction",
        data,
        8500,
    )


async def test_a_negative_energy_is_kept_and_flagged(node: Node, station: Station) -> None:
    tx = await started(station, meterStart=5000)
    await station.call("StopTransaction", a_stop_transaction(tx, meterStop=4000))
    stopped = node.log.events(STOPPED)[-1]
    assert (stopped.energy_wh, stopped.flags) == (-1000, ["negative_energy"])


def station_box(node: Node) -> ChargeBox:
    found = node.log.rebuild(ids.charge_box_id("default", "CP-1"))
    assert isinstance(found, ChargeBox)
    return found


def sessions_of(node: Node, box: str) -> list[ChargingSession.Started]:
    return [e for e in node.log.events(STARTED) if e.charge_box_id == box]


async def test_a_stop_for_an_unknown_transaction_becomes_a_reconstructed_session(
    node: Node, station: Station
) -> None:
    answer = await station.call("StopTransaction", a_stop_transaction(999_999, idTag=None))
    assert answer[2] == {}
    assert UNKNOWN in node.last_unit()  # what was sent, on the box
    (unknown,) = [e for e in node.last_unit_events() if e.TOPIC == UNKNOWN]
    assert (unknown.transaction_id, unknown.meter_stop, unknown.reason) == (999_999, 8500, "Local")
    (start,) = sessions_of(node, "CP-1")
    made = session(node, start.transaction_id)
    # No readings: nothing says where it began, so no energy is invented.
    assert (made.status, made.flags, made.connector_id) == ("finished", ("reconstructed",), 0)
    assert (made.meter_start, made.meter_stop) == (8500, 8500)


async def test_an_offline_stop_with_its_readings_bills_their_energy_once(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    readings = [
        a_meter_value(
            "2026-11-25T10:00:00Z",
            a_sample(
                "1000", context="Transaction.Begin", measurand="Energy.Active.Import.Register"
            ),
        ),
        a_meter_value(
            "2026-11-25T11:30:00Z",
            a_sample("11.0", context="Transaction.End", unit="kWh"),
        ),
    ]
    stop = a_stop_transaction(-1, meterStop=11000, transactionData=readings)
    answer = await station.call("StopTransaction", stop)
    assert answer[2] == {"idTagInfo": {"status": "Accepted"}}
    (start,) = sessions_of(node, "CP-1")
    made = session(node, start.transaction_id)
    assert made.transaction_id > 0  # one of ours, never the station's -1
    assert (made.meter_start, made.meter_stop, made.id_tag) == (1000, 11000, "TAG-1")
    assert made.started_at.isoformat() == "2026-11-25T10:00:00+00:00"
    assert made.flags == ("reconstructed",)
    (stopped,) = [e for e in node.last_unit_events() if e.TOPIC == STOPPED]
    assert (stopped.energy_wh, stopped.duration_seconds) == (10000, 90 * 60)
    again = await station.call("StopTransaction", stop)  # its answer was lost: retried
    assert again[2] == answer[2]
    assert "cs.ChargingSession.StopRepeated" in node.last_unit()
    assert len(sessions_of(node, "CP-1")) == 1  # billed once


async def test_a_stop_naming_no_transaction_ends_the_open_one_of_its_tag(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    tx = await started(station)  # the charger never got this answer
    await station.call("StopTransaction", a_stop_transaction(-1))
    ended = session(node, tx)
    assert (ended.status, ended.meter_stop, ended.flags) == ("finished", 8500, ("matched_stop",))
    assert len(sessions_of(node, "CP-1")) == 1
    assert station_box(node).active_transactions == {}


async def test_a_stop_with_another_tag_ends_nothing_it_does_not_name(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    await station.call("StopTransaction", a_stop_transaction(-1, idTag="SOMEONE-ELSE"))
    assert session(node, tx).active
    assert len(sessions_of(node, "CP-1")) == 2  # the stop's own, reconstructed


async def test_a_stop_for_another_boxs_session_is_billed_here_and_ends_nothing_there(
    node: Node, station: Station
) -> None:
    other = await node.connect("CP-2")
    tx = await started(other)
    answer = await station.call("StopTransaction", a_stop_transaction(tx))
    assert answer[0] == 3
    assert UNKNOWN in node.last_unit()
    assert session(node, tx).active
    (here,) = sessions_of(node, "CP-1")
    assert session(node, here.transaction_id).flags == ("reconstructed",)


async def test_a_repeated_stop_is_confirmed_and_changes_nothing(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    await station.call("StopTransaction", a_stop_transaction(tx))
    again = await station.call("StopTransaction", a_stop_transaction(tx, meterStop=99999))
    assert again[0] == 3
    assert "cs.ChargingSession.StopRepeated" in node.last_unit()
    assert "cs.ChargeBox.TransactionEnded" not in node.last_unit()
    assert session(node, tx).meter_stop == 8500


async def test_a_stop_without_a_meter_reading_is_a_protocol_error(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    await promises.assert_refused_with(
        node, station, "StopTransaction", a_stop_transaction(tx, meterStop=None), "ProtocolError"
    )
    assert session(node, tx).active


async def test_a_stop_reason_1_6_does_not_define_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "StopTransaction",
        a_stop_transaction(1, reason="Bored"),
        "PropertyConstraintViolation",
    )


async def test_an_uncommitted_stop_is_internal_error_and_its_retry_ends_the_session(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "StopTransaction", a_stop_transaction(tx)
    )
    assert STOPPED not in node.log.topics()
    assert session(node, tx).active
    again = await (await node.connect()).call("StopTransaction", a_stop_transaction(tx))
    assert again[0] == 3
    assert STOPPED in node.last_unit()  # a first stop, not a repeated one
    assert session(node, tx).status == "finished"


async def test_a_retried_stop_is_answered_again_without_a_repeat(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "StopTransaction", a_stop_transaction(tx)
    )
    assert "cs.ChargingSession.StopRepeated" not in node.log.topics()


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "StopTransaction", a_stop_transaction(1)
    )
