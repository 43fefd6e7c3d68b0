"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from cs.adapters.amqp.command_bus import CommandBus
from cs.bootstrap import System
from cs.http.auth import setup_access
from cs.http.commands import executor
from cs.http.errors import error_middleware
from cs.http.keys import COMMAND_BUS, SYSTEM
from cs.http.routes import setup_routes


def init_app(system: System) -> web.Application:
    """The web app serving `system`; starting the app starts the system, and so on."""
    app = web.Application(
        middlewares=[error_middleware], client_max_size=system.settings.api_max_body_bytes
    )
    app[SYSTEM] = system
    setup_access(app)  # API keys, rate and body limits: inside the error middleware
    setup_routes(app)
    app.cleanup_ctx.append(_system_lifecycle)
    app.on_shutdown.append(_close_connections)
    return app


async def _system_lifecycle(app: web.Application) -> AsyncIterator[None]:
    system = app[SYSTEM]
    await system.start()
    bus = _command_bus(system)
    if bus is not None:
        app[COMMAND_BUS] = bus
        bus.start()
    yield
    if bus is not None:
        await bus.stop()
    await system.stop()


def _command_bus(system: System) -> CommandBus | None:
    """Routing of commands to the node holding the box: with RabbitMQ, unless turned off."""
    settings = system.settings
    if settings.amqp_url is None or settings.command_routing == "off":
        return None
    return CommandBus(
        amqp_url=settings.amqp_url,
        node=settings.node_name(),
        execute=executor(system),
        refresh=system.services.charge_points.refresh,
    )


async def _close_connections(app: web.Application) -> None:
    """Shutdown, first step: close every websocket so each close is recorded."""
    await app[SYSTEM].hub.close_all()
