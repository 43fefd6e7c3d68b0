"""Group commit: one writer thread saves the units of many connections per transaction.

Every append to the eventsourcing store takes a table lock, so transactions, not
events, are the scarce resource (~500/s here). The writer drains whatever units are
queued, commits them in one transaction, releases all their waiters, and repeats: under
load batches grow by themselves and the cost of a commit is shared.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

from cs.adapters.eventstore import EventStore
from cs.app.ports import CommitFailedError, CommitUnit

log = logging.getLogger(__name__)


@dataclass
class WriterStats:
    """Counters for the benchmark and the status endpoint."""

    commits: int = 0
    units: int = 0
    events: int = 0
    failed_units: int = 0
    commit_seconds: float = 0.0
    last_notification_id: int = 0
    # (last notification id, wall time) of recent commits: how far behind a reader is.
    recent: deque[tuple[int, float]] = field(default_factory=lambda: deque(maxlen=50_000))

    def seconds_behind(self, position: int, now: float) -> float:
        """How long ago the first event after `position` was committed (0 if none)."""
        recent = self.recent
        if not recent or position >= recent[-1][0]:
            return 0.0
        index = bisect.bisect_right(recent, position, key=lambda item: item[0])
        committed_at = recent[index][1] if index < len(recent) else recent[-1][1]
        return max(0.0, now - committed_at)


class _Job:
    __slots__ = ("future", "unit")

    def __init__(self, unit: CommitUnit, future: asyncio.Future[None]) -> None:
        self.unit = unit
        self.future = future


class GroupCommitWriter:
    """Commits submitted units in order, many per transaction, on one thread.

    Promises: a unit's future completes only after all its events are committed; units
    are committed in submission order; a unit is all or nothing. A unit that cannot be
    committed fails with `CommitFailedError` and poisons its handles, and so does every
    later unit that carries a poisoned handle (it was built on state that is now lost).
    """

    def __init__(
        self,
        store: EventStore,
        *,
        max_batch_events: int = 5000,
        max_queued_units: int = 50_000,
        on_commit: Sequence[Callable[[int], None]] = (),
    ) -> None:
        self._store = store
        self._max_batch_events = max_batch_events
        self._max_queued_units = max_queued_units
        self._on_commit = list(on_commit)
        self._queue: deque[_Job] = deque()
        self._wakeup = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="cs-writer", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stats = WriterStats()

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call `listener(last_notification_id)` on the writer thread after each commit."""
        self._on_commit.append(listener)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread.start()

    def submit(self, unit: CommitUnit) -> asyncio.Future[None]:
        """Queue a unit (event loop thread only); await the result to know it is durable."""
        if self._loop is None or self._stopping:
            raise CommitFailedError("the writer is not running")
        if len(self._queue) >= self._max_queued_units:
            # Bounded: when PostgreSQL stalls, waiting work must not grow without limit.
            # The unit's changes are already in memory: poison them like a failed commit.
            for handle in unit.handles:
                handle.poisoned = True
            self.stats.failed_units += 1
            raise CommitFailedError(
                f"{len(self._queue)} units wait for the store already: it is not keeping up"
            )
        future = self._loop.create_future()
        for handle in unit.handles:
            handle.pins += 1
        self._queue.append(_Job(unit, future))
        self._wakeup.set()
        return future

    def close(self, timeout: float = 30.0) -> None:
        """Commit everything queued, then stop the thread."""
        self._stopping = True
        self._wakeup.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def queued(self) -> int:
        return len(self._queue)

    def _run(self) -> None:
        while True:
            self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                self._commit(self._take_batch())
            if self._stopping and not self._queue:
                return

    def _take_batch(self) -> list[_Job]:
        batch: list[_Job] = []
        size = 0
        while self._queue and (not batch or size < self._max_batch_events):
            job = self._queue.popleft()
            batch.append(job)
            size += len(job.unit.events)
        return batch

    def _commit(self, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, BaseException | None]] = []
        ready: list[_Job] = []
        for job in batch:
            if _is_poisoned(job):
                outcomes.append((job, self._fail(job, "an earlier unit it depends on failed")))
            else:
                ready.append(job)
        if ready:
            outcomes.extend(self._insert(ready))
        self._settle(outcomes)

    def _insert(self, jobs: list[_Job]) -> list[tuple[_Job, BaseException | None]]:
        events = [event for job in jobs for event in job.unit.events]
        started = time.perf_counter()
        try:
            notification_ids = self._write(events)
        except IntegrityError:
            if len(jobs) == 1:
                return [(jobs[0], self._fail(jobs[0], "conflicting write (stale aggregate)"))]
            return self._insert_one_by_one(jobs)
        except Exception as error:
            log.error("commit of %d units failed: %s", len(jobs), error)
            return [(job, self._fail(job, f"event store unavailable: {error}")) for job in jobs]
        self._account(jobs, len(events), time.perf_counter() - started, notification_ids)
        self._write_snapshots(jobs)
        return [(job, None) for job in jobs]

    def _insert_one_by_one(self, jobs: list[_Job]) -> list[tuple[_Job, BaseException | None]]:
        """Isolate the unit that conflicts, keeping order and dependencies."""
        outcomes: list[tuple[_Job, BaseException | None]] = []
        for job in jobs:
            if _is_poisoned(job):
                outcomes.append((job, self._fail(job, "an earlier unit it depends on failed")))
            else:
                outcomes.extend(self._insert([job]))
        return outcomes

    def _write(self, events: list[Any]) -> Sequence[int]:
        mapper = self._store.mapper
        stored = [mapper.to_stored_event(event) for event in events]
        notification_ids = self._store.recorder.insert_events(stored)
        return notification_ids or ()

    def _account(
        self, jobs: list[_Job], events: int, seconds: float, notification_ids: Sequence[int]
    ) -> None:
        stats = self.stats
        stats.commits += 1
        stats.units += len(jobs)
        stats.events += events
        stats.commit_seconds += seconds
        if notification_ids:
            stats.last_notification_id = max(stats.last_notification_id, notification_ids[-1])
            stats.recent.append((stats.last_notification_id, time.time()))
            for listener in self._on_commit:
                listener(stats.last_notification_id)

    def _write_snapshots(self, jobs: list[_Job]) -> None:
        snapshots = [snapshot for job in jobs for snapshot in job.unit.snapshots]
        if not snapshots or self._store.snapshots is None:
            return
        try:
            self._store.snapshots.put(snapshots)
        except Exception as error:  # a snapshot is a cache: losing one costs a longer load
            log.warning("could not store %d snapshots: %s", len(snapshots), error)

    def _fail(self, job: _Job, reason: str) -> CommitFailedError:
        for handle in job.unit.handles:
            handle.poisoned = True
        self.stats.failed_units += 1
        return CommitFailedError(reason)

    def _settle(self, outcomes: list[tuple[_Job, BaseException | None]]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(_resolve, outcomes)


def _is_poisoned(job: _Job) -> bool:
    return any(handle.poisoned for handle in job.unit.handles)


def _resolve(outcomes: list[tuple[_Job, BaseException | None]]) -> None:
    for job, error in outcomes:
        for handle in job.unit.handles:
            handle.pins -= 1
        if job.future.done():
            continue
        if error is None:
            job.future.set_result(None)
        else:
            job.future.set_exception(error)
