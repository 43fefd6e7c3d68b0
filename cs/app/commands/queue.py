"""The commands of one connection: a bounded queue, one outstanding CALL at a time.

OCPP-J 1.6 section 4.1.1 and OCPP 2.0.1 Part 4 section 4.1.1: a sender has at most one
CALL outstanding per connection. Commands wait their turn in a bounded queue; a worker
task sends them one by one, so a command never blocks the station's own messages
(which the connection's receive loop serves).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from cs.app.commands.job import CommandJob
from cs.app.errors import CommandQueueFull, StationNotConnected

log = logging.getLogger(__name__)


class CommandQueue:
    """The command queue of one connection and the task that works through it.

    Promises: at most `maxsize` commands wait or run at once (a place is reserved before
    the command is recorded, so a full queue refuses early); commands run in the order
    queued, one at a time; `drain` hands back every command not finished, to be aborted.
    """

    def __init__(self, run: Callable[[CommandJob], Awaitable[None]], *, maxsize: int) -> None:
        self._run = run
        self._maxsize = maxsize
        self._queue: deque[CommandJob] = deque()
        self._reserved = 0
        self._wakeup = asyncio.Event()
        self._current: CommandJob | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._queue) + (self._current is not None)

    def reserve(self) -> None:
        """Hold a place before the command is recorded."""
        if self._closed:
            raise StationNotConnected("the connection is closing")
        if len(self) + self._reserved >= self._maxsize:
            raise CommandQueueFull(f"{self._maxsize} commands already waiting for this charge box")
        self._reserved += 1

    def release(self) -> None:
        self._reserved = max(0, self._reserved - 1)

    def enqueue(self, job: CommandJob) -> None:
        """Queue a recorded command (after `reserve`)."""
        self.release()
        if self._closed:
            raise StationNotConnected("the connection closed")
        self._queue.append(job)
        self._wakeup.set()
        if self._task is None:
            self._task = asyncio.create_task(self._work())

    def drain(self) -> list[CommandJob]:
        """Stop the worker and hand back every job not finished (to abort them)."""
        self._closed = True
        jobs = list(self._queue)
        self._queue.clear()
        if self._current is not None:
            jobs.insert(0, self._current)
        if self._task is not None:
            self._task.cancel()
        return jobs

    async def wait_stopped(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _work(self) -> None:
        while not self._closed:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            job = self._queue.popleft()
            self._current = job
            try:
                await self._run(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # the job's outcome is recorded by whoever ends it
                log.exception("command %s failed to run", job.command_id)
            finally:
                self._current = None
                job.finish_if_final()
