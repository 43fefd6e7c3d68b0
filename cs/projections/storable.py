"""What a read model can store of an event: its state without U+0000."""

from __future__ import annotations

from typing import Any

import orjson


def storable(state: bytes) -> bytes:
    """An event's state with every U+0000 in its strings replaced by U+FFFD.

    JSON allows U+0000 and a charge point (or a REST caller) may send it in any string,
    but PostgreSQL text cannot hold it: written to a read model, such an event failed
    its batch again and again, and every projection stalled behind it. The log keeps
    what was received (the raw frame included); only the read models show U+FFFD. Other
    events cost one byte search.
    """
    if b"\\u0000" not in state:
        return state
    return orjson.dumps(_without_nul(orjson.loads(state)))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value
