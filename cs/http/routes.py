"""The routing table: every endpoint of the app in one place, declared once.

Each row feeds both aiohttp's router (`setup_routes`) and the OpenAPI document
(`cs.http.openapi`, served at `/openapi.json`): a route cannot be added without its
documentation, nor documented without existing. Rows are in registration order.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cs.http import api_keys, history, security, sessions, tokens, views, ws
from cs.http import models as m
from cs.http.command_routes import COMMAND_ENDPOINTS
from cs.http.endpoint import (
    BOX_ERRORS,
    INVALID_BODY,
    LIST_ERRORS,
    Endpoint,
    Keyed,
    Websocket,
    box_get,
)
from cs.http.jsonio import json_response
from cs.http.openapi import build

WEBSOCKETS = (
    Websocket(
        "/ocpp/{charge_box_id}",
        ws.ocpp_websocket,
        "OCPP-J websocket (subprotocol ocpp2.0.1 or ocpp1.6), tenant `default`",
    ),
    Websocket(
        "/ws/{tenant_id}/{charge_box_id}",
        ws.ocpp_websocket,
        "OCPP-J websocket (subprotocol ocpp2.0.1 or ocpp1.6)",
    ),
)


async def openapi_document(request: web.Request) -> web.Response:
    return json_response(document())


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/health",
        views.health,
        "Liveness, write and projection progress",
        m.HealthOut,
        answers={200: "OK", 503: "degraded: the database does not answer"},
        tenant=False,
    ),
    Endpoint(
        "GET",
        "/summary",
        views.summary,
        "Counts of charge boxes, connections and active sessions",
        m.SummaryOut,
    ),
    Endpoint(
        "GET",
        "/connections",
        views.connections,
        "Open connections keyed by charge box id",
        Keyed(m.ConnectionOut),
    ),
    Endpoint(
        "GET",
        "/charge-boxes",
        views.charge_boxes,
        "Charge boxes, cursor-paginated",
        m.ChargeBoxPage,
        query=views.PageQuery,
        errors=LIST_ERRORS,
    ),
    box_get(
        "/charge-boxes/{charge_box_id}",
        views.charge_box,
        "One charge box with its connectors",
        m.ChargeBoxOut,
    ),
    box_get(
        "/evses/{charge_box_id}",
        views.evse,
        "A charge box in the original EVSE shape",
        m.EvseOut,
    ),
    Endpoint(
        "GET",
        "/sessions",
        sessions.list_sessions,
        "Charging sessions, newest first",
        m.SessionPage,
        query=sessions.SessionQuery,
        errors=LIST_ERRORS,
    ),
    Endpoint(
        "GET",
        "/sessions/{transaction_id}",
        sessions.get_session,
        "One session",
        m.SessionOut,
        errors={404: "unknown transaction"},
    ),
    *(
        Endpoint(
            "GET",
            f"{prefix}/{{charge_box_id}}/sessions",
            sessions.charge_box_sessions,
            "Sessions of a charge box",
            m.SessionPage,
            query=sessions.SessionQuery,
            unused=("charge_box_id",),  # the path's
            errors=LIST_ERRORS,
        )
        for prefix in ("/evses", "/charge-boxes")
    ),
    Endpoint(
        "GET",
        "/charge-boxes/{charge_box_id}/security-events",
        views.security_events,
        "Security events a charge box reported, newest first",
        m.SecurityEventsOut,
        query=views.PageQuery,
        unused=("cursor",),  # the newest `limit`, no further pages
        errors=BOX_ERRORS,
    ),
    Endpoint(
        "PUT",
        "/charge-boxes/{charge_box_id}/registration",
        views.put_registration,
        "Set what the box's next BootNotification is answered (tenant from x-tenant-id)",
        m.RegistrationOut,
        body=views.RegistrationIn,
        user=True,
        errors=INVALID_BODY,
    ),
    Endpoint(
        "GET",
        "/tokens",
        tokens.list_tokens,
        "Registered id tags of the tenant (x-tenant-id, else `default`)",
        m.TokenPage,
        query=views.PageQuery,
        errors=LIST_ERRORS,
    ),
    Endpoint(
        "GET",
        "/tokens/{id_tag}",
        tokens.get_token,
        "One registered id tag",
        m.TokenOut,
        errors={404: "not registered", 422: "id_tag longer than 20"},
    ),
    Endpoint(
        "PUT",
        "/tokens/{id_tag}",
        tokens.put_token,
        "Register or change an id tag (200 changed, 201 created)",
        m.TokenOut,
        answers={200: "changed (or unchanged)", 201: "created"},
        body=tokens.TokenIn,
        user=True,
        errors={422: "invalid body or id_tag (the field is named)"},
    ),
    Endpoint(
        "DELETE",
        "/tokens/{id_tag}",
        tokens.delete_token,
        "Remove an id tag from the registry",
        answers={204: "No content"},
        user=True,
        errors={404: "not registered"},
    ),
    *COMMAND_ENDPOINTS,
    Endpoint(
        "GET",
        "/sessions/{transaction_id}/history",
        history.session_history,
        "A session's events in order, each with the frames it came from",
        m.HistoryOut,
        query=history.HistoryQuery,
        unused=("from", "to"),  # a session's whole history
        errors={404: "unknown transaction"},
    ),
    Endpoint(
        "GET",
        "/sessions/{transaction_id}/history/export",
        history.session_export,
        "The whole history as one document with a SHA-256 digest chain",
        m.HistoryExportOut,
        errors={404: "unknown transaction"},
    ),
    Endpoint(
        "GET",
        "/charge-boxes/{charge_box_id}/history",
        history.charge_box_history,
        "A charge box's events (its own, its connections' frames, its commands) in order",
        m.HistoryOut,
        query=history.HistoryQuery,
        errors={404: "unknown charge box"},
    ),
    Endpoint(
        "GET",
        "/charge-boxes/{charge_box_id}/history/export",
        history.charge_box_export,
        "The history (optionally a window) as one document with a SHA-256 digest chain",
        m.HistoryExportOut,
        query=history.HistoryQuery,
        unused=("limit", "cursor"),  # one document, not pages
        errors={404: "unknown charge box"},
    ),
    Endpoint(
        "PUT",
        "/charge-boxes/{charge_box_id}/security",
        security.put_security,
        "Register a charge box's security profile and authorization key (201: new box)",
        m.ChargeBoxSecurityOut,
        body=security.SecurityIn,
        errors={422: "invalid body, or profile 1/2 without a key (the field is named)"},
    ),
    Endpoint(
        "GET",
        "/access-refusals",
        security.access_refusals,
        "Websocket handshakes refused (wrong or missing credentials, unknown box, ...)",
        m.AccessRefusalsOut,
        query=security.RefusalsQuery,
        errors={422: "bad parameter (the field is named)"},
    ),
    Endpoint("GET", "/openapi.json", openapi_document, "This document", tenant=False),
    Endpoint(
        "GET",
        "/api-keys",
        api_keys.list_keys,
        "Every API key (never a secret), oldest first",
        api_keys.ApiKeysOut,
        tenant=False,
    ),
    Endpoint(
        "POST",
        "/api-keys",
        api_keys.create_key,
        "Create an API key; its text is in this answer and nowhere else",
        api_keys.ApiKeyCreatedOut,
        answers={201: "OK"},
        body=api_keys.ApiKeyIn,
        tenant=False,
        errors=INVALID_BODY,
    ),
    Endpoint(
        "DELETE",
        "/api-keys/{key_id}",
        api_keys.revoke_key,
        "Revoke an API key (every node refuses it within CS_API_KEY_CACHE_SECONDS)",
        api_keys.ApiKeyOut,
        tenant=False,
        errors={404: "no such key"},
    ),
)


def document() -> dict[str, Any]:
    """The OpenAPI document of this table (built once)."""
    return build(ENDPOINTS, WEBSOCKETS)


def setup_routes(app: web.Application) -> None:
    """Register every websocket and endpoint of the table, in its order."""
    for websocket in WEBSOCKETS:
        app.router.add_get(websocket.path, websocket.handler)
    for endpoint in ENDPOINTS:
        if endpoint.method == "GET":  # with HEAD, as aiohttp's add_get does
            app.router.add_get(endpoint.path, endpoint.handler)
        else:
            app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)
