"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from cs.http.auth import setup_access
from cs.http.errors import error_middleware
from cs.http.keys import HUB, NODE, Node, provide
from cs.http.routes import setup_routes


def init_app(node: Node) -> web.Application:
    """The web app serving `node`; starting the app starts the node, and so on."""
    app = web.Application(
        middlewares=[error_middleware], client_max_size=node.settings.api_max_body_bytes
    )
    provide(app, node)
    setup_access(app)  # API keys, rate and body limits: inside the error middleware
    setup_routes(app)
    app.cleanup_ctx.append(_node_lifecycle)
    app.on_shutdown.append(_close_connections)
    return app


async def _node_lifecycle(app: web.Application) -> AsyncIterator[None]:
    node = app[NODE]
    await node.start()
    yield
    await node.stop()


async def _close_connections(app: web.Application) -> None:
    """Shutdown, first step: close every websocket so each close is recorded."""
    await app[HUB].close_all()
