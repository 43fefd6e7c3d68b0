"""When each simulated charge point may send, and when the run is over."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass


@dataclass
class Budget:
    """Shared stop conditions: a deadline and a message count, whichever comes first."""

    deadline: float
    max_messages: int | None
    sent: int = 0
    stopped: bool = False

    def take(self) -> bool:
        """Reserve one message; False when the run is over."""
        if self.stopped or time.monotonic() >= self.deadline:
            self.stopped = True
            return False
        if self.max_messages is not None and self.sent >= self.max_messages:
            self.stopped = True
            return False
        self.sent += 1
        return True


class Pace:
    """Per charge point: either as fast as answers come (rate None) or on a fixed schedule.

    `next()` returns the intended send time (perf_counter) once it has come, or None
    when the run is over.
    """

    def __init__(self, budget: Budget, interval: float | None, rng: random.Random) -> None:
        self._budget = budget
        self._interval = interval
        self._next = time.perf_counter() + (rng.uniform(0, interval) if interval else 0.0)

    async def next(self) -> float | None:
        if self._interval is None:
            return time.perf_counter() if self._budget.take() else None
        delay = self._next - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not self._budget.take():
            return None
        intended = self._next
        self._next += self._interval
        return intended

    async def idle(self, seconds: float) -> bool:
        """Wait (a heartbeat interval, say); False if the run ends first."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self._budget.stopped or time.monotonic() >= self._budget.deadline:
                return False
            await asyncio.sleep(min(1.0, end - time.monotonic()))
        return True
