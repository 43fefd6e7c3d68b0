"""Commands to one charge box: a bounded queue, one outstanding CALL at a time.

OCPP-J 1.6 section 4.1.1: a sender has at most one CALL outstanding per connection.
Commands wait their turn in a bounded queue; a worker task sends them one by one, so a
command never blocks the charge box's own messages (which the receive loop serves).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cs.app.handles import Handle
from cs.domain.command import Command

log = logging.getLogger(__name__)


class QueueFullError(Exception):
    """The charge box's command queue is full; try again later."""


class NotConnectedError(Exception):
    """The charge box has no live connection on this node."""


@dataclass
class CommandJob:
    """A recorded command waiting to be sent; `done` completes when it reaches a final state."""

    command: Handle[Command]
    done: asyncio.Future[Command] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(self.command.aggregate)


class CommandRunner:
    """The command queue of one connection and the task that works through it."""

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
        """Hold a place before the command is recorded, so a full queue refuses early."""
        if self._closed:
            raise NotConnectedError("the connection is closing")
        if len(self) + self._reserved >= self._maxsize:
            raise QueueFullError(f"{self._maxsize} commands already waiting for this charge box")
        self._reserved += 1

    def release(self) -> None:
        self._reserved = max(0, self._reserved - 1)

    def enqueue(self, job: CommandJob) -> None:
        """Queue a recorded command (after `reserve`)."""
        self.release()
        if self._closed:
            raise NotConnectedError("the connection closed")
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
                log.exception("command %s failed to run", job.command.aggregate.id)
            finally:
                self._current = None
                if job.command.aggregate.finished:
                    job.finish()


def describe(command: Command) -> dict[str, Any]:
    """The REST view of a command's outcome."""
    return {
        "command_id": str(command.id),
        "status": command.status,
        "operation": command.operation,
        "action": command.action,
        "msg_id": command.unique_id,
    }
