"""OCPP-J framing (OCPP-J 1.6 section 4, OCPP 2.0.1 Part 4 section 4): parse a text frame.

`parse` never raises anything but `BadFrame`; a `BadFrame` carries the CALLERROR to
answer and the unique id to answer it with, when one could be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from cs.adapters.ocppj.errors import (
    FormatViolation,
    MessageTypeNotSupported,
    RpcError,
    RpcFrameworkError,
)

CALL, CALLRESULT, CALLERROR = 2, 3, 4
MAX_UNIQUE_ID_LENGTH = 36  # OCPP-J 1.6 section 4.1.3

# Best effort for frames that are not JSON: "[2, "<id>"" at the start still names the CALL.
_LEADING_CALL_ID = re.compile(r'^\s*\[\s*2\s*,\s*"([^"\\]{1,36})"')


@dataclass(frozen=True, slots=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    unique_id: str
    error_code: str
    error_description: str
    error_details: dict[str, Any]


Message = Call | CallResult | CallError


class BadFrame(Exception):
    """A frame that breaks the OCPP-J framing rules.

    `unique_id` is set when the frame is a CALL whose unique id could be read: it must
    then be answered with a CALLERROR carrying `error`. Otherwise it cannot be answered
    and is only recorded. `ignored` marks an unknown MessageTypeId: OCPP-J 1.6 section
    4.1.3 ignores such a frame, OCPP 2.0.1 Part 4 section 4.3 answers it
    MessageTypeNotSupported when its unique id can be read; the dialect decides.

    Errors in the frame itself are `RpcFrameworkError` (2.0.1's code; 1.6 spells it
    FormationViolation); a payload that is not an object is a `FormatViolation`.
    """

    def __init__(self, error: RpcError, unique_id: str | None, *, ignored: bool = False):
        super().__init__(error.description)
        self.error = error
        self.unique_id = unique_id
        self.ignored = ignored


def parse(text: str) -> Message:
    """Decode one frame; raise `BadFrame` when it cannot be served as it is."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        match = _LEADING_CALL_ID.match(text)
        raise BadFrame(
            RpcFrameworkError("Frame is not valid JSON", {"cause": str(error)[:200]}),
            match.group(1) if match else None,
        ) from None
    if not isinstance(data, list) or not data:
        raise BadFrame(RpcFrameworkError("Frame is not a JSON array with a MessageTypeId"), None)
    message_type = data[0]
    if type(message_type) is not int:
        raise BadFrame(
            RpcFrameworkError("MessageTypeId must be an integer"), _call_id(data, message_type)
        )
    if message_type == CALL:
        return _call(data)
    if message_type == CALLRESULT:
        return _call_result(data)
    if message_type == CALLERROR:
        return _call_error(data)
    # OCPP-J 1.6 section 4.1.3 ignores a message with an unknown MessageTypeId; 2.0.1
    # answers it, with the unique id when there is one to read.
    unique_id = data[1] if len(data) > 1 else None
    readable = isinstance(unique_id, str) and 0 < len(unique_id) <= MAX_UNIQUE_ID_LENGTH
    raise BadFrame(
        MessageTypeNotSupported(f"Unknown MessageTypeId {message_type}"),
        unique_id if readable else None,
        ignored=True,
    )


def _call_id(data: list[Any], message_type: Any) -> str | None:
    """The unique id of something that looks like a CALL, when it is readable."""
    if message_type not in (CALL, "2") or len(data) < 2:
        return None
    unique_id = data[1]
    if isinstance(unique_id, str) and 0 < len(unique_id) <= MAX_UNIQUE_ID_LENGTH:
        return unique_id
    return None


def _call(data: list[Any]) -> Call:
    unique_id = data[1] if len(data) > 1 else None
    if not isinstance(unique_id, str) or not unique_id:
        raise BadFrame(RpcFrameworkError("CALL without a string UniqueId"), None)
    if len(unique_id) > MAX_UNIQUE_ID_LENGTH:
        raise BadFrame(
            RpcFrameworkError(f"UniqueId longer than {MAX_UNIQUE_ID_LENGTH} characters"),
            unique_id,
        )
    if len(data) != 4:
        raise BadFrame(RpcFrameworkError(f"CALL must have 4 elements, not {len(data)}"), unique_id)
    action, payload = data[2], data[3]
    if not isinstance(action, str) or not action:
        raise BadFrame(RpcFrameworkError("Action must be a non-empty string"), unique_id)
    if payload is None:  # some chargers send null for an empty payload
        payload = {}
    if not isinstance(payload, dict):
        raise BadFrame(FormatViolation("Payload must be a JSON object"), unique_id)
    return Call(unique_id, action, payload)


def _call_result(data: list[Any]) -> CallResult:
    if len(data) != 3 or not isinstance(data[1], str):
        raise BadFrame(RpcFrameworkError("CALLRESULT must be [3, UniqueId, Payload]"), None)
    payload = {} if data[2] is None else data[2]
    if not isinstance(payload, dict):
        raise BadFrame(RpcFrameworkError("CALLRESULT payload must be a JSON object"), None)
    return CallResult(data[1], payload)


def _call_error(data: list[Any]) -> CallError:
    # Details are required by the spec, but some chargers omit them: accept 4 elements.
    if len(data) not in (4, 5) or not all(isinstance(item, str) for item in data[1:4]):
        raise BadFrame(
            RpcFrameworkError(
                "CALLERROR must be [4, UniqueId, ErrorCode, ErrorDescription, Details]"
            ),
            None,
        )
    details = data[4] if len(data) == 5 and isinstance(data[4], dict) else {}
    return CallError(data[1], data[2], data[3], details)


def dump_call_result(unique_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([CALLRESULT, unique_id, payload]).decode()


def dump_call_error(unique_id: str, code: str, error: RpcError) -> str:
    """A CALLERROR; `code` is `error`'s code as the connection's version spells it."""
    details = error.details if isinstance(error.details, dict) else {}
    return orjson.dumps(
        [CALLERROR, unique_id, code, error.description or "", details],
        default=str,
    ).decode()


def dump_call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([CALL, unique_id, action, payload]).decode()
