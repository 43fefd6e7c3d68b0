"""OCPP dateTime values (RFC 3339), parsed leniently and formatted strictly (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: str) -> datetime:
    """An aware datetime; a value without offset is taken as UTC (chargers send those).

    Raises ValueError for anything that is not a calendar date and time.
    """
    if len(value) < 10 or value[4] != "-":
        raise ValueError(f"not a date-time: {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise ValueError(f"date-time out of range in UTC: {value!r}") from None


def is_datetime(value: str) -> bool:
    """Whether `value` is a date-time `parse_datetime` accepts (the schema format check)."""
    try:
        parse_datetime(value)
    except ValueError:
        return False
    return "T" in value or " " in value


def format_datetime(value: datetime) -> str:
    """UTC with millisecond precision and a `Z`, the form every charger understands."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
