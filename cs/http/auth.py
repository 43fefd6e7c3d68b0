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
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg
import psycopg_pool
from aiohttp import hdrs, web

from cs.adapters.api_keys import ApiKey, AsyncKeyTable, NewKey, Role, parse
from cs.app.ports import Clock
from cs.config import Settings
from cs.http.errors import ApiError, Handler, UnavailableError
from cs.http.keys import API_KEYS, CLOCK, SETTINGS

log = logging.getLogger(__name__)

USER_HEADER = "x-user-id"
KEY_HEADER = "x-api-key"
TOUCH_EVERY = 60.0  # seconds between `last_used_at` updates of one key
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


class UnauthorizedError(ApiError):
    """401: no usable key; says how to send one."""

    status, code = 401, "unauthorized"

    def __init__(self, message: str, code: str = "unauthorized", **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code

    def headers(self) -> dict[str, str]:
        return {hdrs.WWW_AUTHENTICATE: 'Bearer realm="cs"'}


class ForbiddenError(ApiError):
    """403: the key is fine but its role is too low for the route."""

    status, code = 403, "forbidden"


class TooManyRequestsError(ApiError):
    """429 with Retry-After (whole seconds, at least 1)."""

    status, code = 429, "rate_limited"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.details.get("retry_after_seconds", 1))}


class PayloadTooLargeError(ApiError):
    """413: the body is larger than CS_API_MAX_BODY_BYTES."""

    status, code = 413, "body_too_large"


class TokenBuckets:
    """One token bucket per name: `rate` tokens a second, at most `burst` banked.

    Memory is bounded: past `max_names` names, full buckets (which carry no state) are
    dropped, then the oldest ones.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_names: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._max_names = max_names
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, at)

    def _tokens(self, name: str, now: float) -> float:
        tokens, at = self._buckets.get(name, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def wait(self, name: str) -> float:
        """Seconds until `name` has a token (0: it has one now); takes nothing."""
        if self.rate <= 0:
            return 0.0
        tokens = self._tokens(name, self._clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, name: str) -> float:
        """Take a token: 0 when taken, else the seconds until one is there (none taken)."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        tokens = self._tokens(name, now)
        if tokens < 1:
            return (1 - tokens) / self.rate
        self._buckets.pop(name, None)  # re-inserted last: dict order is age order
        self._buckets[name] = (tokens - 1, now)
        if len(self._buckets) > self._max_names:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        full = [name for name in self._buckets if self._tokens(name, now) >= self.burst]
        for name in full:
            del self._buckets[name]
        excess = len(self._buckets) - self._max_names // 2
        for name in list(self._buckets)[: max(0, excess)]:
            del self._buckets[name]


