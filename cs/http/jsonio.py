"""JSON responses via orjson (UTC datetimes as `...Z`, UUIDs as strings)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, option=_OPTIONS)


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=dumps(data), status=status, content_type="application/json", headers=headers
    )
