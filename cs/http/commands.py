"""REST: remote operations on charge boxes, and the commands they became.

`POST /charge-boxes/{id}/remote/{operation}` (and the original `/evses/{id}/remote/
start-session` and `stop-session`) validates the body and hands the operation to the
command use case (`cs.app.commands.service.CommandService.run`), which records it,
sends it on the box's connection (on this node or the one holding it) and, unless
`?wait=false`, returns what the charger answered:

    200 answered            502 CALLERROR (or aborted: the box went away)
    202 queued (wait=false) 504 no answer within CS_CALL_TIMEOUT (recorded as timed out)
    404 unknown box         409 not connected           422 invalid body (field named)
    503 the box's command queue is full (Retry-After), or its node is unreachable
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from cs.app.commands.calls import CommandRequest
from cs.domain.command import ABORTED, ANSWERED, FAILED, TIMED_OUT
from cs.domain.ids import DEFAULT_TENANT
from cs.http.auth import actor
from cs.http.errors import NotFoundError
from cs.http.jsonio import json_response
from cs.http.keys import COMMANDS, READ_MODELS, REGISTRY
from cs.http.models import CommandOut, CommandRowOut
from cs.http.operations import OPERATIONS, RemoteStartIn, RemoteStopIn
from cs.http.shapes import Shape
from cs.http.views import PageQuery, tenant_of
from cs.projections.cursors import decode_cursor


async def remote_operation(request: web.Request) -> web.Response:
    name = request.match_info["operation"]
    operation = OPERATIONS.get(name)
    if operation is None:
        raise NotFoundError(f"no operation {name!r}", operations=sorted(OPERATIONS))
    body = operation.body.model_validate_json(await request.read() or b"{}")
    return await _run(request, name, body)


async def start_session(request: web.Request) -> web.Response:
    """The original `/evses/{id}/remote/start-session {token_id, connector_id?}`."""
    body = RemoteStartIn.model_validate_json(await request.read() or b"{}")
    return await _run(request, "remote-start-transaction", body)


async def stop_session(request: web.Request) -> web.Response:
    """The original `/evses/{id}/remote/stop-session {session_id}` (or transaction_id)."""
    body = RemoteStopIn.model_validate_json(await request.read() or b"{}")
    return await _run(request, "remote-stop-transaction", body)


async def _run(request: web.Request, operation: str, body: BaseModel) -> web.Response:
    command = CommandRequest(
        tenant_id=tenant_of(request) or DEFAULT_TENANT,
        charge_box_id=request.match_info["charge_box_id"],
        operation=operation,
        arguments=body.model_dump(mode="json", exclude_none=True),
        requested_by=actor(request),
    )
    wait = request.query.get("wait", "true").lower() not in ("false", "0", "no")
    view = await request.app[COMMANDS].run(command, wait=wait)
    if not wait:
        headers = {"Location": f"/commands/{view.command_id}"}
        return json_response(command_body(view), status=202, headers=headers)
    return json_response(command_body(view), status=_STATUS_OF.get(view.status, 202))


_STATUS_OF = {ANSWERED: 200, FAILED: 502, TIMED_OUT: 504, ABORTED: 502}


command_body = Shape(CommandOut, attributes=True)  # of a CommandView
_command_row = Shape(CommandRowOut)


async def get_command(request: web.Request) -> web.Response:
    try:
        command_id = uuid.UUID(request.match_info["command_id"])
    except ValueError:
        raise NotFoundError("no such command") from None
    command = await request.app[COMMANDS].get(command_id)
    tenant = tenant_of(request)
    if command is None or (tenant is not None and command.tenant_id != tenant):
        raise NotFoundError("no such command", command_id=str(command_id))
    return json_response(command_body(command))


async def list_commands(request: web.Request) -> web.Response:
    charge_box_id = request.match_info["charge_box_id"]
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    page = PageQuery.model_validate(dict(request.query))
    after = decode_cursor(page.cursor, 2) if page.cursor else None
    if after is not None:
        after = [datetime.fromisoformat(str(after[0])), str(after[1])]
    rows, next_cursor = await request.app[READ_MODELS].commands(
        tenant_id, charge_box_id, limit=page.limit, after=after
    )
    items = [_command_row(row) for row in rows]
    return json_response({"items": items, "next_cursor": next_cursor})


async def _box_rows(request: web.Request, query: str, **filters: Any) -> web.Response:
    charge_box_id = request.match_info["charge_box_id"]
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    if await request.app[REGISTRY].known(tenant_id, charge_box_id) is None:
        raise NotFoundError(f"charge box {charge_box_id!r} not found", charge_box_id=charge_box_id)
    rows = await getattr(request.app[READ_MODELS], query)(tenant_id, charge_box_id, **filters)
    return json_response({"items": rows})


async def configuration(request: web.Request) -> web.Response:
    """The box's configuration as its last GetConfiguration/ChangeConfiguration said."""
    return await _box_rows(request, "configuration")


class VariablesQuery(BaseModel):
    """Filters of the device model (each exact; all given must hold)."""

    model_config = ConfigDict(extra="forbid")
    component: str | None = Field(default=None, max_length=50)
    variable: str | None = Field(default=None, max_length=50)
    evse_id: int | None = Field(default=None, ge=0)
    attribute_type: Literal["Actual", "Target", "MinSet", "MaxSet"] | None = None


async def variables(request: web.Request) -> web.Response:
    """The 2.0.1 device model as the station's reports and answers told it."""
    query = VariablesQuery.model_validate(dict(request.query))
    return await _box_rows(request, "variables", **query.model_dump(exclude_none=True))


class CertificatesQuery(BaseModel):
    """Filter of the installed certificates."""

    model_config = ConfigDict(extra="forbid")
    certificate_type: (
        Literal[
            "V2GRootCertificate",
            "MORootCertificate",
            "CSMSRootCertificate",
            "V2GCertificateChain",
            "ManufacturerRootCertificate",
        ]
        | None
    ) = None


async def certificates(request: web.Request) -> web.Response:
    """The certificates a 2.0.1 station holds, as its certificate answers told them."""
    query = CertificatesQuery.model_validate(dict(request.query))
    return await _box_rows(request, "certificates", **query.model_dump(exclude_none=True))


async def reservations(request: web.Request) -> web.Response:
    return await _box_rows(request, "reservations")


async def charging_profiles(request: web.Request) -> web.Response:
    return await _box_rows(request, "charging_profiles")
