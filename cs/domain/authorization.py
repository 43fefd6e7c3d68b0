"""Authorization of id tags (OCPP 1.6 sections 4.1, 7.15 AuthorizationStatus, 7.18 IdTagInfo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AuthorizationStatus(StrEnum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"


class UnknownTagPolicy(StrEnum):
    """What to answer for an id tag that is not in the registry."""

    ACCEPT = "accept"
    REJECT = "reject"


@dataclass(frozen=True)
class IdTagInfo:
    """The answer about an id tag; `expiry_date` and `parent_id_tag` only when known."""

    status: AuthorizationStatus
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None


@dataclass(frozen=True)
class Registration:
    """A token as the registry holds it."""

    status: AuthorizationStatus
    expiry_date: datetime | None
    parent_id_tag: str | None


def decide(
    registration: Registration | None,
    *,
    policy: UnknownTagPolicy,
    in_session: bool,
    at: datetime,
) -> IdTagInfo:
    """The rule: registry first, then expiry, then concurrency; unknown tags by policy.

    `in_session` says the tag already has an active session, which answers
    ConcurrentTx for a tag that would otherwise be accepted (section 7.15).
    """
    if registration is None:
        if policy is UnknownTagPolicy.REJECT:
            return IdTagInfo(AuthorizationStatus.INVALID)
        status = AuthorizationStatus.CONCURRENT_TX if in_session else AuthorizationStatus.ACCEPTED
        return IdTagInfo(status)
    status = registration.status
    if status is AuthorizationStatus.ACCEPTED:
        if registration.expiry_date is not None and registration.expiry_date <= at:
            status = AuthorizationStatus.EXPIRED
        elif in_session:
            status = AuthorizationStatus.CONCURRENT_TX
    return IdTagInfo(status, registration.expiry_date, registration.parent_id_tag)
