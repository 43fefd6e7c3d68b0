"""The replay phase of `make bench`: how fast the log becomes read models and histories.

On a log of `events` events (written by `cs.audit.seed`: charge boxes, connections with
every frame, sessions with meter values, id tags):

- projecting every read model from zero (a new deployment, or a full rebuild);
- `replay verify`: rebuilding everything into scratch tables and comparing;
- `projections rebuild sessions` in place;
- one session's history, and a charge box's first page, from that large store.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from cs.adapters.embedded_pg import EmbeddedPostgres
from cs.adapters.storage import open_storage
from cs.audit.history import HistoryReader
from cs.audit.seed import seed
from cs.config import Settings
from cs.projections.catalog import all_projections
from cs.projections.rebuild import Rebuilder


def run_replay(events: int, database_url: str | None, data_dir: Path) -> dict[str, Any]:
    """Measure on a fresh database (`database_url`) or an embedded one in `data_dir`."""
    embedded = None
    if database_url is None:
        embedded = EmbeddedPostgres(data_dir)
        database_url = embedded.start()
    storage = open_storage(Settings(database_url=database_url, data_dir=data_dir))
    try:
        return _measure(storage, events)
    finally:
        storage.close()
        if embedded is not None:
            embedded.stop()


def _measure(storage: Any, events: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    _say(f"seeding {events:,} events")
    started = time.perf_counter()
    written = seed(storage.store, events)
    result["events"] = written
    result["seed_seconds"] = round(time.perf_counter() - started, 1)
    with psycopg.connect(storage.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cs_events")
        size = conn.execute("SELECT pg_total_relation_size('cs_events')").fetchone()
    result["log_mb"] = round(int(size[0]) / 2**20, 1) if size else None

    _say("projecting every read model from zero")
    started = time.perf_counter()
    storage.runner.catch_up(timeout=3600)
    seconds = time.perf_counter() - started
    result["project_all"] = {"seconds": round(seconds, 1), "events_per_second": written / seconds}

    rebuilder = Rebuilder(
        storage.database_url, projections=all_projections, mapper=storage.store.mapper
    )
    _say("replay verify (rebuild all into scratch tables, compare)")
    report = rebuilder.verify()
    result["verify"] = {
        "seconds": round(report.seconds, 1),
        "events_per_second": report.events_per_second,
        "differences": len(report.differences),
    }
    _say("rebuild sessions in place")
    report = rebuilder.rebuild("sessions")
    result["rebuild_sessions"] = {
        "seconds": round(report.seconds, 1),
        "events_per_second": report.events_per_second,
    }
    _say("histories")
    result["history"] = asyncio.run(_histories(storage))
    return result


async def _histories(storage: Any) -> dict[str, Any]:
    async with AsyncConnectionPool(
        storage.database_url, min_size=1, max_size=2, kwargs={"autocommit": True}
    ) as pool:
        reader = HistoryReader(pool, storage.store.mapper)
        async with pool.connection() as conn:
            row = await (
                await conn.execute("SELECT max(transaction_id) FROM rm_sessions")
            ).fetchone()
        last = int(row[0]) if row and row[0] else 1
        sessions = [max(1, last * n // 20) for n in range(1, 21)]  # spread over the log

        async def timed(work: Any) -> float:
            started = time.perf_counter()
            await work
            return (time.perf_counter() - started) * 1000

        session_ms = [await timed(reader.session(tx)) for tx in sessions]
        export_ms = [await timed(reader.export_session(tx)) for tx in sessions]
        box_ms = [
            await timed(reader.charge_box("default", f"SEED-{n:05d}", limit=500))
            for n in range(0, 500, 25)
        ]
    return {
        "session_ms_p50": round(statistics.median(session_ms), 2),
        "session_ms_max": round(max(session_ms), 2),
        "session_export_ms_p50": round(statistics.median(export_ms), 2),
        "charge_box_page_ms_p50": round(statistics.median(box_ms), 2),
        "charge_box_page_ms_max": round(max(box_ms), 2),
    }


def _say(what: str) -> None:
    print(f"bench: replay: {what} ...", file=sys.stderr, flush=True)
