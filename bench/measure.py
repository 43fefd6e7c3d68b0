"""Running one phase of the benchmark: a server, a simulated load, what its processes cost."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg.conninfo import make_conninfo

from bench.processes import Server, cpu_seconds, free_port, run_simulator
from cs.sim.stats import percentile


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


# The baselines: the ocpp library's ChargePoint served by aiohttp (our transport), and by
# the websockets library (the library's own examples, the reference of issue 14).
BASELINES = {"baseline": "aiohttp", "baseline_ws": "websockets"}


def start_server(
    kind: str,
    phase: str,
    databases: Databases,
    run_dir: Path,
    cores: set[int] | None = None,
    **extra_env: str,
) -> Server:
    port = free_port()
    log_path = run_dir / f"{kind}-{phase}.log"
    if kind in BASELINES:
        command = [sys.executable, "-m", "bench.baseline", "--port", str(port)]
        command += ["--server", BASELINES[kind]]
        return Server(kind, command, {}, port, log_path, extra={"cores": cores}).start()
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
        extra={"cores": cores},
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
        "rabbitmq": rabbitmq_processes() if server.extra.get("relay") else [],
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
        "connect_ms": summary["connect_ms"],
        "last_answer_seconds_by_action": summary.get("last_answer_seconds_by_action", {}),
        "latency_ms": summary["latency_ms"],
        "latency_ms_by_action": summary["latency_ms_by_action"],
        "cpu_us_per_message": {
            name: round((after[name] - before[name]) / answered * 1e6, 1) if groups[name] else None
            for name in groups
        }
        | {"simulator": round(summary["simulator_cpu_seconds"] / answered * 1e6, 1)},
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


def rabbitmq_processes() -> list[psutil.Process]:
    """The local RabbitMQ broker (its Erlang VM), whose CPU the relay's publishing costs."""
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in ("beam.smp", "beam")]


def run_phase(
    name: str,
    kind: str,
    databases: Databases,
    run_dir: Path,
    runs: int,
    server_env: dict[str, str] | None = None,
    node_cores: set[int] | None = None,
    **sim: Any,
) -> dict[str, Any]:
    server = start_server(kind, name, databases, run_dir, node_cores, **(server_env or {}))
    server.extra["relay"] = bool(server_env and "CS_AMQP_URL" in server_env)
    try:
        results = [measure(server, run_dir / f"{kind}-{name}-{n}.json", **sim) for n in range(runs)]
        if server_env and "CS_AMQP_URL" in server_env:
            results[-1]["relay_drain_seconds"] = relay_drain_seconds(server)
    finally:
        server.stop()
    if runs == 1:
        return results[0]
    ordered = sorted(results, key=lambda r: r["messages_per_second"])
    median = ordered[(len(ordered) - 1) // 2]  # the lower median: never the best run alone
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
