"""OCPP-J 1.6 CALLERROR codes (OCPP-J 1.6 section 4.2.3), as exceptions that carry them.

The `ocpp` library swaps the descriptions of NotImplemented and NotSupported and uses
2.0.1's `FormatViolation`; these classes use the 1.6 names and texts.
"""

from __future__ import annotations

from typing import Any

from ocpp.exceptions import OCPPError


class OcppError(OCPPError):  # type: ignore[misc]
    """An error answered to the charge point as a CALLERROR with `code`."""

    code = "GenericError"
    default_description = "Any other error not covered by the previous ones"

    def __init__(self, description: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(description=description, details=details)


class NotImplementedAction(OcppError):
    code = "NotImplemented"
    default_description = "Requested Action is not known by receiver"


class NotSupportedAction(OcppError):
    code = "NotSupported"
    default_description = "Requested Action is recognized but not supported by the receiver"


class InternalError(OcppError):
    code = "InternalError"
    default_description = (
        "An internal error occurred and the receiver was not able to process the "
        "requested Action successfully"
    )


class ProtocolError(OcppError):
    code = "ProtocolError"
    default_description = "Payload for Action is incomplete"


class SecurityError(OcppError):
    code = "SecurityError"
    default_description = (
        "During the processing of Action a security issue occurred preventing receiver "
        "from completing the Action successfully"
    )


class FormationViolation(OcppError):
    code = "FormationViolation"
    default_description = (
        "Payload for Action is syntactically incorrect or not conform the PDU structure for Action"
    )


class PropertyConstraintViolation(OcppError):
    code = "PropertyConstraintViolation"
    default_description = (
        "Payload is syntactically correct but at least one field contains an invalid value"
    )


class OccurenceConstraintViolation(OcppError):
    # Sic: OCPP-J 1.6 spells it with one "r" (errata sheet, "known issues not fixed").
    code = "OccurenceConstraintViolation"
    default_description = (
        "Payload for Action is syntactically correct but at least one of the fields "
        "violates occurence constraints"
    )


class TypeConstraintViolation(OcppError):
    code = "TypeConstraintViolation"
    default_description = (
        "Payload for Action is syntactically correct but at least one of the fields "
        'violates data type constraints (e.g. "somestring": 12)'
    )


class GenericError(OcppError):
    code = "GenericError"
