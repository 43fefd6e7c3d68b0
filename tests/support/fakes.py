"""In-memory fakes of the ports, for the unit tier (cosmicpython's "fakes that implement
the real ports").

Each fake implements one port of `cs.app.ports` (or `cs.app.access.KeyChecker`,
`cs.adapters.ocppj.transport.Transport`) and keeps the promises of the real adapter that
tests rely on; its docstring names them. Where a fake could hide a bug, it does what the
real adapter does rather than something simpler: events are stored encoded by the real
mapper and transcoder, a version conflict fails the unit, loads see committed events
only and come on a later turn of the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent

from cs.adapters.eventstore import EventStore
from cs.adapters.ocppj.transport import RejectedFrameError, TransportClosedError
from cs.app.commands.calls import CommandRequest
from cs.app.commands.view import CommandView
from cs.app.errors import CommandError, StationNotConnected
from cs.app.ports import CommitFailedError, CommitUnit

INT32_MAX = 2**31 - 1
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

# The production mapper and transcoder, over eventsourcing's in-memory recorders.
IN_MEMORY = {
    "PERSISTENCE_MODULE": "eventsourcing.popo",
    "TRANSCODER_TOPIC": "cs.adapters.transcoder:OrjsonTranscoder",
}


# --- the event store ------------------------------------------------------------------


class EventLog:
    """The event store (`cs_events`, `cs_snapshots`) in memory.

    Like the PostgreSQL store: events are stored encoded by the production mapper and
    transcoder (an event that cannot be stored fails here too), in commit order, and
    (originator id, version) is unique, so a unit built on a stale aggregate fails with
    `IntegrityError`. Snapshots are kept apart, like `cs_snapshots`.
    """

    def __init__(self) -> None:
        self._store = EventStore(env=IN_MEMORY)

    @property
    def store(self) -> EventStore:
        """The event store application itself (the real writer can commit into it)."""
        return self._store

    def append(self, events: Sequence[Any]) -> tuple[list[int], list[str]]:
        """Store `events` at once or not at all: their positions in the log, and topics."""
        mapper = self._store.mapper
        stored = [mapper.to_stored_event(event) for event in events]
        positions = list(self._store.recorder.insert_events(stored) or ())
        return positions, [record.topic for record in stored]

    def put_snapshots(self, snapshots: Sequence[Any]) -> None:
        if self._store.snapshots is not None and snapshots:
            self._store.snapshots.put(snapshots)

    def rebuild(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate from its latest snapshot and the events after it (None: no events)."""
        records: list[StoredEvent] = []
        snapshots = self._store.snapshots
        if snapshots is not None:
            records += snapshots.recorder.select_events(aggregate_id, desc=True, limit=1)
        after = records[0].originator_version if records else None
        records += self._store.recorder.select_events(aggregate_id, gt=after)
        if not records:
            return None
        to_event = self._store.mapper.to_domain_event
        aggregate: object = project_aggregate(None, [to_event(r) for r in records])
        if not isinstance(aggregate, Aggregate):
            raise TypeError(f"{aggregate_id} is not an aggregate")
        return aggregate

    def topics(self, *prefixes: str) -> list[str]:
        """Every stored event's topic in commit order (those starting with `prefixes`)."""
        return [n.topic for n in self._notifications() if n.topic.startswith(prefixes or ("",))]

    def events(self, topic: str | None = None) -> list[Any]:
        """Stored events decoded again, in commit order (only `topic`'s when given)."""
        to_event = self._store.mapper.to_domain_event
        return [to_event(n) for n in self._notifications() if topic in (None, n.topic)]

    def at(self, positions: Sequence[int]) -> list[Any]:
        """The events stored at `positions` (1-based, as `append` returns them), decoded."""
        notifications = self._notifications()
        to_event = self._store.mapper.to_domain_event
        return [to_event(notifications[p - 1]) for p in positions]

    def snapshot_versions(self, aggregate_id: UUID) -> list[int]:
        snapshots = self._store.snapshots
        if snapshots is None:
            return []
        return [s.originator_version for s in snapshots.recorder.select_events(aggregate_id)]

    def __len__(self) -> int:
        return self._store.recorder.max_notification_id() or 0

    def _notifications(self) -> Sequence[Any]:
        return self._store.recorder.select_notifications(start=1, limit=1_000_000)


