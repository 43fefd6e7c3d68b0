"""REST queries: summary, connections, charge boxes and EVSEs."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import psycopg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from cs.describe import one_line
from cs.domain.ids import DEFAULT_TENANT
from cs.domain.registration import RegistrationStatus
from cs.http.auth import actor
from cs.http.errors import NotFoundError
from cs.http.jsonio import json_response
from cs.http.keys import HUB, NODE, READ_MODELS, REGISTRY
from cs.http.models import (
    ChargeBoxOut,
    ChargeBoxSummaryOut,
    ConnectionOut,
    EvseOut,
    RegistrationOut,
)
from cs.http.shapes import Shape
from cs.projections.cursors import decode_cursor

TENANT_HEADER = "x-tenant-id"
HEALTH_DATABASE_TIMEOUT = 3.0  # seconds; load balancers' health checks time out ~5 s


def tenant_of(request: web.Request) -> str | None:
    """The tenant the caller scoped the request to, if any."""
    return request.headers.get(TENANT_HEADER) or None


# The page parameters, declared once for every query model with pages.
PageLimit = Annotated[int, Field(ge=1, le=1000)]
PageCursor = Annotated[str | None, Field(description="from `next_cursor`")]


class PageQuery(BaseModel):
    """Cursor pagination parameters."""

    model_config = ConfigDict(extra="forbid")
    limit: PageLimit = 100
    cursor: PageCursor = None


async def summary(request: web.Request) -> web.Response:
    return json_response(await request.app[READ_MODELS].summary(tenant_of(request)))


async def connections(request: web.Request) -> web.Response:
    """Open connections keyed by charge box id, as the original system answered.

    A charge box id used by several tenants is keyed `tenant/charge_box_id`.
    """
    hub = request.app[HUB]
    rows = await request.app[READ_MODELS].open_connections(tenant_of(request))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["charge_box_id"]] = counts.get(row["charge_box_id"], 0) + 1
    body: dict[str, Any] = {}
    for row in rows:
        box = row["charge_box_id"]
        key = box if counts[box] == 1 else f"{row['tenant_id']}/{box}"
        live = hub.get(row["tenant_id"], box)
        rpc_calls = live.pending_calls() if live is not None else {}
        body[key] = _connection_body(row, rpc_calls=rpc_calls)
    return json_response(body)


_connection_body = Shape(ConnectionOut)
_box_body = Shape(ChargeBoxSummaryOut)
_charge_box_body = Shape(ChargeBoxOut)
_evse_body = Shape(EvseOut)
_registration_body = Shape(RegistrationOut, attributes=True)


async def charge_boxes(request: web.Request) -> web.Response:
    page = PageQuery.model_validate(dict(request.query))
    after = decode_cursor(page.cursor, 2) if page.cursor else None
    rows, next_cursor = await request.app[READ_MODELS].charge_boxes(
        tenant_of(request), limit=page.limit, after=after
    )
    return json_response({"items": [_box_body(row) for row in rows], "next_cursor": next_cursor})


async def _box_or_404(request: web.Request) -> dict[str, Any]:
    charge_box_id = request.match_info["charge_box_id"]
    box = await request.app[READ_MODELS].charge_box(tenant_of(request), charge_box_id)
    if box is None:
        raise NotFoundError(f"charge box {charge_box_id!r} not found", charge_box_id=charge_box_id)
    return box


async def charge_box(request: web.Request) -> web.Response:
    return json_response(_charge_box_body(await _box_or_404(request)))


async def evse(request: web.Request) -> web.Response:
    """The original `/evses/{id}` shape: uid, connection, connectors by id; plus more."""
    return json_response(_evse_body(await _box_or_404(request)))


async def security_events(request: web.Request) -> web.Response:
    box = await _box_or_404(request)
    page = PageQuery.model_validate(dict(request.query))
    rows = await request.app[READ_MODELS].security_events(
        box["tenant_id"], box["charge_box_id"], limit=page.limit
    )
    return json_response({"items": rows})


class RegistrationIn(BaseModel):
    """What the box's next BootNotification is answered (OCPP 1.6 section 7.44)."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["Accepted", "Pending", "Rejected"]


async def put_registration(request: web.Request) -> web.Response:
    body = RegistrationIn.model_validate_json(await request.read() or b"{}")
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    charge_box_id = request.match_info["charge_box_id"]
    box = await request.app[REGISTRY].set_registration(
        tenant_id, charge_box_id, RegistrationStatus(body.status), by=actor(request)
    )
    return json_response(_registration_body(box))


async def health(request: web.Request) -> web.Response:
    """Liveness and the state of the write and read paths (and of command routing).

    Bounded: when PostgreSQL does not answer within HEALTH_DATABASE_TIMEOUT the answer
    is 503 `degraded` with what this node knows by itself, not a hang or a 500.
    """
    node = request.app[NODE]
    code = 200
    try:
        async with asyncio.timeout(HEALTH_DATABASE_TIMEOUT):
            status = await node.status()
    except (TimeoutError, psycopg.Error) as error:
        status = node.local_status()
        status["status"] = "degraded"
        reason = "no answer in time" if isinstance(error, TimeoutError) else one_line(error)
        status["problems"] = [f"database: {reason}"]
        code = 503
    return json_response(status, status=code)
