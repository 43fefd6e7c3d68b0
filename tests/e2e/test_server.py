"""End to end: a real server process, real websockets, a real PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
from ocpp.v16 import call
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus, RegistrationStatus

from cs.cli import LISTEN_BACKLOG
from tests.support.builders import a_boot_notification, a_status_notification
from tests.support.client import TestChargePoint
from tests.support.library_cp import LibraryChargePoint
from tests.support.server import ServerProcess
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

Start = Callable[..., ServerProcess]


async def get_json(server: ServerProcess, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(server.base_url + path) as response:
        return response.status, await response.json()


def topics(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [
            row[0] for row in conn.execute("SELECT topic FROM cs_events ORDER BY notification_id")
        ]


async def test_a_charge_point_built_on_the_ocpp_library_boots_reports_and_heartbeats(
    start_server: Start,
) -> None:
    server = start_server()
    async with LibraryChargePoint(server.base_url, "LIB-1") as cp:
        boot = await cp.call(
            call.BootNotification(charge_point_model="M1", charge_point_vendor="V1")
        )
        assert boot.status == RegistrationStatus.accepted
        assert boot.interval == 300
        await cp.call(
            call.StatusNotification(
                connector_id=1,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus.charging,
            )
        )
        beat = await cp.call(call.Heartbeat())
        assert beat.current_time.endswith("Z")

        def shows_charging(result: tuple[int, Any]) -> bool:
            status, body = result
            return status == 200 and body["connectors"].get("1", {}).get("status") == "Charging"

        _, evse = await eventually(
            lambda: get_json(server, "/evses/LIB-1"), shows_charging, what="REST"
        )
        assert evse["connection"] == "connected"
        assert evse["boot"]["charge_point_vendor"] == "V1"


async def test_a_second_connection_replaces_the_first_and_nothing_is_lost(
    start_server: Start, database_url: str
) -> None:
    server = start_server()
    first = await TestChargePoint.connect(server.base_url, "CP-2")
    try:
        await first.call("BootNotification", a_boot_notification())
        async with await TestChargePoint.connect(server.base_url, "CP-2") as second:
            closing = await first.ws.receive(timeout=10)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert first.ws.close_code == 1000
            assert (await second.call("StatusNotification", a_status_notification()))[0] == 3

            def one_open(result: tuple[int, Any]) -> bool:
                return result[0] == 200 and list(result[1]) == ["CP-2"]

            await eventually(
                lambda: get_json(server, "/connections"), one_open, what="one connection"
            )
    finally:
        await first.close()
    stored = topics(database_url)
    assert stored.count("cs.Connection.Opened") == 2
    assert stored.count("cs.ChargeBox.Booted") == 1
    assert stored.count("cs.ChargeBox.StatusNotified") == 1
    await eventually(
        lambda: asyncio.sleep(0, topics(database_url)),
        lambda t: t.count("cs.Connection.Closed") == 2,
    )


async def test_state_survives_a_restart_because_it_comes_from_the_store(
    start_server: Start,
) -> None:
    server = start_server()
    async with await TestChargePoint.connect(server.base_url, "CP-3") as cp:
        await cp.call("BootNotification", a_boot_notification(firmwareVersion="7.7"))
        await cp.call(
            "StatusNotification",
            a_status_notification(connectorId=2, status="Faulted", errorCode="HighTemperature"),
        )
    assert server.stop(signal.SIGTERM) == 0
    assert "Traceback" not in server.log()
    restarted = start_server()
    status, box = await get_json(restarted, "/charge-boxes/CP-3")
    assert status == 200
    assert box["boot"]["firmware_version"] == "7.7"
    assert box["connected"] is False
    assert box["connectors"][0]["error_code"] == "HighTemperature"
    async with await TestChargePoint.connect(restarted.base_url, "CP-3") as cp:
        assert (await cp.call("Heartbeat", {}))[0] == 3


async def test_sigterm_closes_connections_and_records_each_close(
    start_server: Start, database_url: str
) -> None:
    server = start_server()
    clients = [await TestChargePoint.connect(server.base_url, f"CP-T{n}") for n in range(5)]
    try:
        for client in clients:
            await client.call("Heartbeat", {})
        await asyncio.get_running_loop().run_in_executor(None, server.stop, signal.SIGTERM)
        for client in clients:
            message = await client.ws.receive(timeout=10)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    finally:
        for client in clients:
            await client.close()
    assert server.process is not None
    assert server.process.returncode == 0
    assert topics(database_url).count("cs.Connection.Closed") == 5


async def test_connections_left_open_by_a_killed_server_are_closed_at_restart(
    start_server: Start,
) -> None:
    server = start_server(CS_NODE="node-k")
    client = await TestChargePoint.connect(server.base_url, "CP-K")
    await client.call("Heartbeat", {})
    await eventually(
        lambda: get_json(server, "/connections"), lambda r: "CP-K" in r[1], what="open"
    )
    server.stop(signal.SIGKILL)
    await client.close()
    restarted = start_server(CS_NODE="node-k")
    status, body = await get_json(restarted, "/connections")
    assert (status, body) == (200, {})


def test_a_second_instance_on_a_taken_port_exits_before_recording_anything(
    start_server: Start, database_url: str, tmp_path: Path
) -> None:
    """It must fail before it records its start: that would close, in the read models,
    the connections of the running node whose name it shares."""
    running = start_server()
    before = topics(database_url)
    second = ServerProcess(database_url, tmp_path / "second.log", CS_NODE=running.env["CS_NODE"])
    second.port = running.port
    second.env["CS_PORT"] = str(running.port)
    with pytest.raises(RuntimeError, match="exited with 1"):
        second.start(timeout=30)
    assert f"cannot listen on 127.0.0.1:{running.port}" in second.log()
    assert topics(database_url) == before  # nothing recorded by the second instance
    assert running.health().get("status") == "ok"


def _listen_backlog(port: int) -> int:
    """The accept queue size of the socket listening on `port` (`ss`: Send-Q)."""
    out = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[2])


def test_the_accept_queue_holds_a_reconnect_storm(start_server: Start) -> None:
    """After a restart every charge point reconnects at once. aiohttp listened again with
    its default backlog of 128, so a storm of thousands overflowed the queue: SYNs were
    dropped and retried after 1, 3, 7... s (some after minutes). The queue is as large
    as the kernel allows (net.core.somaxconn)."""
    server = start_server()
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    assert _listen_backlog(server.port) == min(somaxconn, LISTEN_BACKLOG) > 128
