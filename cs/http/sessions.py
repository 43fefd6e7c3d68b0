"""REST: charging sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cs.http.errors import NotFoundError
from cs.http.jsonio import json_response
from cs.http.keys import READ_MODELS
from cs.http.models import SessionOut
from cs.http.shapes import Shape
from cs.http.views import PageCursor, PageLimit, tenant_of
from cs.projections.cursors import decode_cursor
from cs.projections.queries import SessionFilter


class SessionQuery(BaseModel):
    """Query parameters of the session lists; all but the page are `SessionFilter`s."""

    model_config = ConfigDict(extra="forbid")
    charge_box_id: str | None = Field(default=None, description="charge box")
    status: Literal["active", "finished", "abandoned"] | None = Field(
        default=None, description="session status"
    )
    connector_id: int | None = Field(default=None, ge=0, description="connector")
    id_tag: str | None = Field(default=None, max_length=20, description="id tag (case-insensitive)")
    started_from: AwareDatetime | None = Field(
        default=None, description="started at or after (with offset)"
    )
    started_to: AwareDatetime | None = Field(
        default=None, description="started before (with offset)"
    )
    limit: PageLimit = 100
    cursor: PageCursor = None


session_body = Shape(SessionOut)


async def _page(request: web.Request, **fixed: Any) -> web.Response:
    query = SessionQuery.model_validate({**dict(request.query), **fixed})
    filters = SessionFilter(
        tenant_id=tenant_of(request), **query.model_dump(exclude={"limit", "cursor"})
    )
    after = decode_cursor(query.cursor, 2) if query.cursor else None
    if after is not None:
        after = [datetime.fromisoformat(str(after[0])), int(after[1])]
    rows, next_cursor = await request.app[READ_MODELS].sessions(
        filters, limit=query.limit, after=after
    )
    return json_response({"items": [session_body(row) for row in rows], "next_cursor": next_cursor})


async def list_sessions(request: web.Request) -> web.Response:
    return await _page(request)


async def charge_box_sessions(request: web.Request) -> web.Response:
    return await _page(request, charge_box_id=request.match_info["charge_box_id"])


MAX_TRANSACTION_ID = 2**31 - 1  # ours come from an `integer` sequence (transaction_ids.py)


def transaction_id_of(request: web.Request) -> int:
    """The path's transaction id; 404 for anything that cannot be one we allocated."""
    raw = request.match_info["transaction_id"]
    if not (raw.isdecimal() and len(raw) <= 10 and 0 < int(raw) <= MAX_TRANSACTION_ID):
        raise NotFoundError(f"no session with transaction id {raw[:40]!r}")
    return int(raw)


async def get_session(request: web.Request) -> web.Response:
    transaction_id = transaction_id_of(request)
    row = await request.app[READ_MODELS].session(transaction_id, tenant_of(request))
    if row is None:
        raise NotFoundError(
            f"no session with transaction id {transaction_id}", transaction_id=transaction_id
        )
    return json_response(session_body(row))
