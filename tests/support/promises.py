"""Promises every OCPP 1.6 action shares, checked the same way for each (tests/unit/ocpp16).

A station connection promises (cs.adapters.ocppj.connection, cs.app.recorder): an answer
leaves only after its unit is committed, and a unit that cannot be committed is answered
InternalError and ends the session; a CALL retried with the same unique id and payload
is answered again without a second effect. OCPP 1.6 section 4.2: a charge point whose
boot was answered Rejected may send nothing but BootNotification.
"""

from __future__ import annotations

from typing import Any

from cs.domain.registration import RegistrationStatus
from tests.support.builders import a_boot_notification
from tests.support.station import EXCHANGED, Node, Station, a_node


async def assert_an_uncommitted_answer_is_internal_error(
    node: Node, station: Station, action: str, payload: dict[str, Any]
) -> None:
    """The unit fails: the CALL gets InternalError, nothing of it is stored, the session ends."""
    stored = node.log.topics()
    node.writer.fail_next()
    answer = await station.call(action, payload, unique_id="lost")
    assert answer[:3] == [4, "lost", "InternalError"]
    assert station.answers_to("lost") == [answer]  # never acknowledged with a CALLRESULT
    assert node.log.topics() == stored
    close = await station.ended()
    assert close is not None
    assert close[0] == 1011


async def assert_a_retry_is_answered_again_without_a_second_effect(
    node: Node, station: Station, action: str, payload: dict[str, Any]
) -> None:
    """Same unique id, same payload: the same answer, and only the two frames recorded."""
    first = await station.call(action, payload, unique_id="retried")
    stored = node.log.topics()
    node.clock.advance(seconds=30)  # even a time in the answer stays the first one
    again = await station.call(action, payload, unique_id="retried")
    assert again == first
    assert node.log.topics() == [*stored, EXCHANGED]


async def assert_a_rejected_box_gets_security_error(action: str, payload: dict[str, Any]) -> None:
    """After a boot answered Rejected, `action` is refused and records only its frames."""
    async with a_node() as node:
        await node.register("REJ-1", RegistrationStatus.REJECTED)
        station = await node.connect("REJ-1")
        booted = await station.call("BootNotification", a_boot_notification())
        assert booted[2]["status"] == "Rejected"
        refused = await station.call(action, payload, unique_id="refused")
        assert refused[:3] == [4, "refused", "SecurityError"]
        assert node.last_unit() == [EXCHANGED]


async def assert_refused_with(
    node: Node, station: Station, action: str, payload: Any, code: str
) -> list[Any]:
    """The CALL is answered the CALLERROR `code` (1.6 spelling); only the frames are stored."""
    answer = await station.call(action, payload)
    assert answer[:3] == [4, answer[1], code], answer
    assert isinstance(answer[3], str)
    assert isinstance(answer[4], dict)
    assert node.last_unit() == [EXCHANGED]
    return answer
