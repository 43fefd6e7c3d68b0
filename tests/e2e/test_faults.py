"""No loss under faults: the server, PostgreSQL or RabbitMQ fails under load; nothing
acknowledged is lost.

Each test runs many simulated charge points (`cs.sim`, in this process) against a real
`python -m cs serve`, with the simulator's acknowledged log on: one line for every CALL
that got an answer. A fault strikes mid-load; afterwards the log is compared with the
store (every CALL frame, in `cs.Connection.Exchanged` or `FrameReceived`, with the
charge box id of its connection's `Opened` event), and the counts are printed:
acknowledged N, found N,
missing 0. Every test also checks that units are atomic: each CALL frame in the store
has its answer frame in the same connection.

Only loopback addresses are used; every load is bounded in time (and messages).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from cs.sim.acklog import read_ack_log
from cs.sim.runner import SimConfig, run
from tests.support import rabbit
from tests.support.client import TestChargePoint
from tests.support.rabbit import Collector
from tests.support.server import ServerProcess, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

amqp_url = rabbit.amqp_url  # the fixture: a reachable broker, or skip (fail in CI)

# The load: as fast as answered, realistic sessions, bounded in time and messages.
CHARGE_POINTS = 40
MAX_MESSAGES = 60_000
SERVER_ENV = {"CS_UNKNOWN_ID_TAGS": "accept", "CS_LOG_LEVEL": "INFO"}
RECEIVED, SENT = "cs.Connection.FrameReceived", "cs.Connection.FrameSent"
EXCHANGED = "cs.Connection.Exchanged"  # a CALL of the box and our answer, one record
FRAME_TOPICS = (RECEIVED, SENT, EXCHANGED)
MAX_RECOVERY = 5.0  # seconds without answers allowed around a PostgreSQL restart


# -- servers -----------------------------------------------------------------------


Launch = Callable[..., Awaitable[ServerProcess]]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    """Start `cs serve` on a given database (and port, to restart "the same" server).

    Returns once /health answers ok; every server still running is killed at the end.
    """
    servers: list[ServerProcess] = []

    async def start(database_url: str, *, port: int | None = None, **env: str) -> ServerProcess:
        server = ServerProcess(
            database_url, tmp_path / f"server-{len(servers)}.log", **SERVER_ENV, **env
        )
        if port is not None:  # the same address (and node name) as a server before it
            server.port = port
            server.base_url = f"http://127.0.0.1:{port}"
            server.env["CS_PORT"] = str(port)
            server.env["CS_NODE"] = f"test-node-{port}"
        servers.append(server)
        return await asyncio.to_thread(server.start)

    yield start
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            server.stop(signal.SIGKILL)


# -- the load ----------------------------------------------------------------------


def load(server: ServerProcess, ack_log: Path, *, duration: float, **options: Any) -> SimConfig:
    """Charge points with sessions back to back, as fast as answered, for `duration` s."""
    return SimConfig(
        url=server.base_url,
        charge_points=options.pop("charge_points", CHARGE_POINTS),
        scenario="sessions",
        duration=duration,
        max_messages=MAX_MESSAGES,
        call_timeout=10.0,
        id_prefix=options.pop("id_prefix", "FLT"),
        ack_log=str(ack_log),
        options={"meter_values": 5},
        **options,
    )


def count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


async def answered_so_far(ack_log: Path, more_than: int, *, timeout: float = 20.0) -> int:
    """Wait (bounded) until the acknowledged log has more than `more_than` lines."""
    deadline = time.monotonic() + timeout
    while True:
        lines = await asyncio.to_thread(count_lines, ack_log)
        if lines > more_than:
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"only {lines} answers within {timeout}s (wanted > {more_than})")
        await asyncio.sleep(0.1)


def longest_silence(ack_log: Path) -> float:
    """The longest time, in seconds, between two CALLRESULTs (the load never pauses)."""
    times = sorted(
        datetime.fromisoformat(entry["answered_at"])
        for entry in read_ack_log(ack_log)
        if entry["answer"] == "CALLRESULT"
    )
    return max(((b - a).total_seconds() for a, b in itertools.pairwise(times)), default=0.0)


async def finish(sim: asyncio.Task[dict[str, Any]], timeout: float = 60.0) -> dict[str, Any]:
    summary = await asyncio.wait_for(sim, timeout)
    print(
        f"\nload: sent {summary['sent']}, answered {summary['answered']}, "
        f"CALLERRORs {summary['call_errors']}, timeouts {summary['timeouts']}, "
        f"disconnects {summary['disconnects']}, connects {summary['connected']} "
        f"(failed {summary['connect_failures']})"
    )
    return summary


# -- what the store holds ------------------------------------------------------------


@dataclass
class StoredFrames:
    """The wire record in `cs_events`, as the connection events tell it."""

    charge_box_of: dict[str, str] = field(default_factory=dict)  # connection id -> box
    closed: set[str] = field(default_factory=set)
    # (charge box, unique id, action) of every CALL frame received, with multiplicity.
    calls: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (connection, unique id): CALL frames received / answers sent on that connection.
    calls_by_connection: Counter[tuple[str, str]] = field(default_factory=Counter)
    answers_by_connection: Counter[tuple[str, str]] = field(default_factory=Counter)
    frame_ids: set[str] = field(default_factory=set)  # "<originator_id>:<version>"
    events: int = 0


def _as_frame(text: str) -> list[Any] | None:
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return frame if isinstance(frame, list) and len(frame) >= 3 else None


def read_store(database_url: str) -> StoredFrames:
    """Every connection event in the store, decoded from its JSON state."""
    stored = StoredFrames()
    with psycopg.connect(database_url) as conn:
        stored.events = conn.execute("SELECT count(*) FROM cs_events").fetchone()[0]  # type: ignore[index]
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM cs_events "
            "WHERE topic LIKE 'cs.Connection.%' ORDER BY notification_id"
        ).fetchall()
    for originator_id, version, topic, state in rows:
        connection = str(originator_id)
        body = orjson.loads(bytes(state))
        if topic == "cs.Connection.Opened":
            stored.charge_box_of[connection] = body["charge_box_id"]
        elif topic == "cs.Connection.Closed":
            stored.closed.add(connection)
        if topic not in FRAME_TOPICS:
            continue
        stored.frame_ids.add(f"{connection}:{version}")
        if topic == EXCHANGED:  # a CALL and our answer: two messages, the answer's id `:1`
            stored.frame_ids.add(f"{connection}:{version}:1")
            _count(stored, connection, RECEIVED, _as_frame(body["frame"]))
            _count(stored, connection, SENT, _as_frame(body["reply"]))
        else:
            _count(stored, connection, topic, _as_frame(body["frame"]))
    return stored


def _count(stored: StoredFrames, connection: str, topic: str, frame: list[Any] | None) -> None:
    """Count a CALL received or an answer sent on `connection`."""
    if frame is None:
        return
    if topic == RECEIVED and frame[0] == 2 and len(frame) == 4:
        box = stored.charge_box_of[connection]  # Opened is the first event of its stream
        stored.calls[(box, str(frame[1]), str(frame[2]))] += 1
        stored.calls_by_connection[(connection, str(frame[1]))] += 1
    elif topic == SENT and frame[0] in (3, 4):
        stored.answers_by_connection[(connection, str(frame[1]))] += 1


@dataclass
class Comparison:
    acknowledged: int
    found: int
    missing: list[tuple[str, str, str]]
    refused: int  # InternalError answers left out (refusals), if asked to
    refused_unstored: int  # of those, how many have no frame in the store


def compare(ack_log: Path, stored: StoredFrames, *, refusals_allowed: bool) -> Comparison:
    """Every acknowledged CALL must be a CALL frame of its charge box in the store.

    With `refusals_allowed`, a CALLERROR `InternalError` is not an acknowledgement: it
    is what the server answers when it could not store a message (a storage fault).
    """
    acknowledged: Counter[tuple[str, str, str]] = Counter()
    refused: Counter[tuple[str, str, str]] = Counter()
    for entry in read_ack_log(ack_log):
        key = (entry["charge_box_id"], entry["unique_id"], entry["action"])
        if refusals_allowed and entry["error_code"] == "InternalError":
            refused[key] += 1
        else:
            acknowledged[key] += 1
    missing = acknowledged - stored.calls
    total = sum(acknowledged.values())
    lost = sum(missing.values())
    unstored = sum((refused - stored.calls).values())
    return Comparison(total, total - lost, sorted(missing.elements()), refused.total(), unstored)


def unanswered_calls(stored: StoredFrames) -> list[tuple[str, str]]:
    """CALL frames stored without their answer frame in the same connection."""
    return sorted((stored.calls_by_connection - stored.answers_by_connection).elements())


def assert_nothing_lost(name: str, result: Comparison, stored: StoredFrames) -> None:
    """The counts, printed and asserted: missing 0, every stored CALL answered in its unit."""
    half = unanswered_calls(stored)
    print(
        f"{name}: acknowledged {result.acknowledged}, found {result.found}, "
        f"missing {len(result.missing)}; InternalError answers (not acknowledgements) "
        f"{result.refused} ({result.refused_unstored} of them not stored); "
        f"stored CALL frames {sum(stored.calls.values())}, without their answer {len(half)}; "
        f"connections {len(stored.charge_box_of)}, events {stored.events}"
    )
    assert result.acknowledged > 1000, f"{name}: too little load to prove anything"
    assert not result.missing, (
        f"{name}: {len(result.missing)} of {result.acknowledged} acknowledged messages are "
        f"not in the store (found {result.found}); first: {result.missing[:5]}"
    )
    assert not half, (
        f"{name}: {len(half)} stored CALL frames have no answer frame in their connection "
        f"(a unit was split); first: {half[:5]}"
    )


def check_log(server: ServerProcess) -> str:
    text = server.log()
    assert "Traceback" not in text, f"a traceback in the server log:\n{text[-4000:]}"
    return text


async def boots(server: ServerProcess, charge_box_id: str) -> list[Any]:
    """A new charge point connects and boots: the answer frame."""
    async with await TestChargePoint.connect(server.base_url, charge_box_id) as cp:
        return await cp.call(
            "BootNotification", {"chargePointVendor": "after", "chargePointModel": "fault"}
        )


# -- 1. SIGKILL of the server under load, then restart ------------------------------


async def test_a_server_killed_under_load_loses_nothing_it_acknowledged(
    launch: Launch, database_url: str, tmp_path: Path
) -> None:
    """SIGKILL mid-load, restart on the same database and port; the charge points
    reconnect and go on. Every answer a charge point got (CALLRESULT or CALLERROR) was
    for a frame that is in the store: answers leave only after their commit."""
    server = await launch(database_url)
    ack_log = tmp_path / "acks.jsonl"
    sim = asyncio.create_task(run(load(server, ack_log, duration=14, reconnect=True)))
    before = await answered_so_far(ack_log, 1500)
    server.stop(signal.SIGKILL, timeout=10)
    print(f"\nkilled the server after {before} answers")
    restarted = await launch(database_url, port=server.port)
    after = await answered_so_far(ack_log, before + 1500, timeout=30)
    print(f"restarted; {after} answers so far")
    summary = await finish(sim)
    print(f"no answers for {longest_silence(ack_log):.1f}s (kill and restart)")

    stored = read_store(database_url)
    assert_nothing_lost("SIGKILL", compare(ack_log, stored, refusals_allowed=False), stored)
    assert len(stored.charge_box_of) >= 2 * CHARGE_POINTS, "not every charge point came back"
    assert summary["answered"] > after
    assert restarted.health().get("status") == "ok"
    assert (await boots(restarted, "AFTER-KILL"))[0] == 3
    check_log(restarted)


# -- 2. PostgreSQL restarted under load ---------------------------------------------


PG_BIN = Path(__import__("pgserver").__file__).parent / "pginstall" / "bin"


@dataclass
class PrivatePostgres:
    """A PostgreSQL of this test only (the `pgserver` package's binaries), over TCP on
    127.0.0.1, so that restarting it drops real connections and nobody else's.

    PostgreSQL refuses to run as root; as root (pgserver does the same) it runs as the
    `pgserver` user, in a directory of its own.
    """

    base: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, tool: str, *args: str, timeout: float = 60.0) -> None:
        out = self.base / "tools.out"
        with out.open("ab") as sink:
            done = subprocess.run(
                [str(PG_BIN / tool), *args],
                cwd=self.base,
                user=self.user,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} failed:\n{self.logs()}")

    def ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "postgres.log"), *args)

    def logs(self) -> str:
        texts = [
            p.read_text(errors="replace")[-3000:]
            for p in (self.base / "tools.out", self.base / "postgres.log")
            if p.exists()
        ]
        return "\n".join(texts)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """initdb, start on a free port of 127.0.0.1 (no Unix socket), stop and delete after."""
    if not (PG_BIN / "pg_ctl").exists():
        pytest.fail(f"the pgserver package has no PostgreSQL binaries in {PG_BIN}", pytrace=False)
    user = None
    base = Path(tempfile.mkdtemp(prefix="cs-faults-pg-"))
    if os.geteuid() == 0:
        user = "pgserver"
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "-s", "/bin/sh", user], check=True, capture_output=True)
            entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    pg = PrivatePostgres(base, free_port(), user)
    try:
        pg.run(
            "initdb",
            "-D",
            str(pg.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
        )
        with (pg.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {pg.port}\nlisten_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\nmax_connections = 100\n"
            )
        pg.ctl("-w", "-t", "60", "start")
        yield pg
    finally:
        if (pg.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError):
                pg.ctl("-w", "-t", "30", "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize(
    ("mode", "down_for"),
    [pytest.param("fast", 0.0, id="restart-fast"), pytest.param("immediate", 3.0, id="down-3s")],
)
async def test_postgres_restarted_under_load_the_server_recovers_and_never_falsely_acknowledges(
    launch: Launch,
    private_postgres: PrivatePostgres,
    tmp_path: Path,
    mode: str,
    down_for: float,
) -> None:
    """PostgreSQL (a private one, over TCP) goes away mid-load: `pg_ctl restart -m fast`
    (a blip the writer's retries ride out), or `pg_ctl stop -m immediate` (a crash) for
    3 s, longer than the writer retries, then `start`. Charge points get errors
    (InternalError, refused handshakes) or waits, never an answer for something not
    stored; answers resume within seconds; the same server, not restarted, serves again."""
    pg = private_postgres
    server = await launch(pg.url)
    ack_log = tmp_path / "acks.jsonl"
    sim = asyncio.create_task(run(load(server, ack_log, duration=14, reconnect=True)))
    before = await answered_so_far(ack_log, 1500)
    started = time.monotonic()
    down = (datetime.now(UTC), datetime.now(UTC))
    if down_for:
        await asyncio.to_thread(pg.ctl, "-w", "-t", "60", "-m", mode, "stop")
        # PostgreSQL is down: from a moment after (answers of commits made before the
        # stop may still be on their way) until it starts again, nothing can be stored.
        down = (datetime.now(UTC) + timedelta(seconds=0.5), datetime.now(UTC))
        await asyncio.sleep(down_for)
        down = (down[0], datetime.now(UTC))
        await asyncio.to_thread(pg.ctl, "-w", "-t", "60", "start")
    else:
        await asyncio.to_thread(pg.ctl, "-w", "-t", "60", "-m", mode, "restart")
    outage = time.monotonic() - started
    print(f"\nPostgreSQL (-m {mode}) away for {outage:.1f}s after {before} answers")
    after = await answered_so_far(ack_log, before + 1500, timeout=30)
    print(f"{after} answers so far")
    summary = await finish(sim)
    silence = longest_silence(ack_log)
    print(f"no answers for {silence:.1f}s at most")

    answered_while_down = [
        entry
        for entry in read_ack_log(ack_log)
        if down[0] < datetime.fromisoformat(entry["answered_at"]) < down[1]
    ]
    print(f"answers while PostgreSQL was down: {len(answered_while_down)}")

    stored = read_store(pg.url)
    result = compare(ack_log, stored, refusals_allowed=True)
    assert_nothing_lost(f"PostgreSQL -m {mode}, away {outage:.1f}s", result, stored)
    assert not answered_while_down, (
        f"{len(answered_while_down)} answers while PostgreSQL was down (nothing could be "
        f"stored then); first: {answered_while_down[:3]}"
    )
    # Answers resume within seconds of PostgreSQL's return (the pool's backoff cost 10 s).
    assert silence < outage + MAX_RECOVERY, (
        f"no answers for {silence:.1f}s; PostgreSQL was away {outage:.1f}s"
    )
    assert server.process is not None
    assert server.process.poll() is None, "the server died (it must recover by itself)"
    assert server.health().get("status") == "ok"
    answer = await boots(server, "AFTER-PG-RESTART")
    assert answer[0] == 3, f"a new boot after the restart was not answered: {answer}"
    assert read_store(pg.url).calls[("AFTER-PG-RESTART", answer[1], "BootNotification")] == 1
    assert summary["answered"] > after


# -- 3. RabbitMQ restarted under load, relay inside `cs serve` ----------------------


@pytest.mark.rabbitmq
async def test_a_broker_restart_under_load_loses_no_frame_message(
    launch: Launch, database_url: str, amqp_url: str, tmp_path: Path
) -> None:
    """The relay of `cs serve` publishes while the broker app stops and starts again.
    Every frame in the store arrives on ocpp.msgs (message id `<originator_id>:<version>`)
    at least once; duplicates are allowed."""
    ack_log = tmp_path / "acks.jsonl"
    async with Collector(amqp_url, [("ocpp", "ocpp.msgs")], durable=True) as collector:
        server = await launch(database_url, CS_AMQP_URL=amqp_url)
        # An offered rate the relay (sharing two cores with all else) can follow.
        config = load(server, ack_log, duration=12, rate=600, reconnect=True)
        sim = asyncio.create_task(run(config))
        before = await answered_so_far(ack_log, 1500)
        async with rabbit.broker_app_stopped(amqp_url):
            print(f"\nstopped the broker app after {before} answers")
            await answered_so_far(ack_log, before + 500)
        print("broker app started again")
        summary = await finish(sim)
        stored = read_store(database_url)
        expected = stored.frame_ids
        started = time.monotonic()
        await collector.wait_for_ids(expected, timeout=60, what="every stored frame")
        ours = collector.of(expected)
        missing = expected - collector.ids()
        print(
            f"RabbitMQ restart: frames in the store {len(expected)}, delivered "
            f"{len(expected) - len(missing)} (messages {len(ours)}, duplicates "
            f"{rabbit.duplicates(ours)}), missing {len(missing)}; caught up in "
            f"{time.monotonic() - started:.1f}s after the load"
        )
    assert not missing, f"{len(missing)} of {len(expected)} frames never reached ocpp.msgs"
    assert_nothing_lost(
        "RabbitMQ restart", compare(ack_log, stored, refusals_allowed=False), stored
    )
    assert summary["answered"] > before
    health = server.health()
    assert health["relay"]["configured"] is True  # type: ignore[index]


# -- 4. Graceful shutdown (SIGTERM) under load --------------------------------------


async def test_sigterm_under_load_answers_or_refuses_every_message_and_stops_cleanly(
    launch: Launch, database_url: str, tmp_path: Path
) -> None:
    """SIGTERM mid-load: every message in flight is answered after its commit or not
    acknowledged; nothing is half-written (each stored CALL has its answer in the same
    connection), every connection's close is recorded, the exit code is 0."""
    server = await launch(database_url)
    ack_log = tmp_path / "acks.jsonl"
    sim = asyncio.create_task(run(load(server, ack_log, duration=20)))
    before = await answered_so_far(ack_log, 2000)
    started = time.monotonic()
    code = await asyncio.to_thread(server.stop, signal.SIGTERM, 30.0)
    print(
        f"\nSIGTERM after {before} answers: exit code {code} in {time.monotonic() - started:.1f}s"
    )
    summary = await finish(sim, timeout=30)

    stored = read_store(database_url)
    assert_nothing_lost("SIGTERM", compare(ack_log, stored, refusals_allowed=True), stored)
    assert code == 0, f"exit code {code}:\n{server.log()[-4000:]}"
    text = check_log(server)
    assert "cs: stopped" in text, f"no clean stop in the log:\n{text[-4000:]}"
    unclosed = set(stored.charge_box_of) - stored.closed
    assert not unclosed, f"{len(unclosed)} connections without their close recorded"
    assert summary["disconnects"] >= CHARGE_POINTS
