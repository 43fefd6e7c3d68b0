"""REST: API key management (`/api-keys`, role `admin`), the same as `cs keys`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cs.adapters.api_keys import Role
from cs.http.auth import ACCESS, actor
from cs.http.errors import NotFoundError, UnprocessableError
from cs.http.jsonio import json_response
from cs.http.models import Model


class ApiKeyIn(BaseModel):
    """A key to create; its text is in the answer, once."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="what or who the key is for")
    role: Literal["read", "operator", "admin"]
    expires_at: AwareDatetime | None = Field(default=None, description="unset: never expires")


class ApiKeyOut(Model):
    """A key as listed: never its secret."""

    key_id: str
    name: str
    role: Literal["read", "operator", "admin"]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    """A key just created, with its full text: shown this once, stored nowhere."""

    key: str = Field(description="send as `Authorization: Bearer <key>`")


class ApiKeysOut(Model):
    """Every key, oldest first (revoked and expired ones too)."""

    items: list[ApiKeyOut]


def _by(request: web.Request) -> str:
    return actor(request) or "unauthenticated (CS_API_AUTH=off)"


async def list_keys(request: web.Request) -> web.Response:
    keys = await request.app[ACCESS].table.list()
    return json_response({"items": [key.public() for key in keys]})


async def create_key(request: web.Request) -> web.Response:
    body = ApiKeyIn.model_validate_json(await request.read() or b"{}")
    if body.expires_at is not None and body.expires_at <= datetime.now(UTC):
        raise UnprocessableError(
            "invalid value for: expires_at",
            problems=[{"field": "expires_at", "message": "must be in the future", "type": "past"}],
        )
    created = await request.app[ACCESS].table.create(
        body.name, Role(body.role), created_by=_by(request), expires_at=body.expires_at
    )
    return json_response(
        {**created.key.public(), "key": created.text},
        status=201,
        headers={"Location": f"/api-keys/{created.key.key_id}", "Cache-Control": "no-store"},
    )


async def revoke_key(request: web.Request) -> web.Response:
    access = request.app[ACCESS]
    key_id = request.match_info["key_id"]
    key = await access.table.revoke(key_id, by=_by(request))
    if key is None:
        raise NotFoundError(f"no API key {key_id!r}", key_id=key_id)
    access.keys.forget(key_id)  # at once on this node; others within the cache time
    return json_response(key.public())
