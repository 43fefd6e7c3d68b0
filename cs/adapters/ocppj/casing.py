"""camelCase <-> snake_case for payloads, with the `ocpp` library's rules, memoised.

The library converts every key with two regular expressions on every message; the
same few hundred keys recur forever, so each is converted once.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case

_MAX_KEYS = 10_000
_snake: dict[str, str] = {}
_camel: dict[str, str] = {}


def _snake_key(key: str) -> str:
    converted = _snake.get(key)
    if converted is None:
        converted = next(iter(camel_to_snake_case({key: None})))
        if len(_snake) < _MAX_KEYS:
            _snake[key] = converted
    return converted


def _camel_key(key: str) -> str:
    converted = _camel.get(key)
    if converted is None:
        converted = next(iter(snake_to_camel_case({key: None})))
        if len(_camel) < _MAX_KEYS:
            _camel[key] = converted
    return converted


def kwargs_of(payload: dict[str, Any]) -> dict[str, Any]:
    """Handler keyword arguments: top-level keys in snake_case, values exactly as received.

    Unlike the library, nested structures (meter values, configuration keys) keep the
    wire's camelCase: they are stored as sent, and converting them cost more CPU than
    any other step of serving a MeterValues message.
    """
    return {_snake_key(key): value for key, value in payload.items()}


def to_camel(data: Any) -> Any:
    """A payload with camelCase keys from snake_case dicts or library payload dataclasses.

    Fields that are None are left out, as optional fields must be absent, not null.
    """
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return {
            _camel_key(field.name): to_camel(value)
            for field in dataclasses.fields(data)
            if (value := getattr(data, field.name)) is not None
        }
    if isinstance(data, dict):
        return {
            _camel_key(key): to_camel(value) for key, value in data.items() if value is not None
        }
    if isinstance(data, list):
        return [to_camel(item) for item in data if item is not None]
    if isinstance(data, Enum):
        return data.value
    return data


def snake_path(path: str) -> str:
    """A schema error's field path (`csChargingProfiles/chargingSchedule`) in snake_case,
    dotted, as REST names fields (`cs_charging_profiles.charging_schedule`)."""
    return ".".join(_snake_key(part) for part in path.split("/") if part)
