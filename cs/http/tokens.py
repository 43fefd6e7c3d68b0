"""REST: the id tag registry (`/tokens`)."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from cs.domain.authorization import AuthorizationStatus
from cs.domain.ids import DEFAULT_TENANT
from cs.http.auth import actor
from cs.http.errors import NotFoundError, UnprocessableError
from cs.http.jsonio import json_response
from cs.http.keys import READ_MODELS, TOKENS
from cs.http.models import TokenOut
from cs.http.shapes import Shape
from cs.http.views import PageQuery, tenant_of
from cs.projections.cursors import decode_cursor


class TokenIn(BaseModel):
    """A registration: OCPP 1.6 IdTagInfo fields (section 7.18)."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["Accepted", "Blocked", "Expired", "Invalid"]
    expiry_date: AwareDatetime | None = None
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=20)


class _IdTagPath(BaseModel):
    id_tag: str = Field(min_length=1, max_length=20, description="CiString20")


def _id_tag(request: web.Request) -> str:
    try:
        return _IdTagPath(id_tag=request.match_info["id_tag"]).id_tag
    except ValidationError as error:
        raise UnprocessableError(
            "id_tag must be 1 to 20 characters (OCPP CiString20)",
            problems=error.errors(include_url=False),
        ) from None


def _tenant(request: web.Request) -> str:
    return tenant_of(request) or DEFAULT_TENANT


token_body = Shape(TokenOut, attributes=True)


async def put_token(request: web.Request) -> web.Response:
    id_tag = _id_tag(request)
    body = TokenIn.model_validate_json(await request.read() or b"{}")
    tag, created = await request.app[TOKENS].put(
        _tenant(request),
        id_tag,
        AuthorizationStatus(body.status),
        expiry_date=body.expiry_date,
        parent_id_tag=body.parent_id_tag,
        by=actor(request),
    )
    return json_response(token_body(tag), status=201 if created else 200)


async def get_token(request: web.Request) -> web.Response:
    id_tag = _id_tag(request)
    tag = await request.app[TOKENS].get(_tenant(request), id_tag)
    if tag is None:
        raise NotFoundError(f"id tag {id_tag!r} is not registered", id_tag=id_tag)
    return json_response(token_body(tag))


async def delete_token(request: web.Request) -> web.Response:
    id_tag = _id_tag(request)
    removed = await request.app[TOKENS].delete(_tenant(request), id_tag, by=actor(request))
    if not removed:
        raise NotFoundError(f"id tag {id_tag!r} is not registered", id_tag=id_tag)
    return web.Response(status=204)


async def list_tokens(request: web.Request) -> web.Response:
    page = PageQuery.model_validate(dict(request.query))
    after = decode_cursor(page.cursor, 1) if page.cursor else None
    rows, next_cursor = await request.app[READ_MODELS].tokens(
        _tenant(request), limit=page.limit, after=after
    )
    return json_response({"items": rows, "next_cursor": next_cursor})
