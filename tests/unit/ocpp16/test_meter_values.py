"""MeterValues (OCPP 1.6 section 4.7): kept as sent, on their session or on the box."""

from __future__ import annotations

from datetime import UTC, datetime

from cs.domain import ids
from cs.domain.session import ChargingSession
from tests.support import promises
from tests.support.builders import (
    a_meter_value,
    a_meter_values,
    a_sample,
    a_start_transaction,
)
from tests.support.station import EXCHANGED, Node, Station

ON_SESSION = "cs.ChargingSession.MeterValuesReported"
ON_BOX = "cs.ChargeBox.MeterValuesReported"


def energy(at: str, wh: str, *more: dict[str, object]) -> dict[str, object]:
    return a_meter_value(at, a_sample(wh, "Energy.Active.Import.Register", "Wh"), *more)


async def started(station: Station, **overrides: object) -> int:
    answer = await station.call("StartTransaction", a_start_transaction(**overrides))
    return answer[2]["transactionId"]  # type: ignore[no-any-return]


async def test_values_of_a_session_of_this_box_join_that_session_as_sent(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    values = [
        energy(
            "2026-11-25T10:10:00Z",
            "2000",
            a_sample("11.0", "Power.Active.Import", "kW"),
            a_sample("35", "SoC", "Percent", location="EV"),
        )
    ]
    answer = await station.call("MeterValues", a_meter_values(tx, *values), unique_id="mv1")
    assert answer == [3, "mv1", {}]
    assert node.last_unit() == [EXCHANGED, ON_SESSION]
    reported = node.last_unit_events()[1]
    assert reported.meter_values == values  # kept exactly as sent
    assert (reported.source, reported.connector_id, reported.message_id) == (
        "MeterValues",
        1,
        "mv1",
    )
    assert (reported.last_energy_wh, reported.max_power_w, reported.last_soc) == (
        2000,
        11000,
        35,
    )


async def test_the_sessions_running_summary_follows_its_values(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    for at, wh, kw in (("10:10", "2000", "7.2"), ("10:20", "4500", "11.0"), ("10:30", "5000", "3")):
        frame = a_meter_values(
            tx, energy(f"2026-11-25T{at}:00Z", wh, a_sample(kw, "Power.Active.Import", "kW"))
        )
        await station.call("MeterValues", frame)
    session = node.log.rebuild(ids.session_id(tx))
    assert isinstance(session, ChargingSession)
    assert (session.last_energy_wh, session.max_power_w, session.meter_value_reports) == (
        5000,
        11000,
        3,
    )
    assert session.last_sample_at == datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    assert session.flags == ()


async def test_a_meter_going_backwards_is_kept_and_flagged(node: Node, station: Station) -> None:
    tx = await started(station)
    for at, wh in (("10:10", "3000"), ("10:20", "2000")):
        await station.call("MeterValues", a_meter_values(tx, energy(f"2026-11-25T{at}:00Z", wh)))
    session = node.log.rebuild(ids.session_id(tx))
    assert isinstance(session, ChargingSession)
    assert (session.last_energy_wh, session.flags) == (2000, ("meter_backwards",))


async def test_values_on_connector_0_without_a_transaction_are_kept_on_the_box(
    node: Node, station: Station
) -> None:
    values = a_meter_value("2026-11-25T10:00:00Z", a_sample("230", "Voltage", "V", phase="L1-N"))
    await station.call("MeterValues", a_meter_values(None, values, connector_id=0))
    assert node.last_unit() == [EXCHANGED, ON_BOX]
    reported = node.last_unit_events()[1]
    assert (reported.connector_id, reported.transaction_id, reported.meter_values) == (
        0,
        None,
        [values],
    )


async def test_values_of_an_unknown_transaction_are_kept_on_the_box_not_dropped(
    node: Node, station: Station
) -> None:
    await station.call("MeterValues", a_meter_values(424242, energy("2026-11-25T10:00:00Z", "1")))
    assert node.last_unit() == [EXCHANGED, ON_BOX]
    assert node.last_unit_events()[1].transaction_id == 424242
    assert node.log.rebuild(ids.session_id(424242)) is None  # no session made up


async def test_values_naming_another_boxs_session_stay_on_the_box_that_sent_them(
    node: Node, station: Station
) -> None:
    other = await node.connect("CP-2")
    tx = await started(other)
    await station.call("MeterValues", a_meter_values(tx, energy("2026-11-25T10:10:00Z", "9")))
    assert node.last_unit() == [EXCHANGED, ON_BOX]
    assert node.last_unit_events()[1].originator_id == ids.charge_box_id("default", "CP-1")
    assert ON_SESSION not in node.log.topics()


async def test_a_negative_connector_is_a_property_constraint_violation(
    node: Node, station: Station
) -> None:
    frame = a_meter_values(None, energy("2026-11-25T10:00:00Z", "1"), connector_id=-1)
    await promises.assert_refused_with(
        node, station, "MeterValues", frame, "PropertyConstraintViolation"
    )


async def test_no_meter_value_at_all_is_an_occurence_constraint_violation(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "MeterValues",
        {"connectorId": 1, "meterValue": []},
        "OccurenceConstraintViolation",  # (sic) OCPP-J 1.6 section 4.2.3
    )


async def test_a_sample_with_an_unknown_measurand_is_refused(node: Node, station: Station) -> None:
    frame = a_meter_values(None, a_meter_value("2026-11-25T10:00:00Z", a_sample("1", "Happiness")))
    await promises.assert_refused_with(
        node, station, "MeterValues", frame, "PropertyConstraintViolation"
    )


async def test_uncommitted_values_are_answered_internal_error_and_not_kept(
    node: Node, station: Station
) -> None:
    tx = await started(station)
    frame = a_meter_values(tx, energy("2026-11-25T10:10:00Z", "2000"))
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "MeterValues", frame
    )
    assert ON_SESSION not in node.log.topics()
    again = await node.connect()
    await again.call("MeterValues", frame)
    session = node.log.rebuild(ids.session_id(tx))
    assert isinstance(session, ChargingSession)
    assert session.meter_value_reports == 1  # the lost report is not counted


async def test_retried_values_are_kept_once(node: Node, station: Station) -> None:
    tx = await started(station)
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "MeterValues", a_meter_values(tx, energy("2026-11-25T10:10:00Z", "2000"))
    )
    assert node.log.topics().count(ON_SESSION) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "MeterValues", a_meter_values(None, energy("2026-11-25T10:00:00Z", "1"))
    )
