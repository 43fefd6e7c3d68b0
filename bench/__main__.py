"""`make bench`: our server and the baseline under the same loads, one table, JSON too.

    python -m bench            # the full plan (~8 minutes)
    python -m bench --quick    # a smoke run (~1 minute)

PostgreSQL: the embedded one (fresh data directory per server start) unless
CS_DATABASE_URL is set, in which case a fresh database is created on that server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from bench.processes import ROOT, Server, cpu_seconds, free_port, run_simulator
from bench.replay import run_replay
from cs.sim.stats import percentile

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"


@dataclass
class Plan:
    saturation_cps: int = 500
    saturation_seconds: float = 20
    saturation_runs: int = 3
    latency_cps: int = 2000
    latency_rate: float = 500
    latency_seconds: float = 30
    load_cps: int = 500
    load_rate: float = 2500
    load_seconds: float = 30
    idle_cps: int = 10_000
    idle_connect_rate: float = 1000  # offered; the target is >= 500/s achieved
    idle_hold_seconds: float = 20
    relay_cps: int = 500
    relay_rate: float = 1000
    relay_seconds: float = 30
    replay_events: int = 1_000_000

    @classmethod
    def quick(cls) -> Plan:
        return cls(100, 5, 1, 200, 100, 5, 100, 500, 5, 1000, 500, 3, 100, 200, 5, 50_000)


class Databases:
    """Fresh PostgreSQL for each start of our server."""

    def __init__(self, run_dir: Path) -> None:
        self.external = os.environ.get("CS_DATABASE_URL")
        self.run_dir = run_dir
        self.created: list[str] = []

    def env(self, name: str) -> tuple[dict[str, str], Path | None]:
        if self.external is None:
            data_dir = self.run_dir / name
            return {"CS_DATA_DIR": str(data_dir)}, data_dir / "pgdata"
        database = f"cs_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(
            make_conninfo(self.external, dbname="postgres"), autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        self.created.append(database)
        return {"CS_DATABASE_URL": make_conninfo(self.external, dbname=database)}, None

    def url_for(self, name: str) -> str | None:
        """A fresh external database for `name`, or None: use an embedded one."""
        if self.external is None:
            return None
        env, _ = self.env(name)
        return env["CS_DATABASE_URL"]

    def drop_all(self) -> None:
        if self.external is None:
            for data_dir in self.run_dir.iterdir():
                if data_dir.is_dir():  # the embedded PostgreSQL of each phase; logs stay
                    shutil.rmtree(data_dir, ignore_errors=True)
            return
        with psycopg.connect(
            make_conninfo(self.external, dbname="postgres"), autocommit=True
        ) as conn:
            for database in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def start_server(
    kind: str, phase: str, databases: Databases, run_dir: Path, **extra_env: str
) -> Server:
    port = free_port()
    log_path = run_dir / f"{kind}-{phase}.log"
    if kind == "baseline":
        command = [sys.executable, "-m", "bench.baseline", "--port", str(port)]
        return Server(kind, command, {}, port, log_path).start()
    env, data_dir = databases.env(phase)
    env.update(
        {
            "CS_PORT": str(port),
            "CS_HOST": "127.0.0.1",
            "CS_UNKNOWN_ID_TAGS": "accept",
            "CS_LOG_LEVEL": "WARNING",
            "CS_NODE": f"bench-{phase}",
            **extra_env,
        }
    )
    command = [sys.executable, "-m", "cs", "serve"]
    return Server(
        kind,
        command,
        env,
        port,
        log_path,
        postgres_data=data_dir,
        external_postgres=data_dir is None,
    ).start()


class Sampler:
    """Polls /health and RSS while a load runs."""

    def __init__(self, server: Server, interval: float = 0.25) -> None:
        self.server = server
        self.interval = interval
        self.lags: list[float] = []
        self.relay_lags: list[float] = []
        self.relay_lag_events: list[int] = []
        self.rss: list[float] = []
        self.connections: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.rss.append(self.server.rss_mb())
            health = self.server.health()
            if "projections" in health:
                self.lags.append(float(health["projections"]["lag_seconds"]))
                self.connections.append(int(health.get("connections", 0)))
            relay = health.get("relay") or {}
            if relay.get("configured") and relay.get("lag_events") is not None:
                self.relay_lags.append(float(relay["lag_seconds"]))
                self.relay_lag_events.append(int(relay["lag_events"]))


def measure(server: Server, out: Path, **sim: Any) -> dict[str, Any]:
    """Run one simulator load against `server`, with CPU, RSS and lag around it."""
    groups = {
        "server": [server.main_process()],
        "projections": server.child_processes("project"),
        "relay": server.child_processes("relay"),
        "postgres": server.postgres_processes(),
    }
    before = {name: cpu_seconds(processes) for name, processes in groups.items()}
    with Sampler(server) as sampler:
        summary = run_simulator(server.url, out, **sim)
    after = {name: cpu_seconds(processes) for name, processes in groups.items()}
    answered = max(1, summary["answered"])
    lags = sorted(sampler.lags)
    relay_lags = sorted(sampler.relay_lags)
    return {
        "messages_per_second": summary["steady_per_second"],
        "answered": summary["answered"],
        "timeouts": summary["timeouts"],
        "call_errors": summary["call_errors"],
        "connected": summary["connected"],
        "connect_failures": summary["connect_failures"],
        "connects_per_second": summary["connects_per_second"],
        "latency_ms": summary["latency_ms"],
        "latency_ms_by_action": summary["latency_ms_by_action"],
        "cpu_us_per_message": {
            name: round((after[name] - before[name]) / answered * 1e6, 1) if groups[name] else None
            for name in groups
        },
        "rss_mb_max": round(max(sampler.rss, default=server.rss_mb()), 1),
        "connections_held_max": max(sampler.connections, default=None),
        "projection_lag_seconds": {
            "p50": percentile(lags, 0.5),
            "p99": percentile(lags, 0.99),
            "max": lags[-1] if lags else 0.0,
        }
        if lags
        else None,
        "relay_lag_seconds": {
            "p50": percentile(relay_lags, 0.5),
            "p99": percentile(relay_lags, 0.99),
            "max": relay_lags[-1],
            "max_events": max(sampler.relay_lag_events),
        }
        if relay_lags
        else None,
    }


def run_phase(
    name: str,
    kind: str,
    databases: Databases,
    run_dir: Path,
    runs: int,
    server_env: dict[str, str] | None = None,
    **sim: Any,
) -> dict[str, Any]:
    server = start_server(kind, name, databases, run_dir, **(server_env or {}))
    try:
        results = [measure(server, run_dir / f"{kind}-{name}-{n}.json", **sim) for n in range(runs)]
        if server_env and "CS_AMQP_URL" in server_env:
            results[-1]["relay_drain_seconds"] = relay_drain_seconds(server)
    finally:
        server.stop()
    if runs == 1:
        return results[0]
    ordered = sorted(results, key=lambda r: r["messages_per_second"])
    median = ordered[len(ordered) // 2]
    median["runs_messages_per_second"] = [r["messages_per_second"] for r in results]
    return median


def relay_drain_seconds(server: Server, timeout: float = 300.0) -> float | None:
    """Seconds from the end of the load until the relay has published the whole log."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        relay = server.health().get("relay") or {}
        if relay.get("lag_events") == 0:
            return round(time.monotonic() - started, 1)
        time.sleep(0.1)
    return None


