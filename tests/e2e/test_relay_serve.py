"""End to end: `cs serve` with CS_AMQP_URL runs the outbox relay; sessions reach RabbitMQ."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support import rabbit
from tests.support.builders import a_start_transaction, a_stop_transaction
from tests.support.client import TestChargePoint
from tests.support.rabbit import Collector, Received, validate_body
from tests.support.server import ServerProcess
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

amqp_url = rabbit.amqp_url  # the fixture: a reachable broker, or skip (fail in CI)
Start = Callable[..., ServerProcess]


async def test_a_finished_session_is_published_by_the_servers_relay(
    start_server: Start, amqp_url: str
) -> None:
    bindings = [("sessions", "sessions.raw"), ("ocpp", "ocpp.msgs")]
    async with Collector(amqp_url, bindings) as collector:
        server = start_server(CS_UNKNOWN_ID_TAGS="accept", CS_AMQP_URL=amqp_url)
        async with await TestChargePoint.connect(server.base_url, "RELAY-1") as cp:
            started = await cp.call("StartTransaction", a_start_transaction(meterStart=100))
            tx = started[2]["transactionId"]
            await cp.call("StopTransaction", a_stop_transaction(tx, meterStop=2600))

        def the_session(messages: list[Received]) -> bool:
            return any(
                m.routing_key == "sessions.raw" and m.json()["transaction_id"] == tx
                for m in messages
            )

        messages = await collector.wait_until(the_session, what="the finished session")
        session = next(m for m in messages if m.routing_key == "sessions.raw")
        validate_body("sessions.raw", session.json())
        assert (session.json()["charge_box_serial"], session.json()["energy_wh"]) == (
            "RELAY-1",
            2500,
        )
        frames = [m.json() for m in messages if m.routing_key == "ocpp.msgs"]
        assert any(f["charge_box_serial"] == "RELAY-1" for f in frames)

    health = await eventually(
        lambda: _health(server),
        lambda h: h["relay"]["lag_events"] == 0,
        what="relay caught up in /health",
    )
    assert health["relay"]["configured"] is True


async def _health(server: ServerProcess) -> Any:
    return server.health()


async def test_without_amqp_the_server_says_nothing_is_published(start_server: Start) -> None:
    server = start_server()
    assert server.health()["relay"] == {
        "configured": False,
        "position": None,
        "lag_events": None,
    }
    assert "CS_AMQP_URL is not set" in server.log()
