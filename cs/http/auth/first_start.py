"""At start: create and print a first admin key, or warn loudly that the API is open."""

from __future__ import annotations

import ipaddress
import logging
import sys

from aiohttp import web

from cs.adapters.api_keys import NewKey
from cs.http.auth.policy import ACCESS
from cs.http.keys import SETTINGS

log = logging.getLogger("cs.http.auth")  # log lines keep the name of the module this was split from


async def announce_access(app: web.Application) -> None:
    """After the system started: create and print a first admin key, or warn that auth is off."""
    access = app[ACCESS]
    settings = app[SETTINGS]
    if not access.enabled:
        exposed = "" if _is_loopback(settings.host) else f" AND LISTENING ON {settings.host}"
        log.warning(
            "CS_API_AUTH=off: THE REST API IS OPEN TO ANYONE WHO CAN REACH IT%s; every "
            "command, token and registration can be changed without a key. For local "
            "development only.",
            exposed,
        )
        return
    created = await access.table.create_first_admin()
    if created is not None:
        log.warning(
            "no API key existed: created admin key %s; its secret is printed once below",
            created.key.key_id,
        )
        print_new_key(created, f"http://{settings.host}:{settings.port}", first_start=True)


def print_new_key(
    created: NewKey, base_url: str = "http://HOST:PORT", *, first_start: bool = False
) -> None:
    """The banner with a key's text, to stderr: the only time it is shown."""
    key = created.key
    lines = [
        "=" * 78,
        "  FIRST START: an admin API key was created. It is shown ONCE; store it now."
        if first_start
        else "  A new API key. It is shown ONCE; store it now.",
        "",
        f"  API key:  {created.text}",
        f"  id: {key.key_id}   role: {key.role.value}   name: {key.name}",
        "",
        f"  Use it as: curl -H 'Authorization: Bearer <key>' {base_url}/summary",
        "  More keys: python -m cs keys create --name NAME --role read|operator|admin",
        "=" * 78,
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