BENCH_QUEUE = "cs-bench"


def bench_broker() -> tuple[str | None, str | None]:
    """A reachable RabbitMQ with a queue bound to every routing key (so messages are kept,
    as a consumer would), or None and why not."""
    import aio_pika

    url = os.environ.get("CS_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")

    async def prepare() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(BENCH_QUEUE)
            queue = await channel.declare_queue(
                BENCH_QUEUE,
                arguments={"x-expires": 600_000},  # gone 10 min after the bench
            )
            for exchange, key in (
                ("ocpp", "ocpp.msgs"),
                ("ocpp", "ocpp.connection-events"),
                ("sessions", "sessions.raw"),
            ):
                declared = await channel.declare_exchange(
                    exchange, aio_pika.ExchangeType.DIRECT, durable=True
                )
                await queue.bind(declared, key)

    try:
        asyncio.run(prepare())
    except Exception as error:  # any failure means: no broker to bench
        return None, f"RabbitMQ at {url} not usable: {error!r}"
    return url, None


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--only",
        choices=["saturation", "latency", "load", "idle", "relay", "replay"],
        action="append",
    )
    args = parser.parse_args()
    plan = Plan.quick() if args.quick else Plan()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = WORK / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    databases = Databases(run_dir)
    phases = {
        "saturation": {
            "runs": plan.saturation_runs,
            "charge_points": plan.saturation_cps,
            "scenario": "sessions",
            "duration": plan.saturation_seconds,
            "ramp_up": 2,
            "id_prefix": "SAT",
        },
        "latency": {
            "runs": 1,
            "charge_points": plan.latency_cps,
            "scenario": "sessions",
            "duration": plan.latency_seconds,
            "ramp_up": plan.latency_cps / 250,
            "rate": plan.latency_rate,
            "id_prefix": "LAT",
        },
        "load": {
            "runs": 1,
            "charge_points": plan.load_cps,
            "scenario": "sessions",
            "duration": plan.load_seconds,
            "ramp_up": 2,
            "rate": plan.load_rate,
            "id_prefix": "LOAD",
        },
        "idle": {
            "runs": 1,
            "charge_points": plan.idle_cps,
            "scenario": "idle",
            "duration": plan.idle_hold_seconds,
            "ramp_up": plan.idle_cps / plan.idle_connect_rate,
            "heartbeat_interval": 60,
            "id_prefix": "IDLE",
        },
        "relay": {
            "runs": 1,
            "charge_points": plan.relay_cps,
            "scenario": "sessions",
            "duration": plan.relay_seconds,
            "ramp_up": 2,
            "rate": plan.relay_rate,
            "id_prefix": "RELAY",
        },
    }
    amqp_url, relay_skip = bench_broker()
    if amqp_url is not None:
        phases["relay"]["server_env"] = {"CS_AMQP_URL": amqp_url}
    results: dict[str, Any] = {
        "plan": asdict(plan),
        "started_at": stamp,
        "postgres": "external" if databases.external else "embedded",
        "phases": {},
    }
    started = time.monotonic()
    try:
        for name, options in phases.items():
            if args.only and name not in args.only:
                continue
            for kind in ("cs", "baseline"):
                if name == "relay" and kind == "baseline":
                    continue  # the baseline has no relay
                if name == "relay" and "server_env" not in options:
                    results["phases"]["relay"] = {"cs": {"skipped": relay_skip}}
                    break
                print(f"bench: {name} against {kind} ...", file=sys.stderr, flush=True)
                opts = dict(options)
                runs = int(opts.pop("runs"))
                results["phases"].setdefault(name, {})[kind] = run_phase(
                    name, kind, databases, run_dir, runs, **opts
                )
        if not args.only or "replay" in args.only:
            print("bench: replay against cs ...", file=sys.stderr, flush=True)
            results["phases"]["replay"] = {
                "cs": run_replay(
                    plan.replay_events, databases.url_for("replay"), run_dir / "replay"
                )
            }
    finally:
        databases.drop_all()
    results["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(results, indent=2))
    print(report(results, plan))
    print(f"\nJSON: {out.relative_to(ROOT)}  (logs: {run_dir.relative_to(ROOT)})")
    return 0


def _ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "-"
    return f"{ours / theirs:.1f}x"


def report(results: dict[str, Any], plan: Plan) -> str:
    phases = results["phases"]
    lines = [f"{'measure':<58}{'cs':>12}{'baseline':>12}{'ratio':>8}  target"]

    def row(label: str, ours: Any, theirs: Any, target: str = "", ratio: str | None = None) -> None:
        shown = ratio if ratio is not None else _ratio(ours, theirs)
        lines.append(f"{label:<58}{_fmt(ours):>12}{_fmt(theirs):>12}{shown:>8}  {target}")

    if "saturation" in phases:
        cs, base = phases["saturation"]["cs"], phases["saturation"]["baseline"]
        label = f"durable msg/s at saturation ({plan.saturation_cps} CPs, median of "
        row(
            f"{label}{plan.saturation_runs})",
            cs["messages_per_second"],
            base["messages_per_second"],
            ">= 2500",
        )
        for part in ("server", "projections", "postgres"):
            row(
                f"  CPU µs/msg, {part}",
                cs["cpu_us_per_message"][part],
                base["cpu_us_per_message"][part],
            )
        row("  latency p99 ms", cs["latency_ms"]["p99"], base["latency_ms"]["p99"], "", ratio="")
        row("  projection lag p99 / max s", _lag(cs), None, "", ratio="")
    if "latency" in phases:
        cs, base = phases["latency"]["cs"], phases["latency"]["baseline"]
        offered = f"{plan.latency_rate:.0f} msg/s offered from {plan.latency_cps} CPs"
        lines.append(f"latency at {offered}, whole run (ms p50 / p95 / p99 / max):")
        actions = sorted(set(cs["latency_ms_by_action"]) | set(base["latency_ms_by_action"]))
        for action in [*actions, "(all)"]:
            ours = cs["latency_ms"] if action == "(all)" else cs["latency_ms_by_action"].get(action)
            theirs = (
                base["latency_ms"]
                if action == "(all)"
                else base["latency_ms_by_action"].get(action)
            )
            lines.append(
                f"  {action:<24}{_quad(ours):>34}{_quad(theirs):>34}"
                + ("   p99 <= 50" if action == "(all)" else "")
            )
        row("  achieved msg/s", cs["messages_per_second"], base["messages_per_second"])
        row(
            "  server CPU µs/msg",
            cs["cpu_us_per_message"]["server"],
            base["cpu_us_per_message"]["server"],
        )
    if "load" in phases:
        cs, base = phases["load"]["cs"], phases["load"]["baseline"]
        row(
            f"achieved msg/s at {plan.load_rate:.0f} offered ({plan.load_cps} CPs)",
            cs["messages_per_second"],
            base["messages_per_second"],
            f">= {plan.load_rate:.0f}",
        )
        row("  latency p99 ms", cs["latency_ms"]["p99"], base["latency_ms"]["p99"], "", ratio="")
        row("  projection lag p99 / max s", _lag(cs), None, "p99 <= 1", ratio="")
        row(
            "  CPU µs/msg server / projections / postgres",
            "/".join(
                _fmt(cs["cpu_us_per_message"][p]) for p in ("server", "projections", "postgres")
            ),
            None,
            "",
            ratio="",
        )
    if "idle" in phases:
        cs, base = phases["idle"]["cs"], phases["idle"]["baseline"]
        row(
            f"idle CPs connected (of {plan.idle_cps})",
            cs["connected"],
            base["connected"],
            f"{plan.idle_cps}",
        )
        row(
            "  connects/s achieved",
            cs["connects_per_second"],
            base["connects_per_second"],
            ">= 500",
        )
        row("  server RSS MB (max)", cs["rss_mb_max"], base["rss_mb_max"], "<= 500")
        row("  connections held (server's count)", cs["connections_held_max"], None, "", ratio="")
    if "relay" in phases:
        cs = phases["relay"]["cs"]
        if "skipped" in cs:
            lines.append(f"relay: not measured ({cs['skipped']})")
        else:
            row(
                f"relay: achieved msg/s at {plan.relay_rate:.0f} offered, relay on",
                cs["messages_per_second"],
                None,
                "",
                ratio="",
            )
            lag = cs.get("relay_lag_seconds") or {}
            row(
                "  relay lag s p50 / p99 / max (max events behind)",
                f"{lag.get('p50', 0):.2f} / {lag.get('p99', 0):.2f} / {lag.get('max', 0):.2f}"
                f" ({lag.get('max_events', 0)})",
                None,
                "",
                ratio="",
            )
            row("  relay CPU µs/msg", cs["cpu_us_per_message"]["relay"], None, "", ratio="")
            row("  relay caught up s after load", cs.get("relay_drain_seconds"), None, "", ratio="")
    if "replay" in phases:
        rp = phases["replay"]["cs"]
        row(f"replay: log of {rp['events']:,} events ({rp['log_mb']} MB)", None, None, ratio="")
        row("  seeded in s", rp["seed_seconds"], None, "", ratio="")
        for key, label in (
            ("project_all", "all read models from zero, events/s"),
            ("verify", "replay verify (rebuild all + compare), events/s"),
            ("rebuild_sessions", "rebuild sessions in place, events/s"),
        ):
            row(f"  {label}", round(rp[key]["events_per_second"]), None, "", ratio="")
        history = rp["history"]
        row(
            "  one session's history ms p50 / max",
            f"{history['session_ms_p50']} / {history['session_ms_max']}",
            None,
            "",
            ratio="",
        )
        row("  one session's export ms p50", history["session_export_ms_p50"], None, "", ratio="")
        row(
            "  charge box history page (500) ms p50 / max",
            f"{history['charge_box_page_ms_p50']} / {history['charge_box_page_ms_max']}",
            None,
            "",
            ratio="",
        )
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _quad(block: dict[str, float] | None) -> str:
    if not block:
        return "-"
    return f"{block['p50']:.1f} / {block['p95']:.1f} / {block['p99']:.1f} / {block['max']:.1f}"


def _lag(result: dict[str, Any]) -> str:
    lag = result.get("projection_lag_seconds")
    if not lag:
        return "-"
    return f"{lag['p99']:.2f} / {lag['max']:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
