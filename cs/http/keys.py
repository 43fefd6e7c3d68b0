"""Typed application state (aiohttp `AppKey`s)."""

from __future__ import annotations

from aiohttp import web

from cs.bootstrap import System

SYSTEM = web.AppKey("system", System)
