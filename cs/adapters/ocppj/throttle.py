"""Per-connection message rate: a flooding charge box is slowed down, then disconnected."""

from __future__ import annotations

import time
from collections.abc import Callable

from cs.app.ratelimit import TokenBucket


class FloodError(Exception):
    """The charge box kept sending faster than its rate for too long (close code 1008)."""

    close_code = 1008  # RFC 6455: policy violation


class MessageRate:
    """A token bucket for the frames of one connection.

    Each frame takes a token; tokens come back at `rate` per second up to `burst`. A
    frame that finds none waits until one is due (the socket is not read meanwhile, so
    TCP flow control slows the sender, and no frame is dropped). A charge box that sends
    one CALL at a time and waits for each answer (OCPP-J 1.6 §4.1.1) is never slowed
    below `rate`, and above it only paced: waiting for our answers, it cannot send
    faster than we answer, however long it takes to empty its offline queue. A
    connection that had to wait for every frame for `flood_seconds` while more of its
    frames were already queued behind (it does not wait for answers) is flooding:
    `FloodError`.
    """

    __slots__ = ("_bucket", "_clock", "_flood_seconds", "_since")

    def __init__(
        self,
        rate: float,
        burst: int,
        flood_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bucket = TokenBucket(rate, burst, clock())
        self._flood_seconds = flood_seconds
        self._clock = clock
        self._since: float | None = None  # throttled without a break since

    def wait(self, backlogged: bool = True) -> float:
        """Seconds to wait before serving the frame that just arrived (0: at once).

        `backlogged`: whether more frames of the box arrived behind this one. Without a
        backlog a throttled box is only paced, never counted as flooding.
        """
        now = self._clock()
        # Every frame is served, so it takes its token even from an empty bucket: the
        # debt is the wait, and a sender that keeps coming back at once stays in debt.
        wait = self._bucket.borrow(now)
        if wait == 0 or not backlogged:
            self._since = None
            return wait
        if self._since is None:
            self._since = now
        elif now - self._since > self._flood_seconds:
            rate = self._bucket.rate
            raise FloodError(f"more than {rate:g} messages/s for {self._flood_seconds:g} s")
        return wait
