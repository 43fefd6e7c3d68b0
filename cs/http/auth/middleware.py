"""The access middleware: authenticate, authorize and limit every request not public."""

from __future__ import annotations

from aiohttp import web

from cs.http.auth.errors import ForbiddenError
from cs.http.auth.first_start import announce_access
from cs.http.auth.identity import AUTHENTICATED
from cs.http.auth.policy import ACCESS, Access
from cs.http.auth.roles import required_role
from cs.http.errors import Handler, NotFoundError
from cs.http.keys import API_KEYS, CLOCK, SETTINGS


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate, authorize and limit every request that is not public (package doc)."""
    route = request.match_info.route
    resource = route.resource
    if resource is None and _websocket_path(request.path):
        # A websocket path with no charge point id (`/ocpp/`): 404, as OCPP-J 1.6 section
        # 3.1.1 says for an unknown endpoint. Other unknown paths stay 401 without a key:
        # nothing is learnt about the API without one.
        raise NotFoundError(
            "no charge point id in the websocket path: connect to /ocpp/{charge_box_id} "
            "or /ws/{tenant_id}/{charge_box_id}",
            path=request.path,
        )
    needed = required_role(request.method, resource.canonical if resource else "")
    if needed is None:
        return await handler(request)
    access = request.app[ACCESS]
    if access.enabled:
        key = await access.authenticate(request)
        if not key.role.allows(needed):
            raise ForbiddenError(
                f"this needs a key with role {needed.value!r}; key {key.key_id} has role "
                f"{key.role.value!r}",
                required_role=needed.value,
                key_id=key.key_id,
            )
        access.limit_rate(key)
        request[AUTHENTICATED] = key
    length = request.content_length
    if length is not None and length > access.max_body:
        raise access.too_large()
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:  # a chunked body that grew too large
        raise access.too_large() from None


def _websocket_path(path: str) -> bool:
    return path in ("/ocpp", "/ws") or path.startswith(("/ocpp/", "/ws/"))


def setup_access(app: web.Application) -> None:
    """Install the access middleware and, at start, the first admin key (or the warning)."""
    app[ACCESS] = Access(app[SETTINGS], app[CLOCK], app[API_KEYS])
    app.middlewares.append(access_middleware)
    app.on_startup.append(announce_access)