class KeyCache:
    """Keys by id, trusted for `ttl` seconds; concurrent misses share one lookup.

    Unknown ids are remembered too (as None), so repeating a made-up id costs no read.
    """

    def __init__(
        self,
        table: AsyncKeyTable,
        ttl: float,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._table = table
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, ApiKey | None]] = {}
        self._loading: dict[str, asyncio.Future[ApiKey | None]] = {}

    async def get(self, key_id: str) -> ApiKey | None:
        """The key as of at most `ttl` seconds ago, or None if there is no such key."""
        entry = self._entries.get(key_id)
        if entry is not None and self._clock() - entry[0] < self._ttl:
            return entry[1]
        loading = self._loading.get(key_id)
        if loading is None:
            loading = self._loading[key_id] = asyncio.ensure_future(self._load(key_id))
        return await asyncio.shield(loading)

    def exists(self, key_id: str) -> bool:
        """True if the id was found in the database at the last lookup (fresh or not)."""
        entry = self._entries.get(key_id)
        return entry is not None and entry[1] is not None

    def forget(self, key_id: str) -> None:
        """Drop what is known of a key (this node changed it)."""
        self._entries.pop(key_id, None)

    async def _load(self, key_id: str) -> ApiKey | None:
        try:
            key = await self._table.get(key_id)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            log.warning("cannot look up API key %s: %s", key_id, error)
            raise UnavailableError("cannot check the API key now; try again") from None
        finally:
            self._loading.pop(key_id, None)
        if len(self._entries) >= self._max_entries:
            self._evict()
        self._entries.pop(key_id, None)
        self._entries[key_id] = (self._clock(), key)
        return key

    def _evict(self) -> None:
        now = self._clock()
        for key_id in [k for k, (at, _) in self._entries.items() if now - at >= self._ttl]:
            del self._entries[key_id]
        for key_id in list(self._entries)[: max(0, len(self._entries) - self._max_entries // 2)]:
            del self._entries[key_id]


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


def _presented(request: web.Request) -> str | None:
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
        return ""  # present, but not a bearer token: refused like a wrong key
    return request.headers.get(KEY_HEADER)


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


class Access:
    """The access policy of one node: who may call what, how often, with how much."""

    def __init__(self, settings: Settings, clock: Clock, table: AsyncKeyTable) -> None:
        self.enabled = settings.api_auth == "on"
        self.table = table
        self.keys = KeyCache(table, settings.api_key_cache_seconds)
        self.max_body = settings.api_max_body_bytes
        self.rates = TokenBuckets(settings.api_rate, settings.api_burst)
        self.failures = TokenBuckets(
            settings.api_auth_failure_rate, settings.api_auth_failure_burst
        )
        self._clock = clock
        self._touched: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def authenticate(self, request: web.Request) -> ApiKey:
        """The request's key, usable now; else 401, or 429 for an address that keeps failing."""
        address = request.remote or "unknown"
        text = _presented(request)
        parsed = parse(text) if text else None
        wait = self.failures.wait(address)
        if wait > 0:
            # Too many failures from here: only a key known to exist is checked (no read
            # for made-up ids), and a wrong one is answered 429 like everything else.
            if parsed is not None and self.keys.exists(parsed[0]):
                with contextlib.suppress(UnauthorizedError):
                    return await self._check(text, parsed)
            raise TooManyRequestsError(
                "too many failed authentications from this address; slow down",
                retry_after_seconds=_seconds(self.failures.wait(address)),
            )
        try:
            return await self._check(text, parsed)
        except UnauthorizedError:
            self.failures.take(address)
            raise

    async def _check(self, text: str | None, parsed: tuple[str, str] | None) -> ApiKey:
        if text is None:
            raise UnauthorizedError(
                "this endpoint needs an API key: send `Authorization: Bearer <key>` "
                "(or `X-API-Key: <key>`); see `cs keys create`"
            )
        key = await self.keys.get(parsed[0]) if parsed is not None else None
        if key is None or parsed is None or not key.matches(parsed[1]):
            raise UnauthorizedError("invalid API key", "invalid_api_key")
        if key.revoked_at is not None:
            raise UnauthorizedError(
                "this API key was revoked", "api_key_revoked", key_id=key.key_id
            )
        if not key.usable_at(self._clock.now()):
            raise UnauthorizedError(
                "this API key has expired", "api_key_expired", key_id=key.key_id
            )
        self._touch(key.key_id)
        return key

    def _touch(self, key_id: str) -> None:
        now = time.monotonic()
        if now - self._touched.get(key_id, -math.inf) < TOUCH_EVERY:
            return
        self._touched[key_id] = now
        task = asyncio.ensure_future(self._record_use(key_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _record_use(self, key_id: str) -> None:
        try:
            await self.table.touch(key_id)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:  # only a timestamp
            log.debug("could not record the use of API key %s: %s", key_id, error)

    def limit_rate(self, key: ApiKey) -> None:
        """429 if the key is over its rate; otherwise counts this request."""
        wait = self.rates.take(key.key_id)
        if wait > 0:
            raise TooManyRequestsError(
                f"rate limit exceeded: {self.rates.rate:g} requests/s per key "
                f"(burst {self.rates.burst:g}, CS_API_RATE, CS_API_BURST)",
                retry_after_seconds=_seconds(wait),
                key_id=key.key_id,
            )

    def too_large(self) -> PayloadTooLargeError:
        return PayloadTooLargeError(
            f"request body larger than {self.max_body} bytes (CS_API_MAX_BODY_BYTES)",
            max_body_bytes=self.max_body,
        )


ACCESS = web.AppKey("access", Access)


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate, authorize and limit every request that is not public (module doc)."""
    route = request.match_info.route
    resource = route.resource
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


def setup_access(app: web.Application) -> None:
    """Install the access middleware and, at start, the first admin key (or the warning)."""
    app[ACCESS] = Access(app[SETTINGS], app[CLOCK], app[API_KEYS])
    app.middlewares.append(access_middleware)
    app.on_startup.append(_on_startup)


async def _on_startup(app: web.Application) -> None:
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
