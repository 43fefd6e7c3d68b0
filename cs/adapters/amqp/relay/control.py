"""Stopping and waking the relay's loop from any thread."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class LoopControl:
    """The relay's two signals, stop and wake, settable from any thread.

    Promises: `stop()` and `wake()` may be called from any thread (the writer's, the
    leadership's, a signal handler, the parent watch) before or while the loop runs;
    `wait_for_events` returns at the first wake since the last wait, or after its
    timeout; `sleep` returns early only when stopping. Bind it to the running loop
    with `bind()` before waiting.
    """

    def __init__(self) -> None:
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self) -> None:
        """Signals set from other threads go through the running loop from now on."""
        self._loop = asyncio.get_running_loop()

    def stop(self) -> None:
        self._soon(self._stopping.set)
        self._soon(self._wakeup.set)

    def wake(self) -> None:
        self._soon(self._wakeup.set)

    @property
    def is_stopping(self) -> bool:
        return self._stopping.is_set()

    async def stopped(self) -> None:
        await self._stopping.wait()

    async def wait_for_events(self, seconds: float) -> None:
        """Wait for a wake-up (NOTIFY, `wake()`, a change of leader), at most `seconds`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        self._wakeup.clear()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but return at once when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _soon(self, action: Callable[[], None]) -> None:
        # asyncio events are not thread-safe: from another thread, set them on the loop.
        loop = self._loop
        if loop is None or _running_loop() is loop:
            action()
            return
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nothing to do
            loop.call_soon_threadsafe(action)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