@dataclass(frozen=True)
class CommittedUnit:
    """One unit as committed: its events' topics and positions in the log, in order."""

    topics: list[str]
    positions: list[int]


class FakeWriter:
    """`EventWriter` on the event loop, committing into an `EventLog`.

    Keeps `GroupCommitWriter`'s promises: `submit` returns a future that completes (on a
    later turn of the loop) only after every event of the unit is stored; units are
    committed in submission order; a unit is all or nothing. A unit that fails (told by
    `fail_next`, or a version conflict) fails with `CommitFailedError` and poisons its
    handles, and so does every later unit that carries a poisoned handle. Handles are
    pinned while their unit is in flight. Snapshots are stored after their unit;
    failing to store one loses only the snapshot. `hold` keeps units in flight (a
    store that stalls) until `release`.
    """

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.units: list[CommittedUnit] = []
        self.failed_units = 0
        self._queue: deque[tuple[CommitUnit, asyncio.Future[None]]] = deque()
        self._failures: deque[tuple[str, Callable[[list[str]], bool] | None]] = deque()
        self._held = False
        self._scheduled = False
        self._running = True

    def submit(self, unit: CommitUnit) -> asyncio.Future[None]:
        if not self._running:
            raise CommitFailedError("the writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        for handle in unit.handles:
            handle.pins += 1
        self._queue.append((unit, future))
        self._schedule(loop)
        return future

    def fail_next(
        self,
        count: int = 1,
        reason: str = "event store unavailable (fake)",
        *,
        where: Callable[[list[str]], bool] | None = None,
    ) -> None:
        """The next `count` units to be committed fail, as if the store refused them;
        with `where`, only units whose event topics it accepts (others commit)."""
        self._failures.extend([(reason, where)] * count)

    def hold(self) -> None:
        """Keep submitted units in flight (uncommitted) until `release`."""
        self._held = True

    def release(self) -> None:
        self._held = False
        self._schedule(asyncio.get_running_loop())

    def stop(self) -> None:
        """Like a closed writer: `submit` refuses every later unit."""
        self._running = False

    @property
    def in_flight(self) -> int:
        return len(self._queue)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled and not self._held:
            self._scheduled = True
            loop.call_soon(self._commit_queued)

    def _commit_queued(self) -> None:
        self._scheduled = False
        while self._queue and not self._held:
            unit, future = self._queue.popleft()
            error = self._commit(unit)
            for handle in unit.handles:
                handle.pins -= 1
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

    def _commit(self, unit: CommitUnit) -> CommitFailedError | None:
        if any(handle.poisoned for handle in unit.handles):
            return self._fail(unit, "an earlier unit it depends on failed")
        if self._failures:
            reason, where = self._failures[0]
            if where is None or where([_topic(event) for event in unit.events]):
                self._failures.popleft()
                return self._fail(unit, reason)
        try:
            positions, topics = self.log.append(unit.events)
        except IntegrityError:
            return self._fail(unit, "conflicting write (stale aggregate)")
        self.units.append(CommittedUnit(topics, positions))
        with contextlib.suppress(IntegrityError):  # a snapshot is a cache, as in the writer
            self.log.put_snapshots(unit.snapshots)
        return None

    def _fail(self, unit: CommitUnit, reason: str) -> CommitFailedError:
        for handle in unit.handles:
            handle.poisoned = True
        self.failed_units += 1
        return CommitFailedError(reason)


def _topic(event: Any) -> str:
    return str(getattr(type(event), "TOPIC", type(event).__qualname__))


class FakeLoader:
    """`AggregateLoader` over an `EventLog`, like `StoreLoader`.

    Asking is synchronous and returns a future; the aggregate is rebuilt on a later turn
    of the loop from what is committed by then (latest snapshot plus later events), as
    a fresh object: never the live one of a handle. `loads` lists the ids asked for.
    """

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.loads: list[UUID] = []

    def load(self, aggregate_id: UUID) -> asyncio.Future[Aggregate | None]:
        self.loads.append(aggregate_id)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Aggregate | None] = loop.create_future()
        loop.call_soon(self._resolve, future, aggregate_id)
        return future

    def _resolve(self, future: asyncio.Future[Aggregate | None], aggregate_id: UUID) -> None:
        if future.done():
            return
        try:
            future.set_result(self.log.rebuild(aggregate_id))
        except Exception as error:
            future.set_exception(error)


