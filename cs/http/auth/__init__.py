"""REST access control and limits: API keys with roles, rate limits, body size.

One middleware, inside the error middleware, decides for every request:

1. public routes (`GET /health`, `GET /openapi.json`, the OCPP websockets, which
   authenticate charge boxes their own way) pass untouched;
2. with `CS_API_AUTH=on` the request needs a key (`Authorization: Bearer <key>` or
   `X-API-Key: <key>`): missing, unknown, wrong, expired or revoked → 401; a role too
   low for the route → 403; an address with too many failed attempts → 429;
3. a key over its rate (`CS_API_RATE`, `CS_API_BURST`) → 429 with Retry-After;
4. a body over `CS_API_MAX_BODY_BYTES` → 413.

Keys are looked up by id (a primary-key read) and trusted in memory for
`CS_API_KEY_CACHE_SECONDS`; that is how long a revoke on another node can take.

Modules: `roles` (which route needs which role), `errors` (401/403/413/429),
`identity` (the key a request presents, who a change is recorded as made by),
`keycache`, `policy` (`Access`: the decisions), `middleware`, `first_start`.
"""

from __future__ import annotations

from cs.http.auth.identity import actor
from cs.http.auth.middleware import access_middleware, setup_access
from cs.http.auth.policy import ACCESS, Access
from cs.http.auth.roles import required_role

__all__ = ["ACCESS", "Access", "access_middleware", "actor", "required_role", "setup_access"]
