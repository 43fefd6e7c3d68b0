"""End to end: two `cs serve` nodes on one database and one broker; a REST command sent to
either node reaches the charge box on the other (DESIGN.md section 6, docs/adr/0013)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from tests.support import rabbit
from tests.support.builders import a_boot_notification
from tests.support.responder import Answer, Responder
from tests.support.server import ServerProcess
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

amqp_url = rabbit.amqp_url  # the fixture: a reachable broker, or skip (fail in CI)
Start = Callable[..., ServerProcess]


async def rest(
    server: ServerProcess, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.base_url + path, json=body, headers=headers) as response,
    ):
        return response.status, await response.json(), response.headers


async def routed(server: ServerProcess) -> bool:
    status, health, _ = await rest(server, "GET", "/health")
    return status == 200 and bool(health["command_routing"]["connected"])


async def connected_on(server: ServerProcess, box: str, node: str) -> None:
    """Wait until `server`'s read model shows `box` connected on `node`."""
    await eventually(
        lambda: rest(server, "GET", "/connections"),
        lambda r: r[1].get(box, {}).get("node") == node,
        what=f"{box} connected on {node}",
    )


@pytest.fixture
async def nodes(start_server: Start, amqp_url: str) -> list[ServerProcess]:
    env = {"CS_AMQP_URL": amqp_url, "CS_RELAY": "off", "CS_CALL_TIMEOUT": "5"}
    pair = [start_server(**env), start_server(**env)]
    for server in pair:
        await eventually(lambda s=server: routed(s), bool, what="command routing connected")
    return pair


async def test_a_command_sent_to_another_node_reaches_the_box_and_returns_its_answer(
    nodes: list[ServerProcess],
) -> None:
    holder, other = nodes
    async with await Responder.connect(holder.base_url, "ROUTE-1") as box:
        box.answer("Reset", Answer(result={"status": "Accepted"}))
        box.answer("UnlockConnector", Answer(error=("InternalError", "motor stuck")))
        assert (await box.call("BootNotification", a_boot_notification()))[0] == 3
        await connected_on(other, "ROUTE-1", holder.env["CS_NODE"])

        status, body, _ = await rest(
            other,
            "POST",
            "/charge-boxes/ROUTE-1/remote/reset",
            {"type": "soft"},
            **{"x-user-id": "ops-anna"},
        )
        assert status == 200, body
        assert (body["status"], body["answer"], body["requested_by"]) == (
            "answered",
            {"status": "Accepted"},
            "ops-anna",
        )
        assert box.received == [("Reset", {"type": "Soft"})]

        # The charger's CALLERROR comes back through the other node as it would locally.
        status, body, _ = await rest(
            other, "POST", "/charge-boxes/ROUTE-1/remote/unlock-connector", {"connector_id": 1}
        )
        assert (status, body["status"], body["error"]["code"]) == (502, "failed", "InternalError")

        # Without waiting: 202 and where to look; the command is answered on the holder.
        status, body, headers = await rest(
            other, "POST", "/charge-boxes/ROUTE-1/remote/reset?wait=false", {"type": "hard"}
        )
        assert status == 202, body
        assert headers["Location"] == f"/commands/{body['command_id']}"
        answered = await eventually(
            lambda: rest(other, "GET", headers["Location"]),
            lambda r: r[0] == 200 and r[1]["status"] == "answered",
            what="the queued command answered",
        )
        assert answered[1]["answer"] == {"status": "Accepted"}


async def test_no_node_holding_the_box_or_a_holder_that_died_is_409_at_once(
    nodes: list[ServerProcess],
) -> None:
    holder, other = nodes
    box = await Responder.connect(holder.base_url, "ROUTE-2")
    assert (await box.call("BootNotification", a_boot_notification()))[0] == 3
    await connected_on(other, "ROUTE-2", holder.env["CS_NODE"])

    assert holder.stop(signal.SIGKILL) != 0  # its connection stays "open" in the read model
    await box.close()
    started = asyncio.get_running_loop().time()
    status, body, _ = await rest(
        other, "POST", "/charge-boxes/ROUTE-2/remote/reset", {"type": "soft"}
    )
    assert (status, body["code"]) == (409, "not_connected"), body
    assert body["node"] == holder.env["CS_NODE"]
    assert "not running" in body["error"]
    assert asyncio.get_running_loop().time() - started < 2  # returned, not timed out

    status, body, _ = await rest(
        other, "POST", "/charge-boxes/NOWHERE/remote/reset", {"type": "soft"}
    )
    assert status == 404, body


