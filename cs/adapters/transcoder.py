"""Event encoding with orjson, in the eventsourcing library's own JSON layout.

The library's `JSONTranscoder` calls back into Python for every dict on decode and for
every datetime on encode. This subclass writes and reads the same layout (a type JSON
lacks becomes `{"_type_": name, "_data_": ...}` through the same registered
transcodings), so events written by either transcoder are read by both; only the speed
differs (docs/adr/0006).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

_TYPE, _DATA = "_type_", "_data_"
# How a tag looks in the encoded bytes. Inside a JSON string its quotes are escaped
# (`\"_type_\"`), so a string's content never counts as one.
_TAG = b'"_type_"'


class _Tagged:
    """A UUID on its way through orjson, which would otherwise write it as a plain string."""

    __slots__ = ("value",)

    def __init__(self, value: UUID) -> None:
        self.value = value


class OrjsonTranscoder(JSONTranscoder):
    """orjson encode/decode; the library's registered transcodings for other types."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(
            _mark_uuids(obj), default=self._encode_other, option=orjson.OPT_PASSTHROUGH_DATETIME
        )

    def decode(self, data: bytes) -> Any:
        value = orjson.loads(data)
        if type(value) is dict and self._revive_top(value) == data.count(_TAG):
            # Every tagged value was a top-level field: nested lists and dicts (meter
            # values, configuration keys, kilobytes of them) hold none; skip walking them.
            return value
        return self._revive(value)

    def _revive_top(self, value: dict[str, Any]) -> int:
        """Turn the tagged top-level values of `value` into objects; how many there were."""
        found = 0
        for key, item in value.items():
            if type(item) is dict and len(item) == 2 and _TYPE in item and _DATA in item:
                value[key] = self._decode_obj(item)
                found += 1
        return found

    def _encode_other(self, obj: Any) -> dict[str, Any]:
        if type(obj) is datetime:  # the common case, without the registry lookup
            return {_TYPE: "datetime_iso", _DATA: obj.isoformat()}
        return self._encode_obj(obj.value if isinstance(obj, _Tagged) else obj)

    def _revive(self, value: Any) -> Any:
        """Turn `{"_type_", "_data_"}` dicts back into objects, anywhere in the value."""
        if isinstance(value, dict):
            if len(value) == 2 and _TYPE in value and _DATA in value:
                return self._decode_obj(value)
            for key, item in value.items():
                if type(item) is dict or type(item) is list:
                    value[key] = self._revive(item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if type(item) is dict or type(item) is list:
                    value[index] = self._revive(item)
        return value


def _mark_uuids(value: Any) -> Any:
    """Wrap the UUIDs of a snapshot's aggregate state (`_id`) so `default` tags them.

    Event fields are never UUIDs (a domain rule, checked by a test), so only a snapshot,
    whose `state` is the aggregate's attribute dict, needs looking into.
    """
    if type(value) is dict:
        state = value.get("state")
        if type(state) is dict:
            return {
                **value,
                "state": {k: _Tagged(v) if isinstance(v, UUID) else v for k, v in state.items()},
            }
    return value
