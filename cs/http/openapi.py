"""The OpenAPI 3.1 document of the REST API, served at `/openapi.json`.

Schemas come from the pydantic models in `cs.http.models`; paths are listed here, one
entry per route. A test checks every route of the app is documented.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from cs.http import models as m
from cs.http.api_keys import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, ApiKeysOut
from cs.http.auth import required_role
from cs.http.jsonio import json_response
from cs.http.operations import OPERATIONS, RemoteStartIn, RemoteStopIn
from cs.http.security import SecurityIn
from cs.http.tokens import TokenIn
from cs.http.views import RegistrationIn

REF = "#/components/schemas/{model}"
TENANT = {
    "name": "x-tenant-id",
    "in": "header",
    "required": False,
    "description": "Scope the request to one tenant.",
    "schema": {"type": "string"},
}
CHARGE_BOX_ID = {
    "name": "charge_box_id",
    "in": "path",
    "required": True,
    "description": "The charge box id (the last segment of its websocket URL).",
    "schema": {"type": "string"},
}
PAGE = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    },
    {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string"},
        "description": "from `next_cursor`",
    },
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _error(description: str) -> dict[str, Any]:
    return _json(m.ErrorOut, description)


def _operation(
    summary: str,
    model: type[BaseModel] | None,
    *params: dict[str, Any],
    status: str = "200",
    body: type[BaseModel] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    responses = {status: _json(model, "OK") if model else {"description": "No content"}}
    responses.update({code: _error(text) for code, text in (errors or {}).items()})
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _get(
    summary: str,
    model: type[BaseModel],
    *params: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {"get": _operation(summary, model, *params, errors=errors)}


class ChargeBoxPage(m.PageOut[m.ChargeBoxSummaryOut]):
    """A page of charge boxes."""


class SessionPage(m.PageOut[m.SessionOut]):
    """A page of sessions, newest start first."""


class TokenPage(m.PageOut[m.TokenRowOut]):
    """A page of registered id tags."""


class CommandPage(m.PageOut[m.CommandRowOut]):
    """A page of commands, newest first."""


BOX_ERRORS = {"404": "unknown charge box", "409": "id used by several tenants; send x-tenant-id"}
USER = {
    "name": "x-user-id",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "who makes the change, recorded only with CS_API_AUTH=off (with a key, "
    "the key's identity `key:<id> (<name>)` is recorded and this header is ignored)",
}
ID_TAG = {
    "name": "id_tag",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 20},
}
TRANSACTION_ID = {
    "name": "transaction_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


SESSION_FILTERS = [
    _query("status", {"enum": ["active", "finished", "abandoned"]}, "session status"),
    _query("connector_id", {"type": "integer", "minimum": 0}, "connector"),
    _query("id_tag", {"type": "string", "maxLength": 20}, "id tag (case-insensitive)"),
    _query(
        "started_from",
        {"type": "string", "format": "date-time"},
        "started at or after (with offset)",
    ),
    _query("started_to", {"type": "string", "format": "date-time"}, "started before (with offset)"),
    *PAGE,
]
LIST_ERRORS = {"400": "bad cursor", "422": "bad parameter (the field is named)"}


PATHS: dict[str, dict[str, Any]] = {
    "/health": {
        "get": {
            **_operation("Liveness, write and projection progress", m.HealthOut),
            "responses": {
                "200": _json(m.HealthOut, "OK"),
                "503": _json(m.HealthOut, "degraded: the database does not answer"),
            },
        }
    },
    "/summary": _get(
        "Counts of charge boxes, connections and active sessions", m.SummaryOut, TENANT
    ),
    "/connections": {
        "get": {
            "summary": "Open connections keyed by charge box id",
            "parameters": [TENANT],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": _ref(m.ConnectionOut),
                            }
                        }
                    },
                }
            },
        }
    },
    "/charge-boxes": _get(
        "Charge boxes, cursor-paginated", ChargeBoxPage, TENANT, *PAGE, errors=LIST_ERRORS
    ),
    "/charge-boxes/{charge_box_id}": _get(
        "One charge box with its connectors",
        m.ChargeBoxOut,
        CHARGE_BOX_ID,
        TENANT,
        errors=BOX_ERRORS,
    ),
    "/evses/{charge_box_id}": _get(
        "A charge box in the original EVSE shape",
        m.EvseOut,
        CHARGE_BOX_ID,
        TENANT,
        errors=BOX_ERRORS,
    ),
    "/charge-boxes/{charge_box_id}/security-events": _get(
        "Security events a charge box reported, newest first",
        m.SecurityEventsOut,
        CHARGE_BOX_ID,
        TENANT,
        PAGE[0],
        errors=BOX_ERRORS,
    ),
    "/charge-boxes/{charge_box_id}/registration": {
        "put": _operation(
            "Set what the box's next BootNotification is answered (tenant from x-tenant-id)",
            m.RegistrationOut,
            CHARGE_BOX_ID,
            TENANT,
            USER,
            body=RegistrationIn,
            errors={"422": "invalid body (the field is named)"},
        )
    },
    "/charge-boxes/{charge_box_id}/security": {
        "put": _operation(
            "Register a charge box's security profile and authorization key (201: new box)",
            m.ChargeBoxSecurityOut,
            CHARGE_BOX_ID,
            TENANT,
            body=SecurityIn,
            errors={"422": "invalid body, or profile 1/2 without a key (the field is named)"},
        )
    },
    "/access-refusals": _get(
        "Websocket handshakes refused (wrong or missing credentials, unknown box, ...)",
        m.AccessRefusalsOut,
        TENANT,
        _query("charge_box_id", {"type": "string"}, "only this charge box"),
        PAGE[0],
        errors={"422": "bad parameter (the field is named)"},
    ),
    "/sessions": _get(
        "Charging sessions, newest first",
        SessionPage,
        TENANT,
        _query("charge_box_id", {"type": "string"}, "charge box"),
        *SESSION_FILTERS,
        errors=LIST_ERRORS,
    ),
    "/sessions/{transaction_id}": _get(
        "One session", m.SessionOut, TRANSACTION_ID, TENANT, errors={"404": "unknown transaction"}
    ),
    "/evses/{charge_box_id}/sessions": _get(
        "Sessions of a charge box",
        SessionPage,
        CHARGE_BOX_ID,
        TENANT,
        *SESSION_FILTERS,
        errors=LIST_ERRORS,
    ),
    "/charge-boxes/{charge_box_id}/sessions": _get(
        "Sessions of a charge box",
        SessionPage,
        CHARGE_BOX_ID,
        TENANT,
        *SESSION_FILTERS,
        errors=LIST_ERRORS,
    ),
    "/tokens": _get(
        "Registered id tags of the tenant (x-tenant-id, else `default`)",
        TokenPage,
        TENANT,
        *PAGE,
        errors=LIST_ERRORS,
    ),
    "/tokens/{id_tag}": {
        "get": _operation(
            "One registered id tag",
            m.TokenOut,
            ID_TAG,
            TENANT,
            errors={"404": "not registered", "422": "id_tag longer than 20"},
        ),
        "put": {
            **_operation(
                "Register or change an id tag (200 changed, 201 created)",
                m.TokenOut,
                ID_TAG,
                TENANT,
                USER,
                body=TokenIn,
                errors={"422": "invalid body or id_tag (the field is named)"},
            ),
            "responses": {
                "200": _json(m.TokenOut, "changed (or unchanged)"),
                "201": _json(m.TokenOut, "created"),
                "422": _error("invalid body or id_tag (the field is named)"),
            },
        },
        "delete": _operation(
            "Remove an id tag from the registry",
            None,
            ID_TAG,
            TENANT,
            USER,
            status="204",
            errors={"404": "not registered"},
        ),
    },
}

COMMAND_ID = {
    "name": "command_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
WAIT = _query(
    "wait", {"type": "boolean", "default": True}, "false: answer 202 at once; poll /commands/{id}"
)
COMMAND_ERRORS = {
    "404": "unknown charge box",
    "409": "charge box not connected (to this node, or, with command routing, to any node)",
    "422": "invalid body (the field is named)",
    "502": "the charger answered a CALLERROR (or disconnected before answering)",
    "503": "the charger's command queue is full (Retry-After), or the node holding the box "
    "cannot be reached now (command routing)",
    "504": "no answer within CS_CALL_TIMEOUT (the command is recorded as timed out), or no "
    "reply from the node holding the box",
}


def _command_operation(
    summary: str, body: type[BaseModel], example: dict[str, Any], action: str
) -> dict[str, Any]:
    operation = _operation(
        summary, m.CommandOut, CHARGE_BOX_ID, TENANT, USER, WAIT, body=body, errors=COMMAND_ERRORS
    )
    operation["requestBody"]["content"]["application/json"]["example"] = example
    operation["responses"]["200"]["content"]["application/json"]["example"] = {
        "command_id": "9a0c3c1e-1f60-4c5e-9f47-0c2b7ad5b3a1",
        "status": "answered",
        "operation": summary,
        "action": action,
        "msg_id": "5f7d1c52-6a5f-4cbe-8a1e-54a0d1c3e0b2",
        "tenant_id": "default",
        "charge_box_id": "CP-1",
        "requested_by": "ops",
        "requested_at": "2026-11-25T10:00:00.000Z",
        "request": example,
        "answer": {"status": "Accepted"},
        "error": None,
        "transaction_id": None,
    }
    operation["responses"]["202"] = _json(m.CommandOut, "queued (wait=false): poll the Location")
    return {"post": operation}


PATHS.update(
    {
        f"/charge-boxes/{{charge_box_id}}/remote/{op.name}": _command_operation(
            op.name, op.body, op.example, op.action
        )
        for op in OPERATIONS.values()
    }
)
PATHS.update(
    {
        "/evses/{charge_box_id}/remote/start-session": _command_operation(
            "start-session (RemoteStartTransaction; the original endpoint)",
            RemoteStartIn,
            {"token_id": "04A2B3C4", "connector_id": 1},
            "RemoteStartTransaction",
        ),
        "/evses/{charge_box_id}/remote/stop-session": _command_operation(
            "stop-session (RemoteStopTransaction; the original endpoint)",
            RemoteStopIn,
            {"session_id": 1234},
            "RemoteStopTransaction",
        ),
        "/commands/{command_id}": _get(
            "One command and its outcome",
            m.CommandOut,
            COMMAND_ID,
            TENANT,
            errors={"404": "unknown command"},
        ),
        "/charge-boxes/{charge_box_id}/commands": _get(
            "A charge box's commands, newest first",
            CommandPage,
            CHARGE_BOX_ID,
            TENANT,
            *PAGE,
            errors=LIST_ERRORS,
        ),
        "/charge-boxes/{charge_box_id}/configuration": _get(
            "Configuration keys as the box last reported them",
            m.ConfigurationOut,
            CHARGE_BOX_ID,
            TENANT,
            errors=BOX_ERRORS,
        ),
        "/charge-boxes/{charge_box_id}/reservations": _get(
            "Reservations (ids allocated by the central system)",
            m.ReservationsOut,
            CHARGE_BOX_ID,
            TENANT,
            errors=BOX_ERRORS,
        ),
        "/charge-boxes/{charge_box_id}/charging-profiles": _get(
            "Charging profiles installed on the box",
            m.ChargingProfilesOut,
            CHARGE_BOX_ID,
            TENANT,
            errors=BOX_ERRORS,
        ),
    }
)

HISTORY_QUERY = [
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 10000, "default": 500},
        "events per page",
    ),
    _query("cursor", {"type": "integer"}, "from `next_cursor`"),
]
WINDOW = [
    _query("from", {"type": "string", "format": "date-time"}, "recorded at or after"),
    _query("to", {"type": "string", "format": "date-time"}, "recorded before"),
]
PATHS.update(
    {
        "/sessions/{transaction_id}/history": _get(
            "A session's events in order, each with the frames it came from",
            m.HistoryOut,
            TRANSACTION_ID,
            TENANT,
            *HISTORY_QUERY,
            errors={"404": "unknown transaction"},
        ),
        "/sessions/{transaction_id}/history/export": _get(
            "The whole history as one document with a SHA-256 digest chain",
            m.HistoryExportOut,
            TRANSACTION_ID,
            TENANT,
            errors={"404": "unknown transaction"},
        ),
        "/charge-boxes/{charge_box_id}/history": _get(
            "A charge box's events (its own, its connections' frames, its commands) in order",
            m.HistoryOut,
            CHARGE_BOX_ID,
            TENANT,
            *HISTORY_QUERY,
            *WINDOW,
            errors={"404": "unknown charge box"},
        ),
        "/charge-boxes/{charge_box_id}/history/export": _get(
            "The history (optionally a window) as one document with a SHA-256 digest chain",
            m.HistoryExportOut,
            CHARGE_BOX_ID,
            TENANT,
            *WINDOW,
            errors={"404": "unknown charge box"},
        ),
    }
)

KEY_ID = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
PATHS.update(
    {
        "/api-keys": {
            "get": _operation("Every API key (never a secret), oldest first", ApiKeysOut),
            "post": _operation(
                "Create an API key; its text is in this answer and nowhere else",
                ApiKeyCreatedOut,
                status="201",
                body=ApiKeyIn,
                errors={"422": "invalid body (the field is named)"},
            ),
        },
        "/api-keys/{key_id}": {
            "delete": _operation(
                "Revoke an API key (every node refuses it within CS_API_KEY_CACHE_SECONDS)",
                ApiKeyOut,
                KEY_ID,
                errors={"404": "no such key"},
            )
        },
    }
)

WEBSOCKETS = {
    "/ocpp/{charge_box_id}": "OCPP 1.6-J websocket (subprotocol ocpp1.6), tenant `default`",
    "/ws/{tenant_id}/{charge_box_id}": "OCPP 1.6-J websocket (subprotocol ocpp1.6)",
}

MODELS: list[type[BaseModel]] = [
    m.ErrorOut,
    m.HealthOut,
    m.SummaryOut,
    m.ConnectionOut,
    ChargeBoxPage,
    m.ChargeBoxOut,
    m.EvseOut,
    SessionPage,
    m.SessionOut,
    TokenPage,
    m.TokenOut,
    TokenIn,
    m.SecurityEventsOut,
    m.RegistrationOut,
    RegistrationIn,
    m.ChargeBoxSecurityOut,
    SecurityIn,
    m.AccessRefusalsOut,
    m.CommandOut,
    CommandPage,
    m.ConfigurationOut,
    m.ReservationsOut,
    m.ChargingProfilesOut,
    m.HistoryOut,
    m.HistoryExportOut,
    ApiKeysOut,
    ApiKeyOut,
    ApiKeyCreatedOut,
    ApiKeyIn,
    RemoteStartIn,
    RemoteStopIn,
    *(op.body for op in OPERATIONS.values()),
]


INPUTS = {
    TokenIn,
    SecurityIn,
    ApiKeyIn,
    RegistrationIn,
    RemoteStartIn,
    RemoteStopIn,
    *(op.body for op in OPERATIONS.values()),
}


SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`cs_<id>_<secret>`) from `cs keys create`, `POST /api-keys` "
        "or the first start's log. Roles: `read` (queries, histories), `operator` (+ commands, "
        "tokens, registrations), `admin` (+ API keys). Not needed with CS_API_AUTH=off.",
    },
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
ACCESS_ERRORS = {
    "401": "no API key, or one that is unknown, wrong, expired or revoked (WWW-Authenticate)",
    "403": "the key's role is too low for this operation",
    "413": "request body larger than CS_API_MAX_BODY_BYTES",
    "429": "over the key's rate (CS_API_RATE, CS_API_BURST) or too many failed "
    "authentications from this address (Retry-After)",
}


DATABASE_UNAVAILABLE = "the database is unreachable, or the change could not be recorded "
"(Retry-After); nothing was changed"


def _secure(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation with the role it needs and the answers of the access middleware."""
    role = required_role(method.upper(), path)
    if role is None:
        return {**operation, "security": []}
    codes = ["401", "429"]
    if role.value != "read":
        codes.append("403")
    if "requestBody" in operation:
        codes.append("413")
    responses = dict(operation["responses"])
    for code in codes:
        responses.setdefault(code, _error(ACCESS_ERRORS[code]))
    responses.setdefault("503", _error(DATABASE_UNAVAILABLE))
    return {
        **operation,
        "description": f"Needs an API key with role `{role.value}` (or higher).",
        "x-required-role": role.value,
        "security": [{"bearer": []}, {"apiKeyHeader": []}],
        "responses": responses,
    }


@cache
def build() -> dict[str, Any]:
    """The whole document (built once)."""
    _, schemas = models_json_schema(
        [(model, "validation" if model in INPUTS else "serialization") for model in MODELS],
        ref_template=REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ChargeGrid Central System",
            "version": "0.1.0",
            "description": "OCPP 1.6-J central system. Charge points connect over websockets: "
            + "; ".join(f"`{path}`: {text}" for path, text in WEBSOCKETS.items()),
        },
        "paths": {
            path: {method: _secure(path, method, op) for method, op in item.items()}
            for path, item in {
                **PATHS,
                "/openapi.json": {
                    "get": {
                        "summary": "This document",
                        "responses": {"200": {"description": "OK"}},
                    }
                },
            }.items()
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": [{"bearer": []}, {"apiKeyHeader": []}],
    }


async def document(request: web.Request) -> web.Response:
    return json_response(build())
