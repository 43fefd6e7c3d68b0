"""StartTransaction (OCPP 1.6 section 4.8): always answered, each start with a fresh id."""

from __future__ import annotations

from uuid import UUID

from cs.domain import ids
from cs.domain.session import ChargingSession
from tests.support import promises
from tests.support.builders import a_start_transaction, an_authorize
from tests.support.station import EXCHANGED, Node, Reply, Station

STARTED = "cs.ChargingSession.Started"
A_FIRST_START = [
    EXCHANGED,
    "cs.IdTag.Noted",
    "cs.IdTag.Decided",
    "cs.IdTag.TransactionStarted",
    STARTED,
    "cs.StartKey.Claimed",
    "cs.ChargeBox.TransactionStarted",
]


def session(node: Node, transaction_id: int) -> ChargingSession:
    found = node.log.rebuild(ids.session_id(transaction_id))
    assert isinstance(found, ChargingSession)
    return found


async def test_a_start_gets_a_fresh_transaction_id_and_the_tags_status(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    answer = await station.call("StartTransaction", a_start_transaction(), unique_id="s1")
    assert answer == [3, "s1", {"transactionId": 1, "idTagInfo": {"status": "Accepted"}}]
    assert node.transaction_ids.issued == [1]


async def test_the_session_tag_and_connector_are_recorded_after_the_frames(
    node: Node, station: Station
) -> None:
    await station.call("StartTransaction", a_start_transaction(connectorId=2, meterStart=1234))
    assert node.last_unit() == A_FIRST_START
    started = session(node, 1)
    assert (started.charge_box_id, started.connector_id, started.id_tag) == ("CP-1", 2, "TAG-1")
    assert (started.meter_start, started.active) == (1234, True)
    assert started.started_at.isoformat() == "2026-11-25T10:00:00+00:00"


async def test_every_new_start_gets_a_new_transaction_id(node: Node, station: Station) -> None:
    first = await station.call("StartTransaction", a_start_transaction(connectorId=1))
    second = await station.call("StartTransaction", a_start_transaction(connectorId=2))
    assert (first[2]["transactionId"], second[2]["transactionId"]) == (1, 2)


async def test_an_unknown_tag_is_answered_invalid_and_still_gets_a_transaction(
    node: Node, station: Station
) -> None:
    answer = await station.call("StartTransaction", a_start_transaction(idTag="NOBODY"))
    assert answer[2] == {"transactionId": 1, "idTagInfo": {"status": "Invalid"}}
    assert session(node, 1).active  # the charge point decides whether to go on


async def test_the_same_start_sent_again_gets_the_first_id_and_no_second_session(
    node: Node, station: Station
) -> None:
    first = await station.call("StartTransaction", a_start_transaction(), unique_id="a")
    again = await station.call("StartTransaction", a_start_transaction(), unique_id="b")
    assert again[2] == first[2]
    assert node.last_unit() == [EXCHANGED, "cs.ChargingSession.StartRepeated"]
    assert node.transaction_ids.issued == [1]
    assert node.log.topics().count(STARTED) == 1


async def test_the_same_start_after_a_reconnect_gets_the_first_id(node: Node) -> None:
    station = await node.connect("CP-1")
    first = await station.call("StartTransaction", a_start_transaction())
    await station.disconnect()
    again = await (await node.connect("CP-1")).call("StartTransaction", a_start_transaction())
    assert again[2]["transactionId"] == first[2]["transactionId"]
    assert node.log.topics().count(STARTED) == 1


async def test_a_start_on_a_busy_connector_abandons_the_older_session(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    await node.register_tag("TAG-2")
    old = await station.call("StartTransaction", a_start_transaction(idTag="TAG-1"))
    new = await station.call(
        "StartTransaction",
        a_start_transaction(idTag="TAG-2", timestamp="2026-11-25T10:30:00.000Z"),
    )
    old_id, new_id = old[2]["transactionId"], new[2]["transactionId"]
    assert new_id != old_id
    assert node.last_unit()[:4] == [
        EXCHANGED,
        "cs.ChargingSession.Abandoned",
        "cs.IdTag.TransactionEnded",
        "cs.ChargeBox.TransactionEnded",
    ]
    assert session(node, old_id).status == "abandoned"
    ended = node.log.events("cs.ChargeBox.TransactionEnded")[-1]
    assert (ended.transaction_id, ended.how) == (old_id, "abandoned")
    freed = await station.call("Authorize", an_authorize("TAG-1"))
    assert freed[2]["idTagInfo"]["status"] == "Accepted"  # no longer ConcurrentTx


async def test_a_start_for_a_reserved_connector_fulfils_the_reservation(
    node: Node, station: Station
) -> None:
    station.answer("ReserveNow", Reply(result={"status": "Accepted"}))
    reserve = {"connector_id": 1, "expiry_date": "2026-11-25T11:00:00Z", "id_tag": "TAG-V"}
    assert (await node.command("CP-1", "reserve-now", reserve)).status == "answered"
    reservation_id = station.calls[-1].payload["reservationId"]
    answer = await station.call(
        "StartTransaction", a_start_transaction(idTag="tag-v", reservationId=reservation_id)
    )
    ended = node.log.events("cs.ChargeBox.ReservationEnded")
    assert [(e.reservation_id, e.how, e.transaction_id) for e in ended] == [
        (reservation_id, "fulfilled", answer[2]["transactionId"])
    ]


async def test_a_start_after_the_reservation_expired_finds_it_expired(
    node: Node, station: Station
) -> None:
    station.answer("ReserveNow", Reply(result={"status": "Accepted"}))
    reserve = {"connector_id": 1, "expiry_date": "2026-11-25T10:10:00Z", "id_tag": "TAG-E"}
    await node.command("CP-1", "reserve-now", reserve)
    reservation_id = station.calls[-1].payload["reservationId"]
    node.clock.advance(minutes=11)
    await station.call(
        "StartTransaction", a_start_transaction(idTag="TAG-E", reservationId=reservation_id)
    )
    ended = node.log.events("cs.ChargeBox.ReservationEnded")
    assert [(e.how, e.transaction_id) for e in ended] == [("expired", None)]


async def test_a_start_another_tag_makes_leaves_the_reservation_standing(
    node: Node, station: Station
) -> None:
    station.answer("ReserveNow", Reply(result={"status": "Accepted"}))
    reserve = {"connector_id": 1, "expiry_date": "2026-11-25T11:00:00Z", "id_tag": "TAG-V"}
    await node.command("CP-1", "reserve-now", reserve)
    reservation_id = station.calls[-1].payload["reservationId"]
    await station.call(
        "StartTransaction", a_start_transaction(idTag="OTHER", reservationId=reservation_id)
    )
    assert "cs.ChargeBox.ReservationEnded" not in node.log.topics()


async def test_a_start_answering_a_remote_start_is_linked_to_its_command(
    node: Node, station: Station
) -> None:
    station.answer("RemoteStartTransaction", Reply(result={"status": "Accepted"}))
    command = await node.command(
        "CP-1", "remote-start-transaction", {"id_tag": "TAG-R", "connector_id": 1}
    )
    answer = await station.call("StartTransaction", a_start_transaction(idTag="tag-r"))
    transaction_id = answer[2]["transactionId"]
    assert "cs.Command.SessionLinked" in node.last_unit()
    assert "cs.ChargeBox.RemoteStartLinked" in node.last_unit()
    linked = await node.use.commands.get(UUID(command.command_id))
    assert linked is not None
    assert linked.transaction_id == transaction_id


async def test_connector_0_is_a_property_constraint_violation_and_draws_no_id(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "StartTransaction",
        a_start_transaction(connectorId=0),
        "PropertyConstraintViolation",
    )
    assert node.transaction_ids.issued == []


async def test_a_start_without_a_valid_timestamp_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "StartTransaction",
        a_start_transaction(timestamp="not-a-date"),
        "TypeConstraintViolation",
    )
    await promises.assert_refused_with(
        node, station, "StartTransaction", a_start_transaction(meterStart=None), "ProtocolError"
    )


async def test_an_uncommitted_start_is_internal_error_and_its_retry_starts_a_new_session(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "StartTransaction", a_start_transaction()
    )
    assert STARTED not in node.log.topics()
    again = await (await node.connect()).call("StartTransaction", a_start_transaction())
    # The lost start claimed nothing: its retry starts the session, with an id never used.
    assert again[2]["transactionId"] == 2
    assert node.last_unit() == A_FIRST_START
    assert session(node, 2).active


async def test_a_retried_start_is_answered_again_without_repeating_it(
    node: Node, station: Station
) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "StartTransaction", a_start_transaction()
    )
    assert "cs.ChargingSession.StartRepeated" not in node.log.topics()
    assert node.transaction_ids.issued == [1]


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "StartTransaction", a_start_transaction()
    )
