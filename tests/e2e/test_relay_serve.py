"""End to end: `cs serve` with CS_AMQP_URL runs the outbox relay; sessions reach RabbitMQ."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support import rabbit
from tests.support.builders import (
    a_meter_value,
    a_sample,
    a_start_transaction,
    a_stop_transaction,
)
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


async def test_an_offline_stop_reaches_billing_once_reconstructed(
    start_server: Start, amqp_url: str
) -> None:
    readings = [
        a_meter_value("2026-11-25T10:00:00Z", a_sample("4000", context="Transaction.Begin")),
        a_meter_value("2026-11-25T11:00:00Z", a_sample("14000", context="Transaction.End")),
    ]
    stop = a_stop_transaction(-1, meterStop=14000, transactionData=readings)
    async with Collector(amqp_url, [("sessions", "sessions.raw")]) as collector:
        server = start_server(CS_UNKNOWN_ID_TAGS="accept", CS_AMQP_URL=amqp_url)
        async with await TestChargePoint.connect(server.base_url, "OFFLINE-1") as cp:
            assert (await cp.call("StopTransaction", stop))[0] == 3
            assert (await cp.call("StopTransaction", stop))[0] == 3  # retried: its answer lost

        def the_session(messages: list[Received]) -> bool:
            return any(m.json()["charge_box_serial"] == "OFFLINE-1" for m in messages)

        messages = await collector.wait_until(the_session, what="the reconstructed session")
        await eventually(
            lambda: _health(server), lambda h: h["relay"]["lag_events"] == 0, what="relay idle"
        )
        published = [m.json() for m in collector.messages]
    (body,) = [b for b in published if b["charge_box_serial"] == "OFFLINE-1"]  # billed once
    validate_body("sessions.raw", body)
    assert (body["energy_wh"], body["volume"], body["flags"]) == (10000, 10.0, ["reconstructed"])
    assert body["transaction_id"] > 0  # one of ours, never the station's -1
    assert body["started_at"] == "2026-11-25T10:00:00.000000Z"  # its first reading
    assert messages


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
