"""The time a station's CALL says it happened, when it says one (both OCPP versions).

Every station CALL of 1.6 and 2.0.1 that carries its own time names it the same way: a
top-level `timestamp` (StartTransaction, StopTransaction, StatusNotification,
TransactionEvent, SecurityEventNotification), `generatedAt` (2.0.1 NotifyEvent and the
Notify*Report family), or the `timestamp` of each `meterValue` (MeterValues: the latest
one is the closest to when it was sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.clock import ClockPolicy, ClockReading
from cs.domain.datetimes import parse_datetime


def station_time(payload: dict[str, Any]) -> datetime | None:
    """The payload's own time, or None when it carries none (or none that parses)."""
    stamp = payload.get("timestamp") or payload.get("generatedAt")
    try:
        if isinstance(stamp, str):
            return parse_datetime(stamp)
        samples = payload.get("meterValue")
        if isinstance(samples, list):
            times = [
                parse_datetime(sample["timestamp"])
                for sample in samples
                if isinstance(sample, dict) and isinstance(sample.get("timestamp"), str)
            ]
            return max(times) if times else None
    except ValueError:  # the schema check reports it; nothing to measure
        return None
    return None


def read_clock(
    policy: ClockPolicy, payload: dict[str, Any], received_at: datetime
) -> ClockReading | None:
    """The CALL's time against ours, or None when it carries no time."""
    at = station_time(payload)
    return None if at is None else policy.read(at, received_at)
