"""Authorize (OCPP 1.6 section 4.1): the registry and the policy decide; every decision is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cs.domain.authorization import UnknownTagPolicy
from tests.support import promises
from tests.support.builders import a_start_transaction, a_stop_transaction, an_authorize
from tests.support.station import EXCHANGED, Node, Station, a_node

DECIDED, NOTED = "cs.IdTag.Decided", "cs.IdTag.Noted"


async def test_a_registered_tag_is_accepted_and_the_decision_recorded(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    answer = await station.call("Authorize", an_authorize("TAG-1"), unique_id="a1")
    assert answer == [3, "a1", {"idTagInfo": {"status": "Accepted"}}]
    assert node.last_unit() == [EXCHANGED, DECIDED]
    decided = node.last_unit_events()[1]
    assert (decided.purpose, decided.status, decided.charge_box_id, decided.message_id) == (
        "Authorize",
        "Accepted",
        "CP-1",
        "a1",
    )


async def test_tags_are_compared_without_regard_to_case(node: Node, station: Station) -> None:
    await node.register_tag("Card-1")
    answer = await station.call("Authorize", an_authorize("CARD-1"))
    assert answer[2] == {"idTagInfo": {"status": "Accepted"}}


async def test_an_unknown_tag_is_invalid_by_default_and_noted_as_seen(
    node: Node, station: Station
) -> None:
    answer = await station.call("Authorize", an_authorize("STRANGER"))
    assert answer[2] == {"idTagInfo": {"status": "Invalid"}}
    assert node.last_unit() == [EXCHANGED, NOTED, DECIDED]


async def test_the_accept_policy_accepts_unknown_tags_but_not_blocked_ones() -> None:
    async with a_node(unknown_id_tags=UnknownTagPolicy.ACCEPT) as node:
        await node.register_tag("BAD", "Blocked")
        station = await node.connect()
        assert (await station.call("Authorize", an_authorize("ANYONE")))[2] == {
            "idTagInfo": {"status": "Accepted"}
        }
        assert (await station.call("Authorize", an_authorize("BAD")))[2] == {
            "idTagInfo": {"status": "Blocked"}
        }


async def test_an_expired_registration_is_answered_expired_with_its_date_and_parent(
    node: Node, station: Station
) -> None:
    await node.register_tag(
        "OLD", expiry_date=datetime(2026, 1, 1, tzinfo=UTC), parent_id_tag="FLEET"
    )
    answer = await station.call("Authorize", an_authorize("OLD"))
    assert answer[2] == {
        "idTagInfo": {
            "status": "Expired",
            "expiryDate": "2026-01-01T00:00:00.000Z",
            "parentIdTag": "FLEET",
        }
    }


async def test_a_registration_expires_by_our_clock(node: Node, station: Station) -> None:
    await node.register_tag("SOON", expiry_date=datetime(2026, 11, 25, 10, 30, tzinfo=UTC))
    assert (await station.call("Authorize", an_authorize("SOON")))[2]["idTagInfo"][
        "status"
    ] == "Accepted"
    node.clock.advance(minutes=30)
    assert (await station.call("Authorize", an_authorize("SOON")))[2]["idTagInfo"][
        "status"
    ] == "Expired"


@pytest.mark.parametrize("status", ["Blocked", "Invalid"])
async def test_a_tag_registered_blocked_or_invalid_is_answered_so(
    node: Node, station: Station, status: str
) -> None:
    await node.register_tag("T", status)
    assert (await station.call("Authorize", an_authorize("T")))[2] == {
        "idTagInfo": {"status": status}
    }


async def test_a_tag_in_an_active_session_is_concurrent_until_it_stops(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    started = await station.call("StartTransaction", a_start_transaction(idTag="TAG-1"))
    assert (await station.call("Authorize", an_authorize("tag-1")))[2]["idTagInfo"][
        "status"
    ] == "ConcurrentTx"
    await station.call("StopTransaction", a_stop_transaction(started[2]["transactionId"]))
    assert (await station.call("Authorize", an_authorize("TAG-1")))[2]["idTagInfo"][
        "status"
    ] == "Accepted"


async def test_a_tag_longer_than_20_characters_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node, station, "Authorize", an_authorize("A" * 21), "TypeConstraintViolation"
    )


async def test_an_authorize_without_a_tag_is_a_protocol_error(node: Node, station: Station) -> None:
    await promises.assert_refused_with(node, station, "Authorize", {}, "ProtocolError")


async def test_an_uncommitted_decision_is_answered_internal_error_and_not_kept(
    node: Node, station: Station
) -> None:
    await node.register_tag("TAG-1")
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "Authorize", an_authorize("TAG-1")
    )
    assert DECIDED not in node.log.topics()
    again = await node.connect("CP-1")  # the tag's lost state is not served from memory
    assert (await again.call("Authorize", an_authorize("TAG-1")))[2]["idTagInfo"][
        "status"
    ] == "Accepted"
    assert node.log.topics().count(DECIDED) == 1


async def test_a_retried_authorize_is_decided_once(node: Node, station: Station) -> None:
    await node.register_tag("TAG-1")
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "Authorize", an_authorize("TAG-1")
    )
    assert node.log.topics().count(DECIDED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error("Authorize", an_authorize())
