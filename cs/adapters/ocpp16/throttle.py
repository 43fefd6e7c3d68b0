"""Per-connection message rate: a flooding charge box is slowed down, then disconnected."""

from __future__ import annotations

import time
from collections.abc import Callable


class FloodError(Exception):
    """The charge box kept sending faster than its rate for too long (close code 1008)."""

    close_code = 1008  # RFC 6455: policy violation


class MessageRate:
    """A token bucket for the frames of one connection.

    Each frame takes a token; tokens come back at `rate` per second up to `burst`. A
    frame that finds none waits until one is due (the socket is not read meanwhile, so
    TCP flow control slows the sender, and no frame is dropped). A connection that has
    had to wait for every frame for `flood_seconds` is flooding: `FloodError`. A charge
    box that sends one CALL at a time and waits for each answer (OCPP-J 1.6 §4.1.1) at
    up to `rate` messages/s is never slowed down.
    """

    __slots__ = ("_burst", "_clock", "_flood_seconds", "_last", "_rate", "_since", "_tokens")

    def __init__(
        self,
        rate: float,
        burst: int,
        flood_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._flood_seconds = flood_seconds
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._since: float | None = None  # throttled without a break since

    def wait(self) -> float:
        """Seconds to wait before serving the frame that just arrived (0: at once)."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate) - 1.0
        self._last = now
        if self._tokens >= 0:
            self._since = None
            return 0.0
        if self._since is None:
            self._since = now
        elif now - self._since > self._flood_seconds:
            raise FloodError(f"more than {self._rate:g} messages/s for {self._flood_seconds:g} s")
        return -self._tokens / self._rate
