"""The OpenAPI document of the REST API, served at `/openapi.json`."""

from __future__ import annotations

from aiohttp import web

from cs.http.jsonio import json_response


async def document(request: web.Request) -> web.Response:
    return json_response(
        {"openapi": "3.1.0", "info": {"title": "cs", "version": "0.1.0"}, "paths": {}}
    )
