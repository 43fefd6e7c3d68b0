"""Typed application state (aiohttp `AppKey`s): each service the views use, by name."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from cs.adapters.api_keys import AsyncKeyTable
from cs.adapters.ocppj.hub import StationHub
from cs.app.access import HandshakeGate
from cs.app.commands.service import CommandService
from cs.app.ports import Clock
from cs.app.stations.registry import StationRegistry
from cs.app.tokens import TokenService
from cs.app.usecases import UseCases
from cs.audit.history import HistoryReader
from cs.config import Settings
from cs.projections.queries import ReadModels


class Node(Protocol):
    """What the web app needs of a node (`cs.runtime.System` is one)."""

    settings: Settings
    clock: Clock
    use: UseCases
    hub: StationHub
    gate: HandshakeGate
    read_models: ReadModels
    history: HistoryReader
    api_keys: AsyncKeyTable

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def local_status(self) -> dict[str, Any]: ...

    async def status(self) -> dict[str, Any]: ...


NODE = web.AppKey("node", Node)
SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
READ_MODELS = web.AppKey("read_models", ReadModels)
HISTORY = web.AppKey("history", HistoryReader)
API_KEYS = web.AppKey("api_keys", AsyncKeyTable)
COMMANDS = web.AppKey("commands", CommandService)
REGISTRY = web.AppKey("registry", StationRegistry)
TOKENS = web.AppKey("tokens", TokenService)
HUB = web.AppKey("hub", StationHub)
GATE = web.AppKey("gate", HandshakeGate)


def provide(app: web.Application, node: Node) -> None:
    """Put each service of `node` into `app` under its key."""
    app[NODE] = node
    app[SETTINGS] = node.settings
    app[CLOCK] = node.clock
    app[READ_MODELS] = node.read_models
    app[HISTORY] = node.history
    app[API_KEYS] = node.api_keys
    app[COMMANDS] = node.use.commands
    app[REGISTRY] = node.use.registry
    app[TOKENS] = node.use.tokens
    app[HUB] = node.hub
    app[GATE] = node.gate
