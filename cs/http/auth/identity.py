"""Who is calling: the key a request presents, and who a change is recorded as made by."""

from __future__ import annotations

from aiohttp import hdrs, web

from cs.adapters.api_keys import ApiKey

USER_HEADER = "x-user-id"
KEY_HEADER = "x-api-key"

AUTHENTICATED = web.RequestKey("api_key", ApiKey)


def actor(request: web.Request) -> str | None:
    """Who a change is recorded as made by.

    With a key: the key's identity (`key:<id> (<name>)`), whatever `x-user-id` says.
    Without one (only with CS_API_AUTH=off): the `x-user-id` header, as the caller wrote it.
    """
    key: ApiKey | None = request.get(AUTHENTICATED)
    if key is not None:
        return key.identity
    return request.headers.get(USER_HEADER)


def presented(request: web.Request) -> str | None:
    """The key text the request carries: None if none, "" for a non-bearer Authorization."""
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
        return ""  # present, but not a bearer token: refused like a wrong key
    return request.headers.get(KEY_HEADER)
