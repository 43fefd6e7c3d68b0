"""A station's registration status: what its boot is answered (both OCPP versions).

OCPP 1.6 section 7.44 RegistrationStatus and OCPP 2.0.1 RegistrationStatusEnumType
have the same three values.
"""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"