# --- time and ids ---------------------------------------------------------------------


class FakeClock:
    """`Clock`: aware UTC time that moves only when a test says so."""

    def __init__(self, at: datetime = START) -> None:
        self._now = _utc(at)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _utc(at)

    def advance(self, **delta: float) -> datetime:
        """Move on by a `timedelta(**delta)` (never backwards); the new time."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("a clock does not go backwards here")
        self._now += step
        return self._now


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at!r} is naive: the clock gives aware UTC times only")
    return at.astimezone(UTC)


class IdSequence:
    """`TransactionIds` / `ReservationIds`: positive 32-bit ids, each handed out once.

    `issued` lists them in order; a sequence that runs out raises, like a PostgreSQL
    sequence declared NO CYCLE.
    """

    def __init__(self, start: int = 1) -> None:
        if not 0 < start <= INT32_MAX:
            raise ValueError("ids are positive 32-bit integers")
        self._next = start
        self.issued: list[int] = []

    async def next(self) -> int:
        if self._next > INT32_MAX:
            raise RuntimeError("the id sequence is exhausted (NO CYCLE)")
        value = self._next
        self._next += 1
        self.issued.append(value)
        return value


# --- read models the use cases ask ----------------------------------------------------


@dataclass
class _ListEntry:
    tenant_id: str
    id_tag: str
    registered: bool
    status: str | None
    expiry_date: datetime | None
    parent_id_tag: str | None
    changed_at: datetime


class FakeLocalLists:
    """`LocalListSource`: the token registry as local lists need it.

    Like the read model: `since` None gives every registered tag of the tenant; a time
    gives the tags changed after it, removed ones with `registered` false. `asked`
    lists the (tenant, since) of every call.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _ListEntry] = {}
        self.asked: list[tuple[str, datetime | None]] = []

    def put(
        self,
        tenant_id: str,
        id_tag: str,
        status: str,
        *,
        at: datetime,
        expiry_date: datetime | None = None,
        parent_id_tag: str | None = None,
    ) -> None:
        self._entries[(tenant_id, id_tag)] = _ListEntry(
            tenant_id, id_tag, True, status, expiry_date, parent_id_tag, at
        )

    def remove(self, tenant_id: str, id_tag: str, *, at: datetime) -> None:
        self._entries[(tenant_id, id_tag)] = _ListEntry(
            tenant_id, id_tag, False, None, None, None, at
        )

    async def local_list_entries(
        self, tenant_id: str, since: datetime | None
    ) -> list[dict[str, Any]]:
        self.asked.append((tenant_id, since))
        return [
            {
                "id_tag": e.id_tag,
                "registered": e.registered,
                "status": e.status,
                "expiry_date": e.expiry_date,
                "parent_id_tag": e.parent_id_tag,
            }
            for e in self._entries.values()
            if e.tenant_id == tenant_id
            and (e.registered if since is None else e.changed_at > since)
        ]


class FakeDirectory:
    """`ConnectionDirectory`: which node holds a station's connection (None: none)."""

    def __init__(self) -> None:
        self.holders: dict[tuple[str, str], str] = {}

    def hold(self, tenant_id: str, charge_box_id: str, node: str) -> None:
        self.holders[(tenant_id, charge_box_id)] = node

    async def node_holding(self, tenant_id: str, charge_box_id: str) -> str | None:
        return self.holders.get((tenant_id, charge_box_id))


