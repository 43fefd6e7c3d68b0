"""Failed attempts per remote address, and the penalties they earn: a delay, then refusal.

One mechanism for every door a stranger may knock at: websocket handshakes
(`cs.app.access.AddressPenalties`: delayed, then refused for the window) and REST
authentications (`cs.http.auth`: refused with 429 once the burst is spent). What differs
is how failures are forgotten (`Window` or `Fade`) and where the penalties start
(`PenaltyRules`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cs.app.ratelimit import TokenBucket


class Memory(Protocol):
    """The failures of one address, as they are remembered at a given time."""

    def count(self, now: float) -> float:
        """How many failures still count (0: all forgotten)."""
        ...

    def add(self, now: float) -> None:
        """One more failure."""
        ...

    def below_in(self, count: float, now: float) -> float:
        """Seconds until fewer than `count` failures count (0: already)."""
        ...


class _WindowMemory:
    """Failures as their times, oldest first; those older than `seconds` are dropped."""

    __slots__ = ("_failures", "_seconds")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._failures: deque[float] = deque()

    def count(self, now: float) -> float:
        horizon = now - self._seconds
        while self._failures and self._failures[0] < horizon:
            self._failures.popleft()
        return len(self._failures)

    def add(self, now: float) -> None:
        self._failures.append(now)

    def below_in(self, count: float, now: float) -> float:
        excess = int(self.count(now) - count)
        if excess < 0:
            return 0.0
        return self._failures[excess] + self._seconds - now


@dataclass(frozen=True)
class Window:
    """Each failure counts for `seconds`, then is forgotten: a sliding window of failures."""

    seconds: float

    def memory(self, now: float, limit: int) -> Memory:
        return _WindowMemory(self.seconds)


class _FadingMemory:
    """Failures as the tokens missing from a bucket of `limit` that refills at `rate`."""

    __slots__ = ("_bucket",)

    def __init__(self, rate: float, limit: int, now: float) -> None:
        self._bucket = TokenBucket(rate, limit, now)

    def count(self, now: float) -> float:
        return self._bucket.burst - self._bucket.tokens(now)

    def add(self, now: float) -> None:
        self._bucket.take(now)  # an empty bucket takes no more: the count stops at `limit`

    def below_in(self, count: float, now: float) -> float:
        return self._bucket.wait(now, self._bucket.burst - count + 1)


@dataclass(frozen=True)
class Fade:
    """Failures fade at `rate` a second, at most the blocking count counted: a token bucket.

    A rate of 0 or less means no limit: nothing is ever counted.
    """

    rate: float

    def memory(self, now: float, limit: int) -> Memory:
        return _FadingMemory(self.rate, limit, now)


@dataclass(frozen=True)
class PenaltyRules:
    """When failures from one address start to cost it, and how they are forgotten.

    From `delay_after` failures on (None: never), each attempt waits 0.25 s, doubling
    per further failure, up to `max_delay`; from `block_after` on it is refused.
    """

    forget: Window | Fade
    block_after: int
    delay_after: int | None = None
    max_delay: float = 10.0
    max_addresses: int = 100_000  # bounded memory: the oldest addresses go first


class FailedAttempts:
    """Failed attempts per remote address: slower answers, then refusal on sight.

    Promises: a success never clears the record (an attacker could interleave), only
    time does, as `rules.forget` says; an address nothing is remembered of costs no
    memory; at most `rules.max_addresses` addresses are remembered.
    """

    def __init__(self, rules: PenaltyRules, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules
        self._clock = clock
        self._memories: dict[str, Memory] = {}

    def count(self, address: str) -> float:
        """How many of the address's failures count now."""
        memory = self._memories.get(address)
        if memory is None:
            return 0
        count = memory.count(self._clock())
        if count <= 0:
            del self._memories[address]
        return count

    def delay(self, address: str) -> float:
        """Seconds the address's next attempt waits before it is looked at (0: none)."""
        if self.rules.delay_after is None:
            return 0.0
        excess = self.count(address) - self.rules.delay_after
        if excess < 0:
            return 0.0
        return float(min(self.rules.max_delay, 0.25 * 2**excess))

    def blocked(self, address: str) -> bool:
        """Whether the address is refused on sight now."""
        # Not `>= block_after`: a fading count is fractional, and like a token bucket it
        # refuses as soon as less than one whole attempt is left.
        return self.count(address) > self.rules.block_after - 1

    def retry_after(self, address: str) -> float:
        """Seconds until the address is no longer refused on sight (0: it is not now)."""
        memory = self._memories.get(address)
        if memory is None:
            return 0.0
        return memory.below_in(self.rules.block_after, self._clock())

    def fail(self, address: str) -> None:
        """Count one more failure of the address."""
        now = self._clock()
        memory = self._memories.pop(address, None)
        if memory is None:
            memory = self.rules.forget.memory(now, self.rules.block_after)
        memory.add(now)
        if memory.count(now) > 0:
            self._memories[address] = memory  # re-inserted last: dict order is age order
            if len(self._memories) > self.rules.max_addresses:
                self._forget_oldest()

    def _forget_oldest(self) -> None:
        for stale in list(self._memories)[: self.rules.max_addresses // 10]:
            del self._memories[stale]
