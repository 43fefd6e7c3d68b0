"""REST: registering charge boxes' security profiles; the handshakes that were refused."""

from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cs.adapters.passwords import hash_key
from cs.domain.ids import DEFAULT_TENANT
from cs.http.auth import actor
from cs.http.errors import UnprocessableError
from cs.http.jsonio import json_response
from cs.http.keys import READ_MODELS, REGISTRY
from cs.http.models import ChargeBoxSecurityOut
from cs.http.shapes import Shape
from cs.http.views import PageLimit, tenant_of


class SecurityIn(BaseModel):
    """How a charge box must authenticate (OCPP 1.6 Security Whitepaper)."""

    model_config = ConfigDict(extra="forbid")
    security_profile: int = Field(
        ge=0,
        le=3,
        description="0 none, 1 HTTP Basic, 2 HTTP Basic over TLS, 3 TLS client certificate",
    )
    authorization_key: str | None = Field(
        default=None,
        min_length=16,
        max_length=40,
        description="the password for profiles 1 and 2 (the charge box's AuthorizationKey); "
        "omit to keep the current one; stored only as a salted scrypt hash",
    )

    @field_validator("authorization_key")
    @classmethod
    def _printable_ascii(cls, value: str | None) -> str | None:
        if value is not None and not (value.isascii() and value.isprintable()):
            raise ValueError("the authorization key must be printable ASCII")
        return value


class RefusalsQuery(BaseModel):
    """Query parameters of `/access-refusals`."""

    model_config = ConfigDict(extra="forbid")
    charge_box_id: str | None = Field(default=None, description="only this charge box")
    limit: PageLimit = 100


_security_body = Shape(ChargeBoxSecurityOut, attributes=True)


async def put_security(request: web.Request) -> web.Response:
    """Register (201) or change (200) a charge box's security profile and key."""
    body = SecurityIn.model_validate_json(await request.read() or b"{}")
    password_hash = None
    if body.authorization_key is not None:
        # ~40 ms of scrypt: in a worker thread, never on the event loop.
        password_hash = await asyncio.to_thread(hash_key, body.authorization_key)
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    charge_box_id = request.match_info["charge_box_id"]
    try:
        box, created = await request.app[REGISTRY].configure_security(
            tenant_id,
            charge_box_id,
            body.security_profile,
            password_hash,
            by=actor(request),
        )
    except ValueError as error:
        problem = {"field": "authorization_key", "message": str(error), "type": "missing"}
        raise UnprocessableError(
            "invalid value for: authorization_key", problems=[problem]
        ) from None
    return json_response(
        _security_body(box, tenant_id=tenant_id, created=created), status=201 if created else 200
    )


async def access_refusals(request: web.Request) -> web.Response:
    """The newest refused websocket handshakes (security events of the central system)."""
    query = RefusalsQuery.model_validate(dict(request.query))
    rows = await request.app[READ_MODELS].access_refusals(
        tenant_of(request), query.charge_box_id, limit=query.limit
    )
    return json_response({"items": rows})
