"""Typed application state (aiohttp `AppKey`s)."""

from __future__ import annotations

from aiohttp import web

from cs.adapters.amqp.command_bus import CommandBus
from cs.bootstrap import System

SYSTEM = web.AppKey("system", System)
COMMAND_BUS = web.AppKey("command_bus", CommandBus)
