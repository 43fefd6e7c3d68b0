"""RPC errors answered as CALLERROR, named by what went wrong rather than by one version.

Each class is one error kind of OCPP-J. The code string a CALLERROR carries is spelled
by the version: OCPP-J 1.6 section 4.2.3 says `FormationViolation` and (sic)
`OccurenceConstraintViolation`, OCPP 2.0.1 Part 4 section 4.3 `FormatViolation` and
`OccurrenceConstraintViolation`. `code` below is the 2.0.1 spelling; a `Dialect` maps
the kinds whose 1.6 name differs.
"""

from __future__ import annotations

from typing import Any


class RpcError(Exception):
    """An error answered to the station as a CALLERROR; `description` and `details` go with it."""

    code = "GenericError"
    default_description = "Any other error not covered by the more specific error codes"

    def __init__(self, description: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(description or self.default_description)
        self.description = description or self.default_description
        self.details: dict[str, Any] = details if details is not None else {}


class NotImplementedAction(RpcError):
    code = "NotImplemented"
    default_description = "Requested Action is not known by receiver"


class NotSupportedAction(RpcError):
    code = "NotSupported"
    default_description = "Requested Action is recognized but not supported by the receiver"


class InternalError(RpcError):
    code = "InternalError"
    default_description = (
        "An internal error occurred and the receiver was not able to process the "
        "requested Action successfully"
    )


class ProtocolError(RpcError):
    code = "ProtocolError"
    default_description = "Payload for Action is incomplete"


class SecurityError(RpcError):
    code = "SecurityError"
    default_description = (
        "During the processing of Action a security issue occurred preventing receiver "
        "from completing the Action successfully"
    )


class FormatViolation(RpcError):
    code = "FormatViolation"
    default_description = (
        "Payload for Action is syntactically incorrect or not conform the PDU structure for Action"
    )


class PropertyConstraintViolation(RpcError):
    code = "PropertyConstraintViolation"
    default_description = (
        "Payload is syntactically correct but at least one field contains an invalid value"
    )


class OccurrenceConstraintViolation(RpcError):
    code = "OccurrenceConstraintViolation"
    default_description = (
        "Payload for Action is syntactically correct but at least one of the fields "
        "violates occurrence constraints"
    )


class TypeConstraintViolation(RpcError):
    code = "TypeConstraintViolation"
    default_description = (
        "Payload for Action is syntactically correct but at least one of the fields "
        'violates data type constraints (e.g. "somestring": 12)'
    )


class RpcFrameworkError(RpcError):
    """A frame that is not a valid RPC message (OCPP 2.0.1 Part 4 section 4.3).

    OCPP-J 1.6 has no such code: it answers these `FormationViolation` too.
    """

    code = "RpcFrameworkError"
    default_description = (
        "Content of the call is not a valid RPC Request, for example: MessageId could not be read"
    )


class MessageTypeNotSupported(RpcError):
    """A MessageTypeId we do not know (OCPP 2.0.1 Part 4 section 4.3; 1.6 ignores the frame)."""

    code = "MessageTypeNotSupported"
    default_description = (
        "A message with a Message Type Number received that is not supported by this implementation"
    )


class GenericError(RpcError):
    code = "GenericError"
