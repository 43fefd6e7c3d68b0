"""Response models: charge box security (profiles, security events, refused handshakes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from cs.http.models.base import Model
from cs.http.shapes import Computed, Given


def _has_key(box: Any) -> bool:
    return box.password_hash is not None


class ChargeBoxSecurityOut(Model):
    """A charge box's registered security profile (never its key)."""

    tenant_id: Annotated[str, Given()]  # the request's: the box is found by it
    charge_box_id: str
    security_profile: int
    has_authorization_key: Annotated[bool, Computed(_has_key)]
    created: Annotated[bool, Given()] = Field(
        description="the charge box was registered by this request"
    )


class AccessRefusalOut(Model):
    tenant_id: str
    charge_box_id: str
    remote_address: str | None
    reason: str = Field(
        description="bad_password, no_password, unknown_charge_box, tls_required, "
        "no_certificate, wrong_certificate, too_many_connections"
    )
    status: int = Field(description="the HTTP status answered")
    detail: str
    refused_at: datetime


class AccessRefusalsOut(Model):
    items: list[AccessRefusalOut]


class SecurityEventOut(Model):
    event_type: str
    occurred_at: datetime = Field(description="the charge point's clock")
    received_at: datetime
    tech_info: str | None


class SecurityEventsOut(Model):
    items: list[SecurityEventOut]
