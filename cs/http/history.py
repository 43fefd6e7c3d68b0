"""REST: ordered histories of sessions and charge boxes, and verifiable exports."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cs.audit.history import HistoryReader
from cs.domain.ids import DEFAULT_TENANT
from cs.http.errors import NotFoundError
from cs.http.jsonio import json_response
from cs.http.keys import HISTORY
from cs.http.models import HistoryOut
from cs.http.sessions import transaction_id_of
from cs.http.shapes import Shape
from cs.http.views import tenant_of


class HistoryQuery(BaseModel):
    """Query parameters of the histories: a page of events, a window of time."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=500, ge=1, le=10_000, description="events per page")
    cursor: int | None = Field(default=None, ge=0, description="from `next_cursor`")
    from_: AwareDatetime | None = Field(
        default=None, alias="from", description="recorded at or after"
    )
    to: AwareDatetime | None = Field(default=None, description="recorded before")


def _reader(request: web.Request) -> HistoryReader:
    return request.app[HISTORY]


_page_body = Shape(HistoryOut, attributes=True)


async def session_history(request: web.Request) -> web.Response:
    query = HistoryQuery.model_validate(dict(request.query))
    transaction_id = transaction_id_of(request)
    page = await _reader(request).session(
        transaction_id, after=query.cursor or 0, limit=query.limit
    )
    if page is None:
        raise NotFoundError(f"no session with transaction id {transaction_id}")
    return json_response(_page_body(page))


async def charge_box_history(request: web.Request) -> web.Response:
    query = HistoryQuery.model_validate(dict(request.query))
    charge_box_id = request.match_info["charge_box_id"]
    page = await _reader(request).charge_box(
        tenant_of(request) or DEFAULT_TENANT,
        charge_box_id,
        after=query.cursor or 0,
        limit=query.limit,
        since=query.from_,
        until=query.to,
    )
    if page is None:
        raise NotFoundError(f"charge box {charge_box_id!r} not found", charge_box_id=charge_box_id)
    return json_response(_page_body(page))


def _attachment(document: dict[str, Any], name: str) -> web.Response:
    return json_response(
        document, headers={"Content-Disposition": f'attachment; filename="{name}.json"'}
    )


async def session_export(request: web.Request) -> web.Response:
    transaction_id = transaction_id_of(request)
    document = await _reader(request).export_session(transaction_id)
    if document is None:
        raise NotFoundError(f"no session with transaction id {transaction_id}")
    return _attachment(document, f"session-{transaction_id}")


async def charge_box_export(request: web.Request) -> web.Response:
    query = HistoryQuery.model_validate(dict(request.query))
    charge_box_id = request.match_info["charge_box_id"]
    document = await _reader(request).export_charge_box(
        tenant_of(request) or DEFAULT_TENANT, charge_box_id, since=query.from_, until=query.to
    )
    if document is None:
        raise NotFoundError(f"charge box {charge_box_id!r} not found", charge_box_id=charge_box_id)
    return _attachment(document, f"charge-box-{charge_box_id}")
