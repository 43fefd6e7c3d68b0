"""The outbox relay against a real PostgreSQL and a real RabbitMQ, faults included.

"Nothing lost" is proven by comparing the distinct message ids received with the ids
the events in the database must yield; duplicates are counted and bounded by one batch.
Most tests use exchanges of their own (the relay takes the names as arguments), so
they see only their own messages; the SIGKILL test runs the real entry point, hence
the real `ocpp`/`sessions` exchanges with a fresh exclusive queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import aio_pika
import psycopg
import pytest
from aiohttp.test_utils import TestClient
from eventsourcing.persistence import StoredEvent
from yarl import URL

from cs.adapters.amqp.relay import OutboxRelay
from cs.adapters.amqp.relay.loop import BATCH_SIZE
from cs.adapters.eventstore import EventStore
from cs.domain import metering
from cs.domain.authorization import UnknownTagPolicy
from cs.domain.connection import Connection
from cs.domain.node import Node
from cs.domain.session import ChargingSession, StartData, StopData
from tests.integration.conftest import base
from tests.support import rabbit
from tests.support.builders import (
    a_boot_notification,
    a_meter_value,
    a_meter_values,
    a_sample,
    a_start_transaction,
    a_stop_transaction,
)
from tests.support.client import TestChargePoint
from tests.support.rabbit import ALL_KEYS, Collector, Received, validate_body
from tests.support.server import ROOT, free_port
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

amqp_url = rabbit.amqp_url  # the fixture: a reachable broker, or skip (fail in CI)

PUBLISHED = {
    "cs.Connection.Opened",
    "cs.Connection.FrameReceived",
    "cs.Connection.FrameSent",
    "cs.Connection.Closed",
    "cs.ChargingSession.Stopped",
}
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


# -- fixtures and helpers ----------------------------------------------------------


@pytest.fixture
async def exchanges(amqp_url: str) -> AsyncIterator[dict[str, str]]:
    """Exchange names of this test only; deleted afterwards."""
    suffix = uuid4().hex[:8]
    names = {"ocpp": f"ocpp.test-{suffix}", "sessions": f"sessions.test-{suffix}"}
    yield names
    with contextlib.suppress(Exception):
        connection = await aio_pika.connect(amqp_url, timeout=5)
        async with connection:
            channel = await connection.channel()
            for name in names.values():
                await channel.exchange_delete(name)


def bindings(names: dict[str, str]) -> list[tuple[str, str]]:
    return [(names[exchange], key) for exchange, key in ALL_KEYS]


def make_relay(
    store: EventStore, database_url: str, amqp_url: str, names: dict[str, str], **options: Any
) -> OutboxRelay:
    settings: dict[str, Any] = {
        "ocpp_exchange": names["ocpp"],
        "sessions_exchange": names["sessions"],
        "retry_initial": 0.05,
        "retry_max": 0.5,
        "lock_poll_interval": 0.2,
        **options,
    }
    return OutboxRelay.for_store(store, database_url=database_url, amqp_url=amqp_url, **settings)


@contextlib.asynccontextmanager
async def running(*relays: OutboxRelay) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run relays in tasks; stop them at the end and re-raise whatever `run()` raised."""
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        yield tasks
    finally:
        for relay in relays:
            relay.stop()
        for task in tasks:
            await asyncio.wait_for(task, 30)


def a_connection(charge_box_id: str, node: str = "test-node") -> Connection:
    return Connection.open(
        uuid4(),
        tenant_id="t1",
        charge_box_id=charge_box_id,
        remote_address="127.0.0.1",
        subprotocol="ocpp1.6",
        node=node,
        at=datetime.now(UTC),
    )


def write(store: EventStore, *aggregates: Any) -> None:
    events = [e for aggregate in aggregates for e in aggregate.collect_events()]
    store.recorder.insert_events([store.mapper.to_stored_event(e) for e in events])


