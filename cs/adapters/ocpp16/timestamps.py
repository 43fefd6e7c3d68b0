"""OCPP dateTime parsing and formatting (the rules live in `cs.domain.datetimes`)."""

from cs.domain.datetimes import format_datetime, is_datetime, parse_datetime

__all__ = ["format_datetime", "is_datetime", "parse_datetime"]
