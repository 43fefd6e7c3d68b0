"""Payload validation against the OCPP JSON schemas shipped in the `ocpp` package.

Every schema is compiled once at start-up with `jsonschema_rs` (a few µs per check).
Only a payload that fails is run through the reference `jsonschema` validator, to name
the violated rule and answer the CALLERROR the version prescribes (OCPP-J 1.6 section
4.2.3, OCPP 2.0.1 Part 4 section 4.3). Date-time fields are checked as real date-times,
which the `ocpp` library does not do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import best_match

from cs.adapters.ocppj.errors import (
    FormatViolation,
    OccurrenceConstraintViolation,
    PropertyConstraintViolation,
    ProtocolError,
    RpcError,
    TypeConstraintViolation,
)
from cs.domain.datetimes import is_datetime

# JSON-schema keyword -> the error for a payload that breaks it.
_ERROR_FOR_KEYWORD: dict[str, type[RpcError]] = {
    "type": TypeConstraintViolation,
    "format": TypeConstraintViolation,
    "maxLength": TypeConstraintViolation,  # CiString<n> is a data type in OCPP
    "minLength": TypeConstraintViolation,
    "required": ProtocolError,  # "Payload for Action is incomplete"
    "additionalProperties": FormatViolation,  # not conform the PDU structure
    "enum": PropertyConstraintViolation,
    "minimum": PropertyConstraintViolation,
    "maximum": PropertyConstraintViolation,
    "exclusiveMinimum": PropertyConstraintViolation,
    "exclusiveMaximum": PropertyConstraintViolation,
    "multipleOf": PropertyConstraintViolation,
    "pattern": PropertyConstraintViolation,
    "minItems": OccurrenceConstraintViolation,
    "maxItems": OccurrenceConstraintViolation,
    "uniqueItems": OccurrenceConstraintViolation,
}

# OCPP integers are 32 bits (1.6's SOAP WSDL types them xs:int). The JSON schemas leave
# them unbounded, but PostgreSQL's columns are not: a larger value would be stored and
# then fail every batch of the read model it reaches. Bounds are added at load time;
# the schemas have no minimum or maximum of their own there, so breaking one of these
# is a data type error.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _bounded(schema: Any) -> Any:
    """`schema` with 32-bit bounds on every integer, anywhere in it."""
    if isinstance(schema, list):
        return [_bounded(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    bounded = {key: _bounded(value) for key, value in schema.items()}
    if bounded.get("type") == "integer":
        bounded.setdefault("minimum", INT32_MIN)
        bounded.setdefault("maximum", INT32_MAX)
    return bounded


def _date_time(value: object) -> bool:
    return not isinstance(value, str) or is_datetime(value)


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date-time")(_date_time)


class PayloadValidator:
    """Checks CALL and CALLRESULT payloads of one OCPP version against its schemas.

    `request_suffix` is how the version names a request's schema file: 1.6 `Reset.json`,
    2.0.1 `ResetRequest.json`; responses are `<Action>Response.json` in both.
    """

    def __init__(self, schema_dir: Path, *, request_suffix: str = "", int32: str = "") -> None:
        self._request_suffix = request_suffix
        self._int32 = int32
        self._schemas: dict[str, dict[str, Any]] = {}
        self._fast: dict[str, Any] = {}
        for path in sorted(schema_dir.glob("*.json")):
            schema = _bounded(json.loads(path.read_text(encoding="utf-8-sig")))
            self._schemas[path.stem] = schema
            self._fast[path.stem] = jsonschema_rs.validator_for(
                schema, formats={"date-time": is_datetime}, validate_formats=True
            )

    def knows(self, action: str) -> bool:
        return f"{action}{self._request_suffix}" in self._schemas

    def check_request(self, action: str, payload: dict[str, Any]) -> None:
        """Raise the RpcError for the first rule `payload` breaks, if any."""
        self._check(f"{action}{self._request_suffix}", payload)

    def check_response(self, action: str, payload: dict[str, Any]) -> None:
        self._check(f"{action}Response", payload)

    def _check(self, name: str, payload: dict[str, Any]) -> None:
        if self._fast[name].is_valid(payload):
            return
        schema = self._schemas[name]
        validator = jsonschema.validators.validator_for(schema)(schema, format_checker=_FORMATS)
        error = best_match(validator.iter_errors(payload))
        if error is None:  # the two validators disagree: trust the reference one
            return
        where = "/".join(str(part) for part in error.absolute_path) or "(payload)"
        if error.validator in ("minimum", "maximum") and error.validator_value in (
            INT32_MIN,
            INT32_MAX,
        ):
            raise TypeConstraintViolation(
                f"{where}: {error.instance} is not a 32-bit integer{self._int32}",
                {"field": where, "rule": "type"},
            )
        raise _ERROR_FOR_KEYWORD.get(str(error.validator), FormatViolation)(
            f"{where}: {error.message}"[:500], {"field": where, "rule": error.validator}
        )
