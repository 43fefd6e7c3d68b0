"""The routing table's rows for commands: remote operations and what they leave on a box.

A part of `cs.http.routes` (which splices these rows in at their place), apart because
each remote operation is documented with its own path, body and examples.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cs.http import commands
from cs.http import models as m
from cs.http.endpoint import LIST_ERRORS, Endpoint, box_get
from cs.http.errors import Handler
from cs.http.openapi import WAIT
from cs.http.operation import Operation
from cs.http.operations import OPERATIONS, RemoteStartIn, RemoteStopIn
from cs.http.views import PageQuery

COMMAND_ERRORS = {
    404: "unknown charge box",
    409: "charge box not connected (to this node, or, with command routing, to any node)",
    422: "invalid body (the field is named)",
    502: "the charger answered a CALLERROR (or disconnected before answering)",
    503: "the charger's command queue is full (Retry-After), or the node holding the box "
    "cannot be reached now (command routing)",
    504: "no answer within CS_CALL_TIMEOUT (the command is recorded as timed out), or no "
    "reply from the node holding the box",
}


def _command(
    path: str,
    handler: Handler,
    summary: str,
    body: type[BaseModel],
    example: dict[str, Any],
    action: str,
) -> Endpoint:
    """A remote operation: records a command and answers with it (cs.http.commands)."""
    return Endpoint(
        "POST",
        path,
        handler,
        summary,
        m.CommandOut,
        answers={200: "OK", 202: "queued (wait=false): poll the Location"},
        body=body,
        user=True,
        parameters=(WAIT,),
        errors=COMMAND_ERRORS,
        body_example=example,
        response_example=_answered(summary, action, example),
    )


def _answered(operation: str, action: str, request: dict[str, Any]) -> dict[str, Any]:
    """An example of the answer to a command the charger accepted."""
    return {
        "command_id": "9a0c3c1e-1f60-4c5e-9f47-0c2b7ad5b3a1",
        "status": "answered",
        "operation": operation,
        "action": action,
        "msg_id": "5f7d1c52-6a5f-4cbe-8a1e-54a0d1c3e0b2",
        "tenant_id": "default",
        "charge_box_id": "CP-1",
        "requested_by": "ops",
        "requested_at": "2026-11-25T10:00:00.000Z",
        "request": request,
        "answer": {"status": "Accepted"},
        "error": None,
        "transaction_id": None,
    }


def _remote(op: Operation) -> Endpoint:
    path = f"/charge-boxes/{{charge_box_id}}/remote/{op.name}"
    return _command(path, commands.remote_operation, op.name, op.body, op.example, op.action)


COMMAND_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/charge-boxes/{charge_box_id}/remote/{operation}",
        commands.remote_operation,
        "A remote operation (one documented path per operation)",
        variants=tuple(_remote(op) for op in OPERATIONS.values()),
    ),
    _command(
        "/evses/{charge_box_id}/remote/start-session",
        commands.start_session,
        "start-session (RemoteStartTransaction; the original endpoint)",
        RemoteStartIn,
        {"token_id": "04A2B3C4", "connector_id": 1},
        "RemoteStartTransaction",
    ),
    _command(
        "/evses/{charge_box_id}/remote/stop-session",
        commands.stop_session,
        "stop-session (RemoteStopTransaction; the original endpoint)",
        RemoteStopIn,
        {"session_id": 1234},
        "RemoteStopTransaction",
    ),
    Endpoint(
        "GET",
        "/commands/{command_id}",
        commands.get_command,
        "One command and its outcome",
        m.CommandOut,
        errors={404: "unknown command"},
    ),
    Endpoint(
        "GET",
        "/charge-boxes/{charge_box_id}/commands",
        commands.list_commands,
        "A charge box's commands, newest first",
        m.CommandPage,
        query=PageQuery,
        errors=LIST_ERRORS,
    ),
    box_get(
        "/charge-boxes/{charge_box_id}/configuration",
        commands.configuration,
        "Configuration keys as the box last reported them",
        m.ConfigurationOut,
    ),
    Endpoint(
        "GET",
        "/charge-boxes/{charge_box_id}/variables",
        commands.variables,
        "The OCPP 2.0.1 device model: every variable attribute the box reported or answered",
        m.VariablesOut,
        query=commands.VariablesQuery,
        errors=LIST_ERRORS,
    ),
    Endpoint(
        "GET",
        "/charge-boxes/{charge_box_id}/certificates",
        commands.certificates,
        "OCPP 2.0.1: the certificates the box holds, from its GetInstalledCertificateIds "
        "answers and accepted InstallCertificate / DeleteCertificate",
        m.CertificatesOut,
        query=commands.CertificatesQuery,
        errors=LIST_ERRORS,
    ),
    box_get(
        "/charge-boxes/{charge_box_id}/reservations",
        commands.reservations,
        "Reservations (ids allocated by the central system)",
        m.ReservationsOut,
    ),
    box_get(
        "/charge-boxes/{charge_box_id}/charging-profiles",
        commands.charging_profiles,
        "Charging profiles installed on the box",
        m.ChargingProfilesOut,
    ),
)
