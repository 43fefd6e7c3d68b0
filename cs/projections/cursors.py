"""Pagination cursors of the REST API: opaque, made here, checked when they come back."""

from __future__ import annotations

import base64
from typing import Any

import orjson


class BadCursorError(ValueError):
    """A pagination cursor that this API did not produce."""


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise BadCursorError("cursor is not one this API produced") from None
    if not isinstance(values, list) or len(values) != arity:
        raise BadCursorError("cursor is not one this API produced")
    return values