async def test_a_box_that_moves_between_nodes_and_back_is_served_from_fresh_state(
    nodes: list[ServerProcess],
) -> None:
    """Node A caches the box; it moves to B (which records events), then back to A: A
    must not write on top of its stale copy (a version conflict would refuse the boot)."""
    first, second = nodes
    for server in (first, second, first, second):
        async with await Responder.connect(server.base_url, "MOVER") as box:
            answer = await box.call("BootNotification", a_boot_notification())
            assert answer[0] == 3, (server.base_url, answer)
            status = {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
            assert (await box.call("StatusNotification", status))[0] == 3
    assert "Traceback" not in first.log() + second.log()


async def test_while_the_broker_is_away_a_routed_command_is_503_and_routing_comes_back(
    nodes: list[ServerProcess], amqp_url: str
) -> None:
    holder, other = nodes
    async with await Responder.connect(holder.base_url, "ROUTE-3") as box:
        assert (await box.call("BootNotification", a_boot_notification()))[0] == 3
        await connected_on(other, "ROUTE-3", holder.env["CS_NODE"])
        async with rabbit.broker_app_stopped(amqp_url):
            started = asyncio.get_running_loop().time()
            status, body, _ = await rest(
                other, "POST", "/charge-boxes/ROUTE-3/remote/reset", {"type": "soft"}
            )
            assert (status, body["code"]) == (503, "unavailable"), body
            assert asyncio.get_running_loop().time() - started < 5
            # A box connected here is not affected by the broker.
            status, body, _ = await rest(
                holder, "POST", "/charge-boxes/ROUTE-3/remote/reset", {"type": "soft"}
            )
            assert (status, body["status"]) == (200, "answered"), body
        await eventually(lambda: routed(other), bool, timeout=30, what="routing reconnected")
        await eventually(lambda: routed(holder), bool, timeout=30, what="routing reconnected")
        status, body, _ = await rest(
            other, "POST", "/charge-boxes/ROUTE-3/remote/reset", {"type": "soft"}
        )
        assert (status, body.get("status")) == (200, "answered"), body
    for server in nodes:
        text = server.log()
        assert "command routing: lost RabbitMQ" in text
        assert "Traceback" not in text, text[-3000:]


async def test_a_box_changed_over_rest_on_another_node_is_reloaded_by_its_holder(
    nodes: list[ServerProcess],
) -> None:
    """The holder caches the box and writes it with every status; a change made on the
    other node must not leave the holder writing on top of a stale copy."""
    holder, other = nodes
    status = {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
    async with await Responder.connect(holder.base_url, "CHANGED") as box:
        assert (await box.call("BootNotification", a_boot_notification()))[0] == 3
        await connected_on(other, "CHANGED", holder.env["CS_NODE"])
        for notices, change in enumerate(
            (
                ("/charge-boxes/CHANGED/registration", {"status": "Accepted"}),
                ("/charge-boxes/CHANGED/security", {"security_profile": 0}),
            )
        ):
            answer = await rest(other, "PUT", *change)
            assert answer[0] in (200, 201), answer
            # The notice travels through the broker: wait until the holder has it.
            await eventually(
                lambda: asyncio.sleep(
                    0, holder.log().count("reloading charge box default/CHANGED")
                ),
                lambda seen: seen > notices,  # noqa: B023 - read at once, in this iteration
                what="the holder reloads the box",
            )
            for _ in range(3):
                answer = await box.call("StatusNotification", status)
                assert answer[0] == 3, (change, answer)
    assert "conflicting write" not in holder.log()
