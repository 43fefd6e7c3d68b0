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
from cs.http.jsonio import json_response

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


def _get(
    summary: str,
    model: type[BaseModel],
    *params: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    responses = {"200": _json(model, "OK")}
    responses.update({status: _error(text) for status, text in (errors or {}).items()})
    return {"get": {"summary": summary, "parameters": list(params), "responses": responses}}


class ChargeBoxPage(m.PageOut[m.ChargeBoxSummaryOut]):
    """A page of charge boxes."""


PATHS: dict[str, dict[str, Any]] = {
    "/health": _get("Liveness, write and projection progress", m.HealthOut),
    "/summary": _get("Counts of charge boxes and connections", m.SummaryOut, TENANT),
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
        "Charge boxes, cursor-paginated",
        ChargeBoxPage,
        TENANT,
        *PAGE,
        errors={"400": "bad cursor", "422": "bad parameter"},
    ),
    "/charge-boxes/{charge_box_id}": _get(
        "One charge box with its connectors",
        m.ChargeBoxOut,
        CHARGE_BOX_ID,
        TENANT,
        errors={"404": "unknown charge box", "409": "id used by several tenants; send x-tenant-id"},
    ),
    "/evses/{charge_box_id}": _get(
        "A charge box in the original EVSE shape",
        m.EvseOut,
        CHARGE_BOX_ID,
        TENANT,
        errors={"404": "unknown charge box", "409": "id used by several tenants; send x-tenant-id"},
    ),
}

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
]


@cache
def build() -> dict[str, Any]:
    """The whole document (built once)."""
    _, schemas = models_json_schema(
        [(model, "serialization") for model in MODELS], ref_template=REF
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
            **PATHS,
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}
            },
        },
        "components": {"schemas": schemas.get("$defs", {})},
    }


async def document(request: web.Request) -> web.Response:
    return json_response(build())
