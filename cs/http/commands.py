"""REST: remote operations on charge boxes, and the commands they became.

`POST /charge-boxes/{id}/remote/{operation}` (and the original `/evses/{id}/remote/
start-session` and `stop-session`) records a command, queues it on the box's live
connection and, unless `?wait=false`, answers with the charger's answer:

    200 answered            502 CALLERROR (or aborted: the box went away)
    202 queued (wait=false) 504 no answer within CS_CALL_TIMEOUT (recorded as timed out)
    404 unknown box         409 not connected           422 invalid body (field named)
    503 the box's command queue is full (Retry-After), or its node is unreachable

A box connected to another node gets the command through that node (CommandBus, with
CS_AMQP_URL): the answer is the one that node gives, as if the call had gone there.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from aiohttp import web
from ocpp.charge_point import camel_to_snake_case
from pydantic import BaseModel

from cs.adapters.amqp.command_bus import (
    CommandBus,
    Execute,
    NoReplyError,
    OwnerGoneError,
    Reply,
    RoutingUnavailableError,
)
from cs.adapters.ocpp16.commands import NotConnectedError, QueueFullError
from cs.adapters.ocpp16.errors import OcppError
from cs.app.commands import CommandRequest
from cs.bootstrap import System
from cs.domain.command import ANSWERED, FAILED, TIMED_OUT
from cs.domain.datetimes import format_datetime
from cs.domain.ids import DEFAULT_TENANT
from cs.http.auth import actor
from cs.http.errors import (
    ApiError,
    GatewayTimeoutError,
    NotConnectedApiError,
    NotFoundError,
    QueueFullApiError,
    UnavailableError,
    UnprocessableError,
)
from cs.http.jsonio import dumps, json_response
from cs.http.keys import COMMAND_BUS, SYSTEM
from cs.http.models import CommandOut, CommandRowOut
from cs.http.nodes import refresh_unless_held
from cs.http.operations import OPERATIONS, Operation, RemoteStartIn, RemoteStopIn
from cs.http.shapes import Shape
from cs.http.views import PageQuery, tenant_of
from cs.projections.queries import decode_cursor


async def remote_operation(request: web.Request) -> web.Response:
    name = request.match_info["operation"]
    operation = OPERATIONS.get(name)
    if operation is None:
        raise NotFoundError(f"no operation {name!r}", operations=sorted(OPERATIONS))
    body = operation.body.model_validate_json(await request.read() or b"{}")
    return await _submit(request, request.match_info["charge_box_id"], operation, body)


async def start_session(request: web.Request) -> web.Response:
    """The original `/evses/{id}/remote/start-session {token_id, connector_id?}`."""
    body = RemoteStartIn.model_validate_json(await request.read() or b"{}")
    return await _submit(
        request, request.match_info["charge_box_id"], OPERATIONS["remote-start-transaction"], body
    )


async def stop_session(request: web.Request) -> web.Response:
    """The original `/evses/{id}/remote/stop-session {session_id}` (or transaction_id)."""
    body = RemoteStopIn.model_validate_json(await request.read() or b"{}")
    return await _submit(
        request, request.match_info["charge_box_id"], OPERATIONS["remote-stop-transaction"], body
    )


async def _submit(
    request: web.Request, charge_box_id: str, operation: Operation, body: BaseModel
) -> web.Response:
    system = request.app[SYSTEM]
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    # The payload may use the box's state (SendLocalList's version): current state only.
    refresh_unless_held(request.app, tenant_id, charge_box_id)
    box = await system.services.charge_points.known(tenant_id, charge_box_id)
    if box is None:
        raise NotFoundError(f"charge box {charge_box_id!r} not found", charge_box_id=charge_box_id)
    payload = await _payload(
        request, operation, body, tenant_id, box.local_list_version, box.local_list_synced_at
    )
    try:
        system.hub.validator.check_request(operation.action, payload)
    except OcppError as error:
        raise _invalid(error) from None
    command_request = CommandRequest(
        tenant_id=tenant_id,
        charge_box_id=charge_box_id,
        operation=operation.name,
        action=operation.action,
        payload=payload,
        requested_by=actor(request),
    )
    wait = request.query.get("wait", "true").lower() not in ("false", "0", "no")
    try:
        reply = await run_command(system, command_request, wait=wait)
    except NotConnectedError as error:
        bus = request.app.get(COMMAND_BUS)
        if bus is None:
            raise NotConnectedApiError(str(error), charge_box_id=charge_box_id) from None
        reply = await _forward(system, bus, command_request, wait=wait, error=error)
    return web.Response(
        body=reply.body, status=reply.status, content_type="application/json", headers=reply.headers
    )


async def run_command(system: System, command_request: CommandRequest, *, wait: bool) -> Reply:
    """Run a command on this node's connection to the box: the reply for the REST caller.

    Raises `NotConnectedError` when the box is not connected to this node.
    """
    try:
        job = await system.hub.submit(command_request)
    except QueueFullError as error:
        raise QueueFullApiError(
            str(error), retry_after_seconds=int(system.settings.call_timeout)
        ) from None
    if not wait:
        body_out = command_body(job.command.aggregate)
        return Reply(202, dumps(body_out), {"Location": f"/commands/{body_out['command_id']}"})
    command = await asyncio.shield(job.done)
    return Reply(_STATUS_OF.get(command.status, 202), dumps(command_body(command)))


def executor(system: System) -> Execute:
    """`run_command` for commands other nodes forward here, errors answered as REST would."""

    async def execute(command_request: CommandRequest, wait: bool) -> Reply:
        try:
            return await run_command(system, command_request, wait=wait)
        except NotConnectedError as error:  # gone from here since the sender looked
            failure: ApiError = NotConnectedApiError(
                str(error), charge_box_id=command_request.charge_box_id
            )
        except ApiError as error:
            failure = error
        return Reply(failure.status, dumps(failure.body()), failure.headers())

    return execute


async def _forward(
    system: System,
    bus: CommandBus,
    command_request: CommandRequest,
    *,
    wait: bool,
    error: Exception,
) -> Reply:
    """Hand the command to the node holding the box (DESIGN 6, docs/adr/0013)."""
    tenant_id, charge_box_id = command_request.tenant_id, command_request.charge_box_id
    owner = await system.read_models.node_holding(tenant_id, charge_box_id)
    if owner is None or owner == bus.node:
        raise NotConnectedApiError(str(error), charge_box_id=charge_box_id)
    # The owner waits CS_CALL_TIMEOUT for the charger; the reply needs a moment more.
    timeout = system.settings.call_timeout + 5.0
    try:
        return await bus.forward(owner, command_request, wait=wait, reply_within=timeout)
    except OwnerGoneError as gone:
        raise NotConnectedApiError(
            f"{error}; {gone}", charge_box_id=charge_box_id, node=owner
        ) from None
    except RoutingUnavailableError as unavailable:
        raise UnavailableError(
            f"charge box {charge_box_id!r} is connected to node {owner!r}, which cannot be "
            f"reached now: {unavailable}",
            node=owner,
        ) from None
    except NoReplyError as silent:
        raise GatewayTimeoutError(str(silent), node=owner) from None


async def _payload(
    request: web.Request,
    operation: Operation,
    body: BaseModel,
    tenant_id: str,
    local_list_version: int,
    local_list_synced_at: datetime | None,
) -> dict[str, Any]:
    payload = operation.build(body)
    system = request.app[SYSTEM]
    if operation.action == "ReserveNow":
        payload["reservationId"] = await system.reservation_ids.next()  # ours, not the caller's
    elif operation.action == "SendLocalList":
        since = local_list_synced_at if payload["updateType"] == "Differential" else None
        entries = await system.read_models.local_list_entries(tenant_id, since)
        payload["listVersion"] = local_list_version + 1
        payload["localAuthorizationList"] = [_local_entry(entry) for entry in entries]
    return payload


def _local_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """OCPP 1.6 section 7.2 AuthorizationData: no idTagInfo means "remove this tag"."""
    item: dict[str, Any] = {"idTag": entry["id_tag"]}
    if entry["registered"]:
        info: dict[str, Any] = {"status": entry["status"]}
        if entry["expiry_date"] is not None:
            info["expiryDate"] = format_datetime(entry["expiry_date"])
        if entry["parent_id_tag"] is not None:
            info["parentIdTag"] = entry["parent_id_tag"]
        item["idTagInfo"] = info
    return item


def _invalid(error: OcppError) -> UnprocessableError:
    path = str((error.details or {}).get("field", ""))
    field = ".".join(
        next(iter(camel_to_snake_case({part: None}))) for part in path.split("/") if part
    )
    return UnprocessableError(
        f"invalid value for: {field or '(body)'}",
        problems=[
            {"field": field or "(body)", "message": str(error.description), "type": str(error.code)}
        ],
    )


_STATUS_OF = {ANSWERED: 200, FAILED: 502, TIMED_OUT: 504, "aborted": 502}


command_body = Shape(CommandOut, attributes=True)
_command_row = Shape(CommandRowOut)


async def get_command(request: web.Request) -> web.Response:
    try:
        command_id = uuid.UUID(request.match_info["command_id"])
    except ValueError:
        raise NotFoundError("no such command") from None
    command = await request.app[SYSTEM].services.commands.get(command_id)
    tenant = tenant_of(request)
    if command is None or (tenant is not None and command.tenant_id != tenant):
        raise NotFoundError("no such command", command_id=str(command_id))
    return json_response(command_body(command))


async def list_commands(request: web.Request) -> web.Response:
    system = request.app[SYSTEM]
    charge_box_id = request.match_info["charge_box_id"]
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    page = PageQuery.model_validate(dict(request.query))
    after = decode_cursor(page.cursor, 2) if page.cursor else None
    if after is not None:
        after = [datetime.fromisoformat(str(after[0])), str(after[1])]
    rows, next_cursor = await system.read_models.commands(
        tenant_id, charge_box_id, limit=page.limit, after=after
    )
    items = [_command_row(row) for row in rows]
    return json_response({"items": items, "next_cursor": next_cursor})


async def _box_rows(request: web.Request, query: str) -> web.Response:
    system = request.app[SYSTEM]
    charge_box_id = request.match_info["charge_box_id"]
    tenant_id = tenant_of(request) or DEFAULT_TENANT
    if await system.services.charge_points.known(tenant_id, charge_box_id) is None:
        raise NotFoundError(f"charge box {charge_box_id!r} not found", charge_box_id=charge_box_id)
    rows = await getattr(system.read_models, query)(tenant_id, charge_box_id)
    return json_response({"items": rows})


async def configuration(request: web.Request) -> web.Response:
    """The box's configuration as its last GetConfiguration/ChangeConfiguration said."""
    return await _box_rows(request, "configuration")


async def reservations(request: web.Request) -> web.Response:
    return await _box_rows(request, "reservations")


async def charging_profiles(request: web.Request) -> web.Response:
    return await _box_rows(request, "charging_profiles")
