"""REST queries: summary, connections, charge boxes and EVSEs."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

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
from cs.projections.queries import decode_cursor

TENANT_HEADER = "x-tenant-id"
HEALTH_DATABASE_TIMEOUT = 3.0  # seconds; load balancers' health checks time out ~5 s


def tenant_of(request: web.Request) -> str | None:
    """The tenant the caller scoped the request to, if any."""
    return request.headers.get(TENANT_HEADER) or None


class PageQuery(BaseModel):
    """Cursor pagination parameters."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = None


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
        body[key] = {
            "ip": row["remote_address"],
            "tenant_id": row["tenant_id"],
            "charge_box_id": box,
            "connection_id": row["connection_id"],
            "connected_since": row["opened_at"],
            "subprotocol": row["subprotocol"],
            "node": row["node"],
            "last_message_at": row["last_message_at"],
            "frames_received": row["frames_received"],
            "frames_sent": row["frames_sent"],
            "rpc_calls": live.pending_calls() if live is not None else {},
        }
    return json_response(body)


def _box_body(row: dict[str, Any]) -> dict[str, Any]:
    connected = row["connection_id"] is not None
    return {
        "tenant_id": row["tenant_id"],
        "charge_box_id": row["charge_box_id"],
        "registered_at": row["registered_at"],
        "registration_status": row["registration_status"],
        "connected": connected,
        "connection": {
            "connection_id": row["connection_id"],
            "connected_since": row["connected_since"],
            "remote_address": row["remote_address"],
            "node": row["node"],
            "last_message_at": row["last_message_at"],
        }
        if connected
        else None,
        "boot": {
            "charge_point_vendor": row["charge_point_vendor"],
            "charge_point_model": row["charge_point_model"],
            "charge_point_serial_number": row["charge_point_serial_number"],
            "charge_box_serial_number": row["charge_box_serial_number"],
            "firmware_version": row["firmware_version"],
            "iccid": row["iccid"],
            "imsi": row["imsi"],
            "meter_type": row["meter_type"],
            "meter_serial_number": row["meter_serial_number"],
            "heartbeat_interval": row["heartbeat_interval"],
            "last_boot_at": row["last_boot_at"],
        },
        "configured_status": row["configured_status"],
        "firmware": {
            "status": row["firmware_status"],
            "at": row["firmware_status_at"],
            "signed_status": row["signed_firmware_status"],
            "signed_request_id": row["signed_firmware_request_id"],
            "signed_at": row["signed_firmware_status_at"],
        },
        "diagnostics": {"status": row["diagnostics_status"], "at": row["diagnostics_status_at"]},
        "logs": {
            "status": row["log_status"],
            "request_id": row["log_request_id"],
            "at": row["log_status_at"],
        },
        "security": {
            "events": row["security_events"],
            "last_event_type": row["last_security_event_type"],
            "last_event_at": row["last_security_event_at"],
            "certificate_requests": row["certificate_requests"],
            "security_profile": row["security_profile"],
            "has_authorization_key": row["has_authorization_key"],
            "refused_handshakes": row["refused_handshakes"],
            "last_refused_at": row["last_refused_at"],
        },
        "data_transfers": {"count": row["data_transfers"], "last_at": row["last_data_transfer_at"]},
        "local_list": {
            "version": row["local_list_version"],
            "synced_at": row["local_list_synced_at"],
        },
    }


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
    box = await _box_or_404(request)
    body = _box_body(box)
    body["connectors"] = box["connectors"]
    return json_response(body)


async def evse(request: web.Request) -> web.Response:
    """The original `/evses/{id}` shape: uid, connection, connectors by id; plus more."""
    box = await _box_or_404(request)
    body = _box_body(box)
    body["uid"] = box["charge_box_id"]
    body["connection"] = "connected" if body["connected"] else "disconnected"
    body["connectors"] = {str(c["connector_id"]): c for c in box["connectors"]}
    return json_response(body)


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
    return json_response(
        {
            "tenant_id": box.tenant_id,
            "charge_box_id": box.charge_box_id,
            "configured_status": box.configured_status,
            "registration_status": box.registration_status,
        }
    )


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