def fake_hash(key: str) -> str:
    """The stored form `FakeKeys` accepts for `key` (the real one is a salted scrypt)."""
    return f"fake${key}"


class FakeKeys:
    """`KeyChecker`: `key` matches `stored` when `stored == fake_hash(key)`; awaited,
    like the real verifier (which runs off the event loop)."""

    async def verify(self, key: str, stored: str) -> bool:
        await asyncio.sleep(0)
        return stored == fake_hash(key)


@dataclass
class FakeRouter:
    """`CommandRouter`: forwards to another node by returning `result` or raising `error`.

    Neither set: that node is gone (`StationNotConnected`), as the port says.
    `forwarded` lists (node, request, wait, reply_within) of every call.
    """

    node: str
    result: CommandView | None = None
    error: CommandError | None = None
    forwarded: list[tuple[str, CommandRequest, bool, float]] = field(default_factory=list)

    async def forward(
        self, node: str, request: CommandRequest, *, wait: bool, reply_within: float
    ) -> CommandView:
        self.forwarded.append((node, request, wait, reply_within))
        if self.error is not None:
            raise self.error
        if self.result is None:
            raise StationNotConnected(f"node {node} is gone")
        return self.result


# --- the socket -----------------------------------------------------------------------


class FakeTransport:
    """`Transport`: the station's side of a websocket, driven by the test.

    Like `WebSocketTransport`: `recv` returns the frames pushed, in order, then raises
    `TransportClosedError` once the station closed (`RejectedFrameError` for a frame
    pushed as rejected); `send` on a closed socket raises `ConnectionResetError`, as
    aiohttp does; `backlogged` says whether another frame already waits. `on_send`, if
    set, sees every frame sent, as it is sent (a station answering our CALLs).
    """

    def __init__(self) -> None:
        self._inbox: asyncio.Queue[str | BaseException] = asyncio.Queue()
        self.sent: list[str] = []
        self.closed = False
        self._broken = False
        self.on_send: Callable[[str], None] | None = None
        self._changed = asyncio.Event()

    def push(self, frame: str) -> None:
        self._inbox.put_nowait(frame)

    def push_rejected(self, kind: str = "binary", size: int | None = 8) -> None:
        close_code = 1003 if kind == "binary" else 1009
        self._inbox.put_nowait(RejectedFrameError(kind, size, close_code, "00ff"))

    def close(self, code: int | None = 1000) -> None:
        """The station closes the socket (after the frames it already pushed)."""
        self._inbox.put_nowait(TransportClosedError(code, "closed by the charge point"))

    def break_sends(self) -> None:
        """The socket breaks under us: sends fail from now on (recv notices only once
        the test pushes the close), like a peer gone while we were committing."""
        self._broken = True

    async def recv(self) -> str:
        item = await self._inbox.get()
        if isinstance(item, TransportClosedError):
            self.closed = True
        if isinstance(item, BaseException):
            raise item
        return item

    async def send(self, text: str) -> None:
        if self.closed or self._broken:
            raise ConnectionResetError("Cannot write to closing transport")
        self.sent.append(text)
        self._changed.set()
        if self.on_send is not None:
            self.on_send(text)

    def backlogged(self) -> bool:
        return not self._inbox.empty()

    async def sent_frame(
        self, matches: Callable[[list[Any]], bool], *, after: int = 0, timeout: float = 2.0
    ) -> list[Any]:
        """The first frame sent from index `after` on that `matches` (parsed), waiting for it."""
        found: list[list[Any]] = []

        def sent() -> bool:
            found.extend(f for f in map(json.loads, self.sent[after:]) if matches(f))
            return bool(found)

        await self.until(sent, timeout=timeout, what="a matching frame sent")
        return found[0]

    async def until(
        self, condition: Callable[[], bool], *, timeout: float = 2.0, what: str = "condition"
    ) -> None:
        """Wait until `condition()` holds, checking after each frame sent; fail at the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{what}: not within {timeout}s; sent: {self.sent}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
