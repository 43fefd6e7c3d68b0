"""REST: charging sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cs.http.errors import NotFoundError
from cs.http.jsonio import json_response
from cs.http.keys import READ_MODELS
from cs.http.views import tenant_of
from cs.projections.queries import SessionFilter, decode_cursor


class SessionQuery(BaseModel):
    """Query parameters of the session lists."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "finished", "abandoned"] | None = None
    charge_box_id: str | None = None
    connector_id: int | None = Field(default=None, ge=0)
    id_tag: str | None = Field(default=None, max_length=20)
    started_from: AwareDatetime | None = None
    started_to: AwareDatetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = None


def session_body(row: dict[str, Any]) -> dict[str, Any]:
    energy_wh = row["energy_wh"]
    return {
        "transaction_id": row["transaction_id"],
        "tenant_id": row["tenant_id"],
        "charge_box_id": row["charge_box_id"],
        "connector_id": row["connector_id"],
        "id_tag": row["id_tag"],
        "id_tag_status": row["id_tag_status"],
        "status": row["status"],
        "reservation_id": row["reservation_id"],
        "started_at": row["started_at"],
        "start_received_at": row["start_received_at"],
        "stopped_at": row["stopped_at"],
        "stop_received_at": row["stop_received_at"],
        "stop_reason": row["stop_reason"],
        "stop_id_tag": row["stop_id_tag"],
        "stop_id_tag_status": row["stop_id_tag_status"],
        "meter_start": row["meter_start"],
        "meter_stop": row["meter_stop"],
        "energy_wh": energy_wh,
        "energy_kwh": energy_wh / 1000 if energy_wh is not None else None,
        "duration_seconds": row["duration_seconds"],
        "meter": {
            "last_energy_wh": row["last_energy_wh"],
            "max_power_w": row["max_power_w"],
            "last_soc": row["last_soc"],
            "last_sample_at": row["last_sample_at"],
            "reports": row["meter_value_reports"],
        },
        "flags": row["flags"],
        "repeated_starts": row["repeated_starts"],
        "repeated_stops": row["repeated_stops"],
        "replaced_by": row["replaced_by"],
        # The original system's names for the same facts.
        "charge_box_serial": row["charge_box_id"],
        "token_id": row["id_tag"],
        "client_timestamp_start": row["started_at"],
        "server_timestamp_start": row["start_received_at"],
        "remote_start_command_id": row.get("remote_start_command_id"),
    }


async def _page(request: web.Request, **fixed: Any) -> web.Response:
    query = SessionQuery.model_validate({**dict(request.query), **fixed})
    filters = SessionFilter(
        tenant_id=tenant_of(request),
        status=query.status,
        charge_box_id=query.charge_box_id,
        connector_id=query.connector_id,
        id_tag=query.id_tag,
        started_from=query.started_from,
        started_to=query.started_to,
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
