"""The OCPP-J websocket endpoints: `/ocpp/{charge_box_id}` and `/ws/{tenant_id}/{charge_box_id}`."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout

from cs.app.access import Handshake, Refusal
from cs.app.ports import CommitFailedError
from cs.domain.ids import DEFAULT_TENANT
from cs.http.jsonio import json_response
from cs.http.keys import GATE, HUB, SETTINGS

log = logging.getLogger(__name__)

MAX_ID_LENGTH = 255


def _identity(request: web.Request) -> tuple[str, str]:
    """(tenant, charge box id): the URL-decoded last path segments."""
    segments = request.raw_path.split("?", 1)[0].rstrip("/").split("/")
    charge_box_id = unquote(segments[-1])
    tenant_id = unquote(segments[-2]) if request.match_info.get("tenant_id") else DEFAULT_TENANT
    return tenant_id, charge_box_id


def _refuse(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": message, "code": code}, status=status)


def _valid_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


def _handshake(request: web.Request, tenant_id: str, charge_box_id: str) -> Handshake:
    transport = request.transport
    tls = transport is not None and transport.get_extra_info("sslcontext") is not None
    peer = transport.get_extra_info("peercert") if transport is not None and tls else None
    return Handshake(
        tenant_id=tenant_id,
        charge_box_id=charge_box_id,
        remote_address=request.remote,
        authorization=request.headers.get("Authorization"),
        tls=tls,
        peer_common_name=_common_name(peer),
    )


def _common_name(peer: Any) -> str | None:
    """The subject common name of a client certificate the TLS layer verified."""
    if not peer:  # no certificate, or one that was not verified (CERT_OPTIONAL)
        return None
    for rdn in peer.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


async def ocpp_websocket(request: web.Request) -> web.StreamResponse:
    """Accept a charge point, serve it until it goes away, record both ends."""
    tenant_id, charge_box_id = _identity(request)
    if not _valid_id(charge_box_id) or not _valid_id(tenant_id):
        return _refuse(
            400,
            "bad_identity",
            f"charge box and tenant ids are 1-{MAX_ID_LENGTH} printable characters",
        )
    offered = [
        token.strip()
        for header in request.headers.getall("Sec-WebSocket-Protocol", [])
        for token in header.split(",")
        if token.strip()
    ]
    hub = request.app[HUB]
    subprotocol = next((ours for ours in hub.subprotocols if ours in offered), None)
    if subprotocol is None:
        # OCPP-J 1.6 section 3.1.2: the subprotocol must be agreed before we talk.
        return _refuse(
            400,
            "unsupported_subprotocol",
            f"this central system speaks {', '.join(hub.subprotocols)}; the handshake offered "
            f"{', '.join(offered) or 'no subprotocol'}",
        )
    settings = request.app[SETTINGS]
    ws = web.WebSocketResponse(
        protocols=(subprotocol,),
        heartbeat=settings.ws_ping_interval or None,
        max_msg_size=settings.ws_max_message_size,
        compress=False,
        autoping=True,
    )
    if not ws.can_prepare(request).ok:
        return _refuse(400, "not_websocket", "this endpoint only accepts websocket upgrades")
    try:
        admitted = await request.app[GATE].admit(_handshake(request, tenant_id, charge_box_id))
    except (psycopg.Error, PoolTimeout) as failure:  # the charge box could not be looked up
        log.error("refusing %s/%s: %s", tenant_id, charge_box_id, failure)
        return _refuse(503, "store_unavailable", "the central system cannot check this box now")
    if isinstance(admitted, Refusal):
        response = _refuse(admitted.status, admitted.code, admitted.message)
        response.headers.update(admitted.headers)
        return response
    try:
        live = await hub.open(
            ws,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            remote_address=request.remote,
            subprotocol=subprotocol,
            security_profile=admitted,
        )
    except CommitFailedError as failure:
        log.error("refusing %s/%s: %s", tenant_id, charge_box_id, failure)
        return _refuse(503, "store_unavailable", "the central system cannot record messages now")
    try:
        await ws.prepare(request)
    except Exception:
        await hub.abandon(live, "handshake did not complete")
        raise
    await hub.serve(live)
    return ws
