"""Token buckets: the one refill arithmetic every rate limit of the system uses.

Users: the REST rate per API key (`TokenBuckets`, refuses), the frames of one charge box
connection (`cs.adapters.ocppj.throttle.MessageRate`, waits, may run a debt) and the
failed authentications per address (`cs.app.penalties.Fade`). It lives in `cs.app` so
that the use cases, the adapters and the REST layer may all import it.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens a second come back, at most `burst` banked; starts full.

    Promises: a rate of 0 or less means no limit (always full, taking costs nothing);
    `wait` and `tokens` only look; `take` never leaves less than 0 tokens; `borrow`
    always takes, so tokens may go below 0 (a debt paid back at `rate`).
    """

    __slots__ = ("_at", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._tokens = self.burst
        self._at = now

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    def tokens(self, now: float) -> float:
        """The tokens there are at `now` (negative while in debt)."""
        if self.unlimited:
            return self.burst
        return min(self.burst, self._tokens + (now - self._at) * self.rate)

    def wait(self, now: float, tokens: float = 1.0) -> float:
        """Seconds from `now` until `tokens` are there (0: they are)."""
        missing = tokens - self.tokens(now)
        return missing / self.rate if missing > 0 and not self.unlimited else 0.0

    def take(self, now: float) -> float:
        """Take a token: 0 when taken, else the seconds until one is there (none taken)."""
        wait = self.wait(now)
        if wait == 0 and not self.unlimited:
            self._settle(now, -1.0)
        return wait

    def borrow(self, now: float) -> float:
        """Take a token, in debt if need be: the seconds until the debt is paid (0: none)."""
        if self.unlimited:
            return 0.0
        self._settle(now, -1.0)
        return max(0.0, -self._tokens / self.rate)

    def _settle(self, now: float, change: float) -> None:
        self._tokens = self.tokens(now) + change
        self._at = now


class TokenBuckets:
    """One `TokenBucket` per name, all with the same rate and burst.

    Memory is bounded: past `max_names` names, full buckets (which carry no state) are
    dropped, then the oldest ones.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_names: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._max_names = max_names
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def wait(self, name: str) -> float:
        """Seconds until `name` has a token (0: it has one now); takes nothing."""
        now = self._clock()
        return self._bucket(name, now).wait(now)

    def take(self, name: str) -> float:
        """Take a token: 0 when taken, else the seconds until one is there (none taken)."""
        now = self._clock()
        bucket = self._bucket(name, now)
        wait = bucket.take(now)
        if wait == 0 and not bucket.unlimited:
            self._buckets.pop(name, None)  # re-inserted last: dict order is age order
            self._buckets[name] = bucket
            if len(self._buckets) > self._max_names:
                self._prune(now)
        return wait

    def _bucket(self, name: str, now: float) -> TokenBucket:
        return self._buckets.get(name) or TokenBucket(self.rate, self.burst, now)

    def _prune(self, now: float) -> None:
        full = [name for name, bucket in self._buckets.items() if bucket.tokens(now) >= self.burst]
        for name in full:
            del self._buckets[name]
        excess = len(self._buckets) - self._max_names // 2
        for name in list(self._buckets)[: max(0, excess)]:
            del self._buckets[name]
