"""Child processes of `cs serve` (`cs project`, `cs relay`): started, restarted, and stopped
with their parent, even when the parent is killed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

PARENT_PID = "CS_PARENT_PID"  # set by ChildProcess for its child: the supervisor's pid


class ChildProcess:
    """Runs `python -m cs <command>` and restarts it if it dies, until stopped.

    The child gets `PARENT_PID`, so it can stop by itself when this process is gone
    (`ParentWatch`).
    """

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self._command = command
        self._env = env
        self._process: asyncio.subprocess.Process | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        self._supervisor = asyncio.create_task(self._supervise())

    async def stop(self, grace: float = 15.0) -> None:
        self._stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                log.warning("cs %s did not stop in %ss; killing it", self._command, grace)
                process.kill()
                await process.wait()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor

    def _stopped(self) -> bool:
        return self._stopping

    async def _supervise(self) -> None:
        while not self._stopped():
            env = {**os.environ, **self._env, PARENT_PID: str(os.getpid())}
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cs", self._command, env=env
            )
            code = await self._process.wait()
            if self._stopped():
                return
            log.error("cs %s exited with %s; restarting it in 1s", self._command, code)
            await asyncio.sleep(1.0)


def parent_pid(environ: Mapping[str, str] = os.environ) -> int | None:
    """The supervising process's pid when this process is a `ChildProcess`, else None."""
    value = environ.get(PARENT_PID)
    return int(value) if value else None


class ParentWatch:
    """Stops a child of `cs serve` once its parent is gone, even after a SIGKILL.

    A child whose parent dies is re-parented, so `os.getppid()` stops being the parent's
    pid: that is checked every `interval` seconds on a daemon thread. Promises: `stop`
    (which must be thread-safe) is called at most once, from that thread, within about
    `interval` of the parent's death; never after `cancel()`.
    """

    def __init__(
        self, parent: int, stop: Callable[[], None], *, what: str, interval: float = 0.5
    ) -> None:
        self._parent = parent
        self._stop = stop
        self._what = what  # for the log line, e.g. "the relay"
        self._interval = interval
        self._cancelled = threading.Event()

    def start(self) -> ParentWatch:
        threading.Thread(target=self._watch, name="cs-parent-watch", daemon=True).start()
        return self

    def cancel(self) -> None:
        self._cancelled.set()

    def _watch(self) -> None:
        while os.getppid() == self._parent:
            if self._cancelled.wait(self._interval):
                return
        if not self._cancelled.is_set():
            log.warning("parent process %s is gone; stopping %s", self._parent, self._what)
            self._stop()
