"""The routing table: every endpoint of the app in one place."""

from __future__ import annotations

from aiohttp import web

from cs.http import api_keys, commands, history, openapi, security, sessions, tokens, views, ws


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/ocpp/{charge_box_id}", ws.ocpp_websocket)
    app.router.add_get("/ws/{tenant_id}/{charge_box_id}", ws.ocpp_websocket)
    app.router.add_get("/health", views.health)
    app.router.add_get("/summary", views.summary)
    app.router.add_get("/connections", views.connections)
    app.router.add_get("/charge-boxes", views.charge_boxes)
    app.router.add_get("/charge-boxes/{charge_box_id}", views.charge_box)
    app.router.add_get("/evses/{charge_box_id}", views.evse)
    app.router.add_get("/sessions", sessions.list_sessions)
    app.router.add_get("/sessions/{transaction_id}", sessions.get_session)
    app.router.add_get("/evses/{charge_box_id}/sessions", sessions.charge_box_sessions)
    app.router.add_get("/charge-boxes/{charge_box_id}/sessions", sessions.charge_box_sessions)
    app.router.add_get("/charge-boxes/{charge_box_id}/security-events", views.security_events)
    app.router.add_put("/charge-boxes/{charge_box_id}/registration", views.put_registration)
    app.router.add_get("/tokens", tokens.list_tokens)
    app.router.add_get("/tokens/{id_tag}", tokens.get_token)
    app.router.add_put("/tokens/{id_tag}", tokens.put_token)
    app.router.add_delete("/tokens/{id_tag}", tokens.delete_token)
    app.router.add_post(
        "/charge-boxes/{charge_box_id}/remote/{operation}", commands.remote_operation
    )
    app.router.add_post("/evses/{charge_box_id}/remote/start-session", commands.start_session)
    app.router.add_post("/evses/{charge_box_id}/remote/stop-session", commands.stop_session)
    app.router.add_get("/commands/{command_id}", commands.get_command)
    app.router.add_get("/charge-boxes/{charge_box_id}/commands", commands.list_commands)
    app.router.add_get("/charge-boxes/{charge_box_id}/configuration", commands.configuration)
    app.router.add_get("/charge-boxes/{charge_box_id}/reservations", commands.reservations)
    app.router.add_get(
        "/charge-boxes/{charge_box_id}/charging-profiles", commands.charging_profiles
    )
    app.router.add_get("/sessions/{transaction_id}/history", history.session_history)
    app.router.add_get("/sessions/{transaction_id}/history/export", history.session_export)
    app.router.add_get("/charge-boxes/{charge_box_id}/history", history.charge_box_history)
    app.router.add_get("/charge-boxes/{charge_box_id}/history/export", history.charge_box_export)
    app.router.add_put("/charge-boxes/{charge_box_id}/security", security.put_security)
    app.router.add_get("/access-refusals", security.access_refusals)
    app.router.add_get("/openapi.json", openapi.document)
    app.router.add_get("/api-keys", api_keys.list_keys)
    app.router.add_post("/api-keys", api_keys.create_key)
    app.router.add_delete("/api-keys/{key_id}", api_keys.revoke_key)
