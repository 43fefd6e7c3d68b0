"""Which role each route needs, derived from its method and path (so none is forgotten)."""

from __future__ import annotations

from cs.adapters.api_keys import Role

KEY_MANAGEMENT = "/api-keys"

# Routes anyone may call: (method, canonical path). HEAD goes with GET.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("GET", "/ocpp/{charge_box_id}"),
        ("GET", "/ws/{tenant_id}/{charge_box_id}"),
    }
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def required_role(method: str, path: str) -> Role | None:
    """The role a route needs (None: public), from its method and canonical path.

    Reads need `read`, every other method `operator`, key management `admin`: a new
    write endpoint is protected without anyone remembering to list it.
    """
    method = "GET" if method == "HEAD" else method
    if (method, path) in PUBLIC:
        return None
    if path == KEY_MANAGEMENT or path.startswith(KEY_MANAGEMENT + "/"):
        return Role.ADMIN
    return Role.READ if method in _READ_METHODS else Role.OPERATOR
