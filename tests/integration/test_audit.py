"""Audit and replay on a real PostgreSQL: histories, exports, verify, rebuild, old events."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp.test_utils import TestClient
from psycopg_pool import ConnectionPool

from cs.adapters.eventstore import EventStore, eventstore_env
from cs.audit import chain
from cs.domain.authorization import UnknownTagPolicy
from cs.projections.catalog import all_projections
from cs.projections.rebuild import Rebuilder
from cs.projections.runner import ProjectionRunner
from tests.integration.conftest import base, get_json
from tests.support.builders import (
    a_boot_notification,
    a_meter_value,
    a_meter_values,
    a_sample,
    a_start_transaction,
    a_status_notification,
    a_stop_transaction,
)
from tests.support.client import TestChargePoint
from tests.support.responder import Answer, Responder
from tests.support.waiting import eventually
from tests.unit.test_event_versions import stored_v1

pytestmark = [pytest.mark.postgres, pytest.mark.settings(unknown_id_tags=UnknownTagPolicy.ACCEPT)]
Client = TestClient[Any, Any]


async def a_full_session(client: Client, charge_box_id: str = "AUD-1") -> int:
    """Boot, start, two meter values, stop; returns the transaction id."""
    async with await TestChargePoint.connect(base(client), charge_box_id) as cp:
        await cp.call("BootNotification", a_boot_notification())
        _, _, started = await cp.call("StartTransaction", a_start_transaction(), unique_id="s-1")
        tx = int(started["transactionId"])
        for n, energy in enumerate((2000, 4500)):
            frame = a_meter_values(
                tx,
                a_meter_value(
                    f"2026-11-25T10:1{n}:00Z",
                    a_sample(str(energy), "Energy.Active.Import.Register", "Wh"),
                ),
            )
            assert (await cp.call("MeterValues", frame, unique_id=f"m-{n}"))[0] == 3
        stop = a_stop_transaction(tx, meterStop=6000)
        assert (await cp.call("StopTransaction", stop, unique_id="e-1"))[0] == 3
    return tx


async def caught_up(client: Client, database_url: str) -> None:
    """Wait until every projection has applied the whole log."""

    async def lagging() -> int:
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT (SELECT coalesce(max(notification_id), 0) FROM cs_events) "
                "- coalesce(min(position), 0), count(*) FROM cs_projection_positions"
            ).fetchone()
        assert row is not None
        return int(row[0]) if row[1] == len(all_projections()) else -1

    await eventually(lagging, lambda lag: lag == 0, what="projections caught up")


def cs(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `cs` command line as an operator would."""
    env = {**os.environ, "CS_DATABASE_URL": database_url, "CS_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "cs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- history endpoints ------------------------------------------------------------------


@pytest.mark.settings(projections="off")  # the read models never catch up
async def test_a_charge_box_history_is_complete_from_the_log_whatever_the_projections_lag(
    client: Client,
) -> None:
    tx = await a_full_session(client, "AUD-LAG")
    status, body = await get_json(client, "/charge-boxes/AUD-LAG/history")
    assert status == 200, body
    # At once, with no read model to say which connection is the box's: the frames of
    # its connection are there, found in the log itself.
    types = [e["type"] for e in body["events"]]
    assert "cs.Connection.Opened" in types
    frames = [e["data"]["frame"] for e in body["events"] if "frame" in e["data"]]
    assert any('"StopTransaction"' in f and str(tx) in f for f in frames)


async def test_a_sessions_history_is_its_events_in_order_with_their_frames(client: Client) -> None:
    tx = await a_full_session(client)
    status, body = await get_json(client, f"/sessions/{tx}/history")
    assert status == 200, body
    assert body["subject"]["transaction_id"] == tx
    assert body["next_cursor"] is None
    events = body["events"]
    assert [e["type"] for e in events] == [
        "cs.ChargingSession.Started",
        "cs.ChargingSession.MeterValuesReported",
        "cs.ChargingSession.MeterValuesReported",
        "cs.ChargingSession.Stopped",
    ]
    assert [e["version"] for e in events] == [1, 2, 3, 4]
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    # Started is at v3 (clock reading), MeterValuesReported at v2 (seq_no), Stopped at v2
    # (clock_skew_seconds): docs/event-versioning.md.
    assert [e["type_version"] for e in events] == [3, 2, 2, 2]
    assert events[0]["data"]["station_transaction_id"] is None
    assert all(e["recorded_at"].endswith("Z") for e in events)
    assert events[0]["data"]["meter_start"] == 1000
    assert events[-1]["data"]["meter_stop"] == 6000
    for event, unique_id, action in zip(
        events,
        ["s-1", "m-0", "m-1", "e-1"],
        ["StartTransaction", *["MeterValues"] * 2, "StopTransaction"],
        strict=True,
    ):
        request, answer = event["frames"]
        assert request["direction"] == "from-box"
        assert answer["direction"] == "to-box"
        assert json.loads(request["frame"])[:3] == [2, unique_id, action]
        assert json.loads(answer["frame"])[:2] == [3, unique_id]
        # One Exchanged record holds the CALL and our answer, just before their effects.
        assert request["position"] == answer["position"] < event["position"]


async def test_history_pages_follow_the_cursor_without_gaps_or_repeats(client: Client) -> None:
    tx = await a_full_session(client)
    _, whole = await get_json(client, f"/sessions/{tx}/history")
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        query = f"?limit=1&cursor={cursor}" if cursor else "?limit=1"
        status, page = await get_json(client, f"/sessions/{tx}/history{query}")
        assert status == 200
        seen += [e["position"] for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["position"] for e in whole["events"]]


async def test_bad_history_requests_are_clear_errors(client: Client) -> None:
    assert (await get_json(client, "/sessions/999999/history"))[0] == 404
    assert (await get_json(client, "/charge-boxes/NOPE/history"))[0] == 404
    status, body = await get_json(client, "/charge-boxes/NOPE/history?limit=0")
    assert status == 422
    assert "limit" in json.dumps(body)
    status, body = await get_json(client, "/charge-boxes/NOPE/history?from=yesterday")
    assert status == 422
    assert "from" in json.dumps(body)


async def test_a_charge_boxs_history_holds_its_frames_and_remote_commands(client: Client) -> None:
    responder = await Responder.connect(base(client), "AUD-2")
    responder.answer("ClearCache", Answer(result={"status": "Accepted"}))
    try:
        assert (await responder.call("BootNotification", a_boot_notification()))[0] == 3
        response = await client.post("/charge-boxes/AUD-2/remote/clear-cache", json={})
        assert response.status == 200, await response.text()
        command_id = (await response.json())["command_id"]
    finally:
        await responder.close()

    async def history() -> tuple[int, Any]:
        return await get_json(client, "/charge-boxes/AUD-2/history")

    def complete(result: tuple[int, Any]) -> bool:
        # The close is recorded after the socket closes, a moment after the answer.
        types = {e["type"] for e in result[1]["events"]} if result[0] == 200 else set()
        return {"cs.Command.Answered", "cs.Connection.Closed"} <= types

    _, body = await eventually(history, complete, what="the command in the history")
    events = body["events"]
    types = [e["type"] for e in events]
    assert types[:2] == ["cs.ChargeBox.Registered", "cs.ChargeBox.Booted"] or (
        types.index("cs.ChargeBox.Booted") > types.index("cs.Connection.Opened")
    )
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    frames = [
        e["data"]["frame"]
        for e in events
        if e["type"].startswith(("cs.Connection.Frame", "cs.Connection.Exchanged"))
    ]
    assert any('"BootNotification"' in f for f in frames)
    assert any('"ClearCache"' in f for f in frames)
    commands = [e for e in events if e["type"].startswith("cs.Command.")]
    assert [e["type"] for e in commands] == [
        "cs.Command.Requested",
        "cs.Command.Sent",
        "cs.Command.Answered",
    ]
    assert all(e["stream"] == command_id for e in commands)
    assert "cs.Connection.Closed" in types

    later = events[-1]["recorded_at"]
    status, window = await get_json(client, f"/charge-boxes/AUD-2/history?from={later}")
    assert status == 200
    assert window["events"]
    assert all(e["recorded_at"] >= later for e in window["events"])
    status, window = await get_json(
        client, f"/charge-boxes/AUD-2/history?to={events[0]['recorded_at']}"
    )
    assert status == 200
    assert window["events"] == []


# --- exports ----------------------------------------------------------------------------


async def test_an_export_verifies_offline_and_any_tampering_is_detected(
    client: Client, database_url: str, tmp_path: Path
) -> None:
    tx = await a_full_session(client)
    response = await client.get(f"/sessions/{tx}/history/export")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = await response.json()
    assert document["format"] == chain.FORMAT
    assert document["count"] == 4

    def check(doc: dict[str, Any], *flags: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "export.json"
        path.write_text(json.dumps(doc))
        return cs(database_url, "audit", "verify", str(path), *flags)

    healthy = check(document, "--store")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "matches the event log" in healthy.stdout

    changed = json.loads(json.dumps(document))
    changed["events"][1]["data"]["meter_values"][0]["sampledValue"][0]["value"] = "2001"
    dropped = json.loads(json.dumps(document))
    del dropped["events"][1]
    dropped["count"] = 3
    reordered = json.loads(json.dumps(document))
    reordered["events"][1], reordered["events"][2] = reordered["events"][2], reordered["events"][1]
    for tampered in (changed, dropped, reordered):
        result = check(tampered)
        assert result.returncode == 1, result.stdout
        assert "FAILED" in result.stdout

    # Without a secret anyone can re-seal a shortened chain; the live log catches that.
    truncated = json.loads(json.dumps(document))
    events = [{k: v for k, v in e.items() if k != "digest"} for e in truncated["events"][:-1]]
    truncated["events"], truncated["head"] = chain.seal(truncated["subject"], events)
    truncated["count"] = len(events)
    assert check(truncated).returncode == 0
    result = check(truncated, "--store")
    assert result.returncode == 1
    assert "event log" in result.stdout


async def test_the_cli_prints_a_readable_timeline(client: Client, database_url: str) -> None:
    tx = await a_full_session(client)
    result = cs(database_url, "replay", "session", str(tx))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("ChargingSession.Started" in line for line in lines)
    assert any('"e-1", "StopTransaction"' in line for line in lines)
    await caught_up(client, database_url)
    result = cs(database_url, "replay", "charge-box", "AUD-1")
    assert result.returncode == 0, result.stderr
    assert "ChargeBox.Booted" in result.stdout
    assert "Connection.Opened" in result.stdout
    assert cs(database_url, "replay", "session", "424242").returncode != 0


# --- verify and rebuild -----------------------------------------------------------------


async def test_replay_verify_passes_on_a_healthy_store_and_fails_on_a_corrupted_read_model(
    client: Client, database_url: str
) -> None:
    await a_full_session(client)
    await caught_up(client, database_url)
    healthy = cs(database_url, "replay", "verify")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "read models equal a replay of the log" in healthy.stdout

    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE rm_sessions SET energy_wh = energy_wh + 1")
        conn.execute("DELETE FROM rm_charge_boxes")
    corrupted = cs(database_url, "replay", "verify")
    assert corrupted.returncode == 1
    assert "rm_sessions: 1 rows only live, 1 rows only rebuilt" in corrupted.stdout
    assert "rm_charge_boxes: 0 rows only live, 1 rows only rebuilt" in corrupted.stdout


async def test_rebuild_in_place_under_traffic_keeps_serving_and_repairs(
    client: Client, database_url: str, store: EventStore
) -> None:
    boxes = [f"RB-{n}" for n in range(5)]
    cps = [await TestChargePoint.connect(base(client), name) for name in boxes]
    try:
        for cp in cps:
            await cp.call("BootNotification", a_boot_notification())
        await caught_up(client, database_url)
        with psycopg.connect(database_url) as conn:
            conn.execute("UPDATE rm_charge_boxes SET charge_point_vendor = 'CORRUPT'")

        stop = asyncio.Event()
        answers: list[int] = []

        async def traffic(cp: TestChargePoint) -> None:
            n = 0
            while not stop.is_set() and n < 2000:
                status = "Charging" if n % 2 else "Available"
                await cp.call("StatusNotification", a_status_notification(status=status))
                n += 1

        async def reads() -> None:
            while not stop.is_set():
                status, body = await get_json(client, "/charge-boxes")
                answers.append(status)
                assert status == 200
                assert {b["charge_box_id"] for b in body["items"]} >= set(boxes)
                await asyncio.sleep(0.005)

        rebuilder = Rebuilder(database_url, projections=all_projections, mapper=store.mapper)
        tasks = [asyncio.create_task(traffic(cp)) for cp in cps] + [asyncio.create_task(reads())]
        await asyncio.sleep(0.3)
        report = await asyncio.to_thread(rebuilder.rebuild, "charge_boxes")
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        for cp in cps:
            await cp.close()
    assert report.events > 0
    assert len(answers) > 10
    assert set(answers) == {200}
    await caught_up(client, database_url)
    _, body = await get_json(client, "/charge-boxes")
    assert {b["boot"]["charge_point_vendor"] for b in body["items"]} == {"ACME"}
    assert not (await asyncio.to_thread(rebuilder.verify)).differences


# --- events stored by an older version of the code ---------------------------------------


def project(database_url: str, stored: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Store `stored` as is, run every projection over it, return every read model table."""
    store = EventStore(env=eventstore_env(database_url))
    pool: ConnectionPool[Any] = ConnectionPool(
        database_url, kwargs={"autocommit": True}, min_size=1, max_size=2, open=True
    )
    try:
        store.recorder.insert_events(stored)
        runner = ProjectionRunner(
            events_table="cs_events",
            mapper=store.mapper,
            pool=pool,
            projections=all_projections(),
        )
        runner.create_tables()
        runner.catch_up()
        tables = [t for p in all_projections() for t in p.tables]
        with psycopg.connect(database_url) as conn:
            return {
                t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables
            }
    finally:
        pool.close()
        store.close()


def test_projections_of_old_events_equal_projections_of_the_same_events_stored_today(
    database_url: str, another_database_url: str
) -> None:
    old = stored_v1()
    mapper = EventStore(env={"TRANSCODER_TOPIC": "cs.adapters.transcoder:OrjsonTranscoder"}).mapper
    today = [mapper.to_stored_event(mapper.to_domain_event(s)) for s in old]
    assert any(b"class_version" in s.state for s in today)  # really re-encoded at v2
    assert not any(b"class_version" in s.state for s in old)
    from_old = project(database_url, old)
    from_today = project(another_database_url, today)
    assert from_old == from_today
    assert sum(len(rows) for rows in from_old.values()) > 5
    with psycopg.connect(database_url) as conn:
        intervals = conn.execute("SELECT heartbeat_interval FROM rm_charge_boxes").fetchall()
    assert intervals == [(300,), (300,)]
