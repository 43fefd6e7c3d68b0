"""How OCPP-J 1.6 spells CALLERROR codes (OCPP-J 1.6 section 4.2.3).

The error kinds are shared (`cs.adapters.ocppj.errors`, spelled as in 2.0.1); two are
spelled differently in 1.6: `FormationViolation`, and (sic, the errata sheet lists it
among the known issues not fixed) `OccurenceConstraintViolation`. 1.6 has no
`RpcFrameworkError`: a frame that is not a valid RPC message is a FormationViolation.
"""

from __future__ import annotations

from cs.adapters.ocppj.errors import RpcError

SPELLING = {
    "FormatViolation": "FormationViolation",
    "RpcFrameworkError": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}


def code(error: RpcError) -> str:
    """`error`'s CALLERROR code as OCPP-J 1.6 spells it."""
    return SPELLING.get(error.code, error.code)