def write_traffic(
    store: EventStore, *, boxes: int, exchanges: int, prefix: str = "CP", close: bool = True
) -> list[Connection]:
    """`boxes` connections, interleaved in the log, each with `exchanges` CALL/CALLRESULT pairs."""
    connections = [a_connection(f"{prefix}-{n:03d}") for n in range(boxes)]
    write(store, *connections)
    rounds_per_commit = max(1, 2000 // (2 * boxes))
    for start in range(0, exchanges, rounds_per_commit):
        for n in range(start, min(exchanges, start + rounds_per_commit)):
            now = datetime.now(UTC)
            for connection in connections:
                connection.receive(f'[2,"{n}","Heartbeat",{{}}]', at=now)
                connection.send(
                    f'[3,"{n}",{{"currentTime":"2026-11-25T10:00:00.000Z"}}]',
                    at=now,
                    response_to="Heartbeat",
                )
        write(store, *connections)
    if close:
        for connection in connections:
            connection.close(code=1000, reason="", at=datetime.now(UTC))
        write(store, *connections)
    return connections


def expected_messages(database_url: str, store: EventStore) -> list[tuple[str, str]]:
    """(message id, type) of every message the log must yield, in log order."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM cs_events "
            "ORDER BY notification_id"
        ).fetchall()
    expected = []
    for oid, version, topic, state in rows:
        if topic in PUBLISHED:
            expected.append((f"{oid}:{version}", topic))
        elif topic == "cs.Connection.Exchanged":  # the CALL, then our answer (`:1`)
            expected.append((f"{oid}:{version}", "cs.Connection.FrameReceived"))
            expected.append((f"{oid}:{version}:1", "cs.Connection.FrameSent"))
        elif topic == "cs.Node.Started":
            event: Any = store.mapper.to_domain_event(
                StoredEvent(oid, version, topic, bytes(state))
            )
            for n in range(len(event.orphaned_connections)):
                expected.append((f"{oid}:{version}:{n}", topic))
    return expected


def ids_of(expected: list[tuple[str, str]]) -> set[str]:
    return {message_id for message_id, _ in expected}


def check_contract(messages: list[Received], expected: list[tuple[str, str]]) -> None:
    """Every message: schema-valid body, persistent JSON, id and type of its event."""
    types = dict(expected)
    for message in messages:
        validate_body(message.routing_key, message.json())
        assert message.content_type == "application/json"
        assert message.delivery_mode == 2
        assert message.message_id in types
        assert message.type == types[message.message_id]
        assert message.timestamp is not None
        assert message.app_id == "cs"


def assert_log_order(messages: list[Received], expected: list[tuple[str, str]]) -> None:
    """First arrivals (what a consumer deduplicating by id sees) follow the log, per box."""
    index = {message_id: n for n, (message_id, _) in enumerate(expected)}
    per_box: dict[str, list[int]] = defaultdict(list)
    for message in rabbit.first_occurrences(messages):
        per_box[message.json()["charge_box_serial"]].append(index[message.message_id or ""])
    for box, positions in per_box.items():
        assert positions == sorted(positions), f"{box}: out of log order"


def relay_env(database_url: str, amqp_url: str) -> dict[str, str]:
    return {**os.environ, "CS_DATABASE_URL": database_url, "CS_AMQP_URL": amqp_url}


RELAY_CODE = (
    "import asyncio; from cs.config import Settings; "
    "from cs.adapters.amqp.relay import run_relay; asyncio.run(run_relay(Settings()))"
)


@contextlib.contextmanager
def relay_process(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", RELAY_CODE], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


# -- the contract after a real charging session ------------------------------------


@pytest.mark.settings(unknown_id_tags=UnknownTagPolicy.ACCEPT)
async def test_a_full_session_arrives_complete_schema_valid_and_in_order(
    client: TestClient[Any, Any],
    database_url: str,
    store: EventStore,
    amqp_url: str,
    exchanges: dict[str, str],
) -> None:
    relay = make_relay(store, database_url, amqp_url, exchanges)
    sent: list[tuple[str, list[Any]]] = []  # (frame text sent, answer received)
    async with Collector(amqp_url, bindings(exchanges)) as collector, running(relay):
        # The relay is live before the session starts: this is the NOTIFY-woken path.
        async with await TestChargePoint.connect(base(client), "CP-1") as cp:

            async def call(action: str, payload: dict[str, Any], unique_id: str) -> list[Any]:
                answer = await cp.call(action, payload, unique_id=unique_id)
                sent.append((json.dumps([2, unique_id, action, payload]), answer))
                assert answer[0] == 3, answer
                return answer

            await call("BootNotification", a_boot_notification(), "b1")
            await call("Authorize", {"idTag": "TAG-1"}, "a1")
            tx = (await call("StartTransaction", a_start_transaction(), "s1"))[2]["transactionId"]
            for minute, (energy, power, soc) in enumerate(
                [(2000, "7.2", "20"), (4500, "11", "35")]
            ):
                values = a_meter_values(
                    tx,
                    a_meter_value(
                        f"2026-11-25T10:{10 + minute}:00Z",
                        a_sample(str(energy), "Energy.Active.Import.Register", "Wh"),
                        a_sample(power, "Power.Active.Import", "kW"),
                        a_sample(soc, "SoC", "Percent", location="EV"),
                    ),
                )
                await call("MeterValues", values, f"m{minute}")
            end = [a_meter_value("2026-11-25T11:30:00Z", a_sample("8500", unit="Wh"))]
            await call("StopTransaction", a_stop_transaction(tx, transactionData=end), "t1")

        def closed_recorded(topics: list[str]) -> bool:
            return "cs.Connection.Closed" in topics

        async def topics() -> list[str]:
            with psycopg.connect(database_url) as conn:
                return [r[0] for r in conn.execute("SELECT topic FROM cs_events")]

        await eventually(topics, closed_recorded, what="the close recorded")
        expected = expected_messages(database_url, store)
        await collector.wait_for_ids(ids_of(expected))
        await eventually(
            lambda: asyncio.sleep(0, relay.stats),
            lambda stats: stats.lag_events == 0,
            what="relay caught up",
        )

    messages = collector.messages
    check_contract(messages, expected)
    assert rabbit.duplicates(messages) == 0
    # Everything, in log order (one queue bound to all three keys sees one sequence).
    assert [m.message_id for m in messages] == [message_id for message_id, _ in expected]

    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        by_key[message.routing_key].append(message.json())
    connected, disconnected = by_key["ocpp.connection-events"]
    assert (connected["event_type"], disconnected["event_type"]) == ("connected", "disconnected")
    for event in (connected, disconnected):
        assert (event["tenant_id"], event["charge_box_serial"]) == ("default", "CP-1")
        assert event["ip"] == "127.0.0.1"
    assert connected["status"] is None
    assert isinstance(disconnected["status"], int)

    frames = by_key["ocpp.msgs"]
    assert len(frames) == 2 * len(sent)
    pairs = zip(frames[::2], frames[1::2], strict=True)
    for (request, answer), (incoming, outgoing) in zip(sent, pairs, strict=True):
        action = json.loads(request)[2]
        assert (incoming["direction"], incoming["response_to"]) == ("from-box", None)
        assert incoming["ocpp_message"] == request  # the frame text exactly as sent
        assert (outgoing["direction"], outgoing["response_to"]) == ("to-box", action)
        assert json.loads(outgoing["ocpp_message"]) == answer
        assert all(f["charge_box_serial"] == "CP-1" for f in (incoming, outgoing))

    [session] = by_key["sessions.raw"]
    assert session == {
        "tenant_id": "default",
        "charge_box_serial": "CP-1",
        "connector_id": 1,
        "started_at": "2026-11-25T10:00:00.000000Z",
        "ended_at": "2026-11-25T11:30:00.000000Z",
        "volume": 7.5,
        "user_id": "TAG-1",
        "transaction_id": tx,
        "station_transaction_id": None,
        "ocpp_version": "ocpp1.6",
        "meter_start": 1000,
        "meter_stop": 8500,
        "energy_wh": 7500,
        "duration_seconds": 5400.0,
        "stop_reason": "Local",
        "stop_user_id": "TAG-1",
        "flags": [],
        # The builders' fixed times are behind our clock (trusted for years in tests).
        "clock_skew_seconds": session["clock_skew_seconds"],
        "billing_started_at": "2026-11-25T10:00:00.000000Z",
        "billing_ended_at": "2026-11-25T11:30:00.000000Z",
        "billing_time_source": "charge_point",
        "meter": {
            "last_energy_wh": 8500.0,
            "max_power_w": 11000.0,
            "last_soc": 35.0,
            "last_sample_at": "2026-11-25T11:30:00.000000Z",
            "reports": 3,
        },
        "occurred_at": session["occurred_at"],
    }
    assert session["clock_skew_seconds"] < 0
    assert relay.stats.published == len(expected)
    assert relay.stats.position == relay.stats.head


# -- order, a single publisher, takeover -------------------------------------------


async def test_order_per_charge_box_with_one_publisher_among_two_relays_and_takeover(
    database_url: str,
    store: EventStore,
    amqp_url: str,
    exchanges: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="cs.adapters.amqp.relay")
    write_traffic(store, boxes=25, exchanges=20)
    # A node killed with two connections open, restarted: one "disconnected" for each.
    orphans = [a_connection("CP-ORPHAN-1"), a_connection("CP-ORPHAN-2")]
    node = Node.create_for("test-node", AT)
    node.start([c.id for c in orphans], AT)
    write(store, *orphans, node)
    expected = expected_messages(database_url, store)
    assert sum(1 for _, topic in expected if topic == "cs.Node.Started") == 2

    # The collector declares the exchanges first: the relay must accept existing ones.
    first = make_relay(store, database_url, amqp_url, exchanges, batch_size=50, log_interval=0.2)
    second = make_relay(store, database_url, amqp_url, exchanges, batch_size=50, log_interval=0.2)
    async with Collector(amqp_url, bindings(exchanges)) as collector, running(first, second):
        await collector.wait_for_ids(ids_of(expected))
        leader, standby = (first, second) if first.stats.leader else (second, first)
        assert leader.stats.leader
        assert not standby.stats.leader
        assert standby.stats.published == 0
        assert leader.stats.batches > 10  # many batches, in order across all of them

        await eventually(
            lambda: asyncio.sleep(0, caplog.text),
            lambda text: "lag 0 events" in text,
            what="a lag report in the log",
        )
        # The leader goes away; the standby takes over from the stored position.
        leader.stop()
        write_traffic(store, boxes=3, exchanges=5, prefix="LATE")
        expected = expected_messages(database_url, store)
        await collector.wait_for_ids(ids_of(expected))
        total = len(expected)
        await eventually(
            lambda: asyncio.sleep(0, standby.stats),
            lambda stats: stats.leader and stats.published + leader.stats.published == total,
            what="the standby publishing the rest",
        )

    messages = collector.messages
    check_contract(messages, expected)
    assert rabbit.duplicates(messages) == 0  # one publisher at a time, clean handover
    assert_log_order(messages, expected)
    assert [m.message_id for m in messages] == [message_id for message_id, _ in expected]
    orphaned = [m.json() for m in messages if m.type == "cs.Node.Started"]
    assert {o["charge_box_serial"] for o in orphaned} == {"CP-ORPHAN-1", "CP-ORPHAN-2"}
    assert all(o["event_type"] == "disconnected" and o["status"] is None for o in orphaned)


async def test_a_finished_session_is_published_as_of_its_stop_even_from_a_snapshot(
    database_url: str, store: EventStore, amqp_url: str, exchanges: dict[str, str]
) -> None:
    start = StartData("t1", "CP-S", 1, "TAG-S", 1000, AT, None)
    session = ChargingSession.start(
        7, start, id_tag_status="Accepted", connection_id=None, message_id="1", at=AT
    )
    for n in range(4):
        sampled = AT + timedelta(minutes=n)
        energy = 2000 + 1000 * n
        session.report_meter_values(
            1,
            [],
            [metering.Sample(sampled, str(energy), metering.ENERGY_REGISTER, "Wh", None, energy)],
            source="MeterValues",
            connection_id=None,
            message_id=str(n),
            at=sampled,
        )
    write(store, session)
    store.take_snapshot(session.id, version=4)  # the relay starts from it
    stop = StopData(9000, AT + timedelta(hours=2), "Remote", None, [])
    session.stop(stop, stop_id_tag_status=None, connection_id=None, message_id="s", at=AT)
    late = metering.Sample(AT, "9999", metering.ENERGY_REGISTER, "Wh", None, 9999.0)
    session.report_meter_values(
        1, [], [late], source="MeterValues", connection_id=None, message_id="late", at=AT
    )
    session.stop(stop, stop_id_tag_status=None, connection_id=None, message_id="s2", at=AT)
    write(store, session)  # Stopped (v6), a late report (v7), a repeated stop (v8)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM cs_snapshots").fetchone() == (1,)
        # Proof that the snapshot is read: what it covers is gone from the stream.
        conn.execute(
            "DELETE FROM cs_events WHERE originator_id = %s AND originator_version <= 4",
            (session.id,),
        )

    relay = make_relay(store, database_url, amqp_url, exchanges)
    async with Collector(amqp_url, bindings(exchanges)) as collector, running(relay):
        [message] = await collector.wait_until(lambda m: len(m) >= 1, what="the session")
        await eventually(lambda: asyncio.sleep(0, relay.stats), lambda stats: stats.lag_events == 0)
    assert message.message_id == f"{session.id}:6"
    assert collector.messages == [message]  # the repeated stop is not published again
    body = message.json()
    validate_body("sessions.raw", body)
    assert (body["transaction_id"], body["meter_start"], body["meter_stop"]) == (7, 1000, 9000)
    assert (body["volume"], body["stop_reason"], body["user_id"]) == (8.0, "Remote", "TAG-S")
    assert body["meter"]["last_energy_wh"] == 5000  # as of the stop, not the late report
    assert body["meter"]["reports"] == 4


# -- faults --------------------------------------------------------------------------


async def test_broker_down_at_start_then_reachable_delivers_everything(
    database_url: str,
    store: EventStore,
    amqp_url: str,
    exchanges: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="cs.adapters.amqp.relay")
    write_traffic(store, boxes=10, exchanges=20)
    expected = expected_messages(database_url, store)
    port = free_port()  # nothing listens here yet: connections are refused
    broker = URL(amqp_url)
    refused_url = str(broker.with_port(port))
    relay = make_relay(store, database_url, refused_url, exchanges)
    async with Collector(amqp_url, bindings(exchanges)) as collector, running(relay):
        await eventually(
            lambda: asyncio.sleep(0, relay.stats.retries),
            lambda retries: retries >= 3,
            what="several refused connection attempts",
        )
        assert "cannot reach RabbitMQ" in caplog.text
        assert collector.messages == []
        async with TcpProxy(broker.port or 5672, port=port):  # now the broker is reachable
            await collector.wait_for_ids(ids_of(expected))
    check_contract(collector.messages, expected)
    assert rabbit.duplicates(collector.messages) == 0  # nothing had been published before
    assert_log_order(collector.messages, expected)
    assert relay.stats.broker_connects == 1


async def test_a_connection_cut_mid_batch_loses_nothing_and_repeats_at_most_one_batch(
    database_url: str, store: EventStore, amqp_url: str, exchanges: dict[str, str]
) -> None:
    write_traffic(store, boxes=10, exchanges=150)
    expected = expected_messages(database_url, store)
    broker = URL(amqp_url)
    async with (
        TcpProxy(broker.port or 5672) as proxy,
        Collector(amqp_url, bindings(exchanges)) as collector,
    ):
        relay = make_relay(
            store, database_url, str(broker.with_port(proxy.port)), exchanges, batch_size=200
        )
        proxy.cut_after_upstream(250_000)  # about 700 messages in: inside the 4th batch
        async with running(relay):
            await asyncio.wait_for(proxy.cut_done.wait(), 15)
            received_at_cut = len(collector.messages)
            await collector.wait_for_ids(ids_of(expected))
    assert 0 < received_at_cut < len(expected)
    assert relay.stats.retries >= 1
    assert relay.stats.broker_connects == 2
    check_contract(collector.messages, expected)
    assert rabbit.duplicates(collector.messages) <= 200
    assert_log_order(collector.messages, expected)


async def test_a_broker_restart_under_load_loses_nothing(
    database_url: str, store: EventStore, amqp_url: str, exchanges: dict[str, str]
) -> None:
    write_traffic(store, boxes=10, exchanges=100)
    relay = make_relay(store, database_url, amqp_url, exchanges)
    writing = True
    written = 0

    async def keep_writing() -> None:
        # New traffic all along, so the relay is publishing when the broker stops.
        nonlocal written
        n = 0
        while writing:
            n += 1
            await asyncio.to_thread(write_traffic, store, boxes=5, exchanges=20, prefix=f"W{n}")
            written += 1
            await asyncio.sleep(0.05)

    # A durable queue (it survives the restart) and a consumer that reconnects.
    async with Collector(amqp_url, bindings(exchanges), durable=True) as collector, running(relay):
        writer = asyncio.create_task(keep_writing())
        try:
            await collector.wait_until(lambda m: len(m) > 1000, what="traffic flowing")
            async with rabbit.broker_app_stopped(amqp_url):
                retries = relay.stats.retries
                await eventually(
                    lambda: asyncio.sleep(0, relay.stats.retries),
                    lambda now: now > retries,
                    what="the relay noticing the broker is gone",
                )
        finally:
            writing = False
            await writer
        expected = expected_messages(database_url, store)
        await collector.wait_for_ids(ids_of(expected), timeout=45)
    assert written > 3
    assert relay.stats.broker_connects >= 2
    check_contract(collector.of(ids_of(expected)), expected)
    assert_log_order(collector.messages, expected)


async def test_a_relay_killed_mid_batch_is_resumed_by_the_next_one(
    database_url: str, store: EventStore, amqp_url: str, tmp_path: Path
) -> None:
    write_traffic(store, boxes=20, exchanges=300)
    expected = expected_messages(database_url, store)
    wanted = ids_of(expected)
    env = relay_env(database_url, amqp_url)
    log_path = tmp_path / "relay.log"
    # The entry point publishes to the real exchanges; only our ids are counted.
    async with Collector(amqp_url, ALL_KEYS) as collector:
        with relay_process(env, log_path) as first:
            await collector.wait_until(
                lambda _: len(collector.of(wanted)) > 2000, timeout=30, what="relay running"
            )
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            at_kill = len(collector.of(wanted))
        assert at_kill < len(wanted), "the relay finished before it was killed"
        with relay_process(env, log_path) as second:
            await collector.wait_for_ids(wanted, timeout=40)
            second.send_signal(signal.SIGTERM)  # a clean stop, through the signal handler
            assert await asyncio.to_thread(second.wait, 15) == 0, log_path.read_text()
    ours = collector.of(wanted)
    # At most the batch in flight is published again: BATCH_SIZE events, each Exchanged
    # event two messages (its CALL and our answer).
    in_flight = 2 * BATCH_SIZE
    assert rabbit.duplicates(ours) <= in_flight, "more than the batch in flight was repeated"
    check_contract(ours, expected)
    assert_log_order(ours, expected)
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT position FROM cs_relay_positions WHERE name = 'amqp'").fetchone()
        head = conn.execute("SELECT max(notification_id) FROM cs_events").fetchone()
    assert row is not None
    assert head is not None
    assert row[0] == head[0]  # the position is at the head: everything was confirmed
