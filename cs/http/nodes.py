"""Keeping nodes' cached charge boxes fresh when several nodes share one database.

Each node caches the `ChargeBox` aggregates it uses. The node holding a box's websocket
writes it all the time, so its copy is the current one; another node's copy may be
stale. A node that changes a box it does not hold therefore loads it afresh first, and
then tells the holder to do the same (docs/adr/0013-command-routing.md).
"""

from __future__ import annotations

import logging

from aiohttp import web

from cs.http.keys import COMMAND_BUS, SYSTEM

log = logging.getLogger(__name__)


def refresh_unless_held(app: web.Application, tenant_id: str, charge_box_id: str) -> None:
    """Before using a box this node does not serve: load it afresh (another node may
    have written it since it was cached here)."""
    system = app[SYSTEM]
    if system.hub.get(tenant_id, charge_box_id) is None:
        system.services.charge_points.refresh(tenant_id, charge_box_id)


async def tell_holder(app: web.Application, tenant_id: str, charge_box_id: str) -> None:
    """After changing a box held by another node: that node reloads it before its next
    write (else that write would conflict with ours once). Best effort: without routing,
    or if the message is lost, the holder's next write for the box fails once, its
    connection closes and the box is served from fresh state when it reconnects."""
    bus = app.get(COMMAND_BUS)
    system = app[SYSTEM]
    if bus is None or system.hub.get(tenant_id, charge_box_id) is not None:
        return
    holder = await system.read_models.node_holding(tenant_id, charge_box_id)
    if holder is not None and holder != bus.node:
        await bus.refresh(holder, tenant_id, charge_box_id)
