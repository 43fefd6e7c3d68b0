"""A supervised child process (the projection runner of `cs serve`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

log = logging.getLogger(__name__)


class ChildProcess:
    """Runs `python -m cs <command>` and restarts it if it dies, until stopped."""

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
            env = {**os.environ, **self._env, "CS_PARENT_PID": str(os.getpid())}
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cs", self._command, env=env
            )
            code = await self._process.wait()
            if self._stopped():
                return
            log.error("cs %s exited with %s; restarting it in 1s", self._command, code)
            await asyncio.sleep(1.0)
