"""The OpenAPI 3.1 document of the REST API, written from the routing table.

Every operation comes from an `Endpoint` of `cs.http.routes`: its schemas from the
pydantic models it names (`cs.http.models` and the request models of the views), its
query parameters from its query model's JSON schema, its access answers (401, 403,
413, 429) from the role its route needs. A test checks every route is documented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from cs.http.auth import required_role
from cs.http.endpoint import Endpoint, Keyed, Websocket
from cs.http.models import ChargeBoxPage, ErrorOut, SessionPage

__all__ = ["WAIT", "ChargeBoxPage", "SessionPage", "build"]  # tests import the pages here

REF = "#/components/schemas/{model}"
TENANT = {
    "name": "x-tenant-id",
    "in": "header",
    "required": False,
    "description": "Scope the request to one tenant.",
    "schema": {"type": "string"},
}
USER = {
    "name": "x-user-id",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "who makes the change, recorded only with CS_API_AUTH=off (with a key, "
    "the key's identity `key:<id> (<name>)` is recorded and this header is ignored)",
}
# `wait` is read by hand (cs.http.commands: anything but false/0/no waits), not by a model.
WAIT = {
    "name": "wait",
    "in": "query",
    "required": False,
    "schema": {"type": "boolean", "default": True},
    "description": "false: answer 202 at once; poll /commands/{id}",
}
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "charge_box_id": {
        "description": "The charge box id (the last segment of its websocket URL).",
        "schema": {"type": "string"},
    },
    "transaction_id": {"schema": {"type": "integer"}},
    "id_tag": {"schema": {"type": "string", "maxLength": 20}},
    "command_id": {"schema": {"type": "string", "format": "uuid"}},
    "key_id": {"schema": {"type": "string"}},
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
DATABASE_UNAVAILABLE = (
    "the database is unreachable, or the change could not be recorded (Retry-After); "
    "nothing was changed"
)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref(ErrorOut), description)


def _schema(response: type[BaseModel] | Keyed) -> dict[str, Any]:
    if isinstance(response, Keyed):
        return {"type": "object", "additionalProperties": _ref(response.model)}
    return _ref(response)


def _path_parameters(path: str) -> Iterator[dict[str, Any]]:
    for name in re.findall(r"\{(\w+)\}", path):
        if name not in PATH_PARAMETERS:
            raise KeyError(f"path parameter {name!r} of {path} is not described")
        yield {"name": name, "in": "path", "required": True, **PATH_PARAMETERS[name]}


def _present(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value, never null: `X | None = None` is X."""
    schema = {key: value for key, value in schema.items() if key != "title"}
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    branches = [branch for branch in schema.pop("anyOf", ()) if branch != {"type": "null"}]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches
    return schema


def _query_parameters(model: type[BaseModel], unused: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The query model's fields (by alias), as OpenAPI parameters with their bounds."""
    schema = model.model_json_schema(mode="validation")
    if "$defs" in schema:
        raise TypeError(f"{model.__name__}: a query model has flat fields only")
    required = set(schema.get("required", ()))
    for name, field in schema["properties"].items():
        if name in unused:
            continue
        field = _present(field)
        description = field.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": field}
        if description is not None:
            parameter["description"] = description
        yield parameter


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    """Path parameters, headers, query parameters: the order of the document."""
    parameters = list(_path_parameters(endpoint.path))
    parameters += [TENANT] if endpoint.tenant else []
    parameters += [USER] if endpoint.user else []
    if endpoint.query is not None:
        parameters += _query_parameters(endpoint.query, endpoint.unused)
    return parameters + [dict(parameter) for parameter in endpoint.parameters]


def _responses(endpoint: Endpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, description in endpoint.answers.items():
        response = endpoint.response
        responses[str(status)] = (
            _json(_schema(response), description) if response else {"description": description}
        )
    if endpoint.response_example is not None:
        first = responses[str(next(iter(endpoint.answers)))]
        first["content"]["application/json"]["example"] = dict(endpoint.response_example)
    responses.update({str(code): _error(text) for code, text in endpoint.errors.items()})
    return responses


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "parameters": _parameters(endpoint),
        "responses": _responses(endpoint),
    }
    if endpoint.body is not None:
        content: dict[str, Any] = {"schema": _ref(endpoint.body)}
        if endpoint.body_example is not None:
            content["example"] = dict(endpoint.body_example)
        operation["requestBody"] = {"required": True, "content": {"application/json": content}}
    return _secure(endpoint.method, endpoint.path, operation)


def _secure(method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
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


def _schemas(operations: Sequence[Endpoint]) -> dict[str, Any]:
    """The components: every model an operation names, with the models they nest."""
    modes: dict[type[BaseModel], JsonSchemaMode] = {ErrorOut: "serialization"}
    for endpoint in operations:
        response = endpoint.response
        model = response.model if isinstance(response, Keyed) else response
        if model is not None:
            modes.setdefault(model, "serialization")
        if endpoint.body is not None:
            modes.setdefault(endpoint.body, "validation")
    _, schemas = models_json_schema(list(modes.items()), ref_template=REF)
    defs: dict[str, Any] = schemas.get("$defs", {})
    return defs


@cache
def build(endpoints: tuple[Endpoint, ...], websockets: tuple[Websocket, ...]) -> dict[str, Any]:
    """The whole document of a routing table (built once per table)."""
    operations = [documented for endpoint in endpoints for documented in endpoint.documented()]
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in operations:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ChargeGrid Central System",
            "version": "0.1.0",
            "description": "OCPP 1.6-J central system. Charge points connect over websockets: "
            + "; ".join(f"`{ws.path}`: {ws.description}" for ws in websockets),
        },
        "paths": paths,
        "components": {"schemas": _schemas(operations), "securitySchemes": SECURITY_SCHEMES},
        "security": [{"bearer": []}, {"apiKeyHeader": []}],
    }
