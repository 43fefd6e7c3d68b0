"""How retries space out after failures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential delays between attempts, from `initial` seconds up to `maximum`.

    Promises: `delay(0)` is `initial`; each further attempt doubles it, never past
    `maximum`; the same attempt number always gives the same delay.
    """

    initial: float = 0.25
    maximum: float = 10.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt + 1` (0 for the first retry)."""
        return float(min(self.maximum, self.initial * 2 ** min(attempt, 16)))
