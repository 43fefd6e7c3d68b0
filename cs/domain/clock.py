"""Clock trust: a station's own time compared with when we received its message (pure).

Chargers lose their clock on power loss (it restarts at 1970 or 2000), drift without
NTP, or are set to a wrong zone. We keep every time exactly as sent and say how far it
was from ours, so billing and auditors can decide which time to believe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CLOCK_UNSET = "clock_unset"  # a time before 2010: the clock was never set since power-up
CLOCK_FUTURE = "clock_future"  # later than our receive time by more than the tolerance
CLOCK_SKEW = "clock_skew"  # earlier than our receive time by more than the tolerance
CLOCK_FLAGS = frozenset({CLOCK_UNSET, CLOCK_FUTURE, CLOCK_SKEW})

# No charger in service was built before this: an earlier time is an unset clock.
EARLIEST_TRUSTED = datetime(2010, 1, 1, tzinfo=UTC)

CHARGE_POINT, CENTRAL_SYSTEM = "charge_point", "central_system"  # billing time sources


@dataclass(frozen=True, slots=True)
class ClockReading:
    """One message's time against ours: `skew_seconds` is station minus central system
    (positive: the station is ahead), `flags` what that says about its clock."""

    skew_seconds: float
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClockPolicy:
    """How far a station's time may be from ours before it is flagged.

    A time *behind* ours is not always a wrong clock: a message held in the station's
    queue while it was offline is sent late with the time it happened. It is flagged
    `clock_skew` all the same (with the skew), since only the auditor can tell; a time
    *ahead* of ours beyond the tolerance is always a wrong clock.
    """

    tolerance_seconds: float = 300.0

    def read(self, station_time: datetime, received_at: datetime) -> ClockReading:
        skew = round((station_time - received_at).total_seconds(), 3)
        if station_time < EARLIEST_TRUSTED:
            flags: tuple[str, ...] = (CLOCK_UNSET,)
        elif skew > self.tolerance_seconds:
            flags = (CLOCK_FUTURE,)
        elif skew < -self.tolerance_seconds:
            flags = (CLOCK_SKEW,)
        else:
            flags = ()
        return ClockReading(skew, flags)


def larger_skew(current: float | None, measured: float | None) -> float | None:
    """The skew of larger magnitude: a session reports the worst one measured."""
    if measured is None:
        return current
    if current is None or abs(measured) > abs(current):
        return measured
    return current


@dataclass(frozen=True, slots=True)
class BillingTimes:
    """The start and end billing should use, and whose clock they come from."""

    started_at: datetime
    ended_at: datetime
    source: str  # CHARGE_POINT or CENTRAL_SYSTEM


def billing_times(
    *,
    started_at: datetime,
    stopped_at: datetime,
    start_received_at: datetime,
    stop_received_at: datetime,
    flags: tuple[str, ...] | list[str],
) -> BillingTimes:
    """The station's own times, unless its clock was unset or ahead during the session.

    Then the session is anchored at when we received its start, and lasts what the
    station's own times say (a clock that restarted at 1970 still counts seconds), but
    never past when we received its stop; if the station's duration is negative, the
    end is when we received the stop. A clock only behind (`clock_skew`) keeps the
    station's times: that is most often a stop sent late after an offline spell, and
    the station's time is then the true one. A session reconstructed from its stop
    (its start received with it) is anchored at the stop instead.
    """
    if CLOCK_UNSET not in flags and CLOCK_FUTURE not in flags:
        return BillingTimes(started_at, stopped_at, CHARGE_POINT)
    duration = stopped_at - started_at
    if duration < timedelta(0):
        start = min(start_received_at, stop_received_at)
        return BillingTimes(start, stop_received_at, CENTRAL_SYSTEM)
    if start_received_at >= stop_received_at:
        return BillingTimes(stop_received_at - duration, stop_received_at, CENTRAL_SYSTEM)
    start = start_received_at
    return BillingTimes(start, min(start + duration, stop_received_at), CENTRAL_SYSTEM)
