"""`Access`: the access policy of one node (who may call what, how often, with how much)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time

import psycopg
import psycopg_pool
from aiohttp import web

from cs.adapters.api_keys import ApiKey, AsyncKeyTable, parse
from cs.app.penalties import Fade, FailedAttempts, PenaltyRules
from cs.app.ports import Clock
from cs.app.ratelimit import TokenBuckets
from cs.config import Settings
from cs.http.auth.errors import PayloadTooLargeError, TooManyRequestsError, UnauthorizedError
from cs.http.auth.identity import presented
from cs.http.auth.keycache import KeyCache

log = logging.getLogger("cs.http.auth")  # log lines keep the name of the module this was split from

TOUCH_EVERY = 60.0  # seconds between `last_used_at` updates of one key


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


class Access:
    """The access policy of one node: who may call what, how often, with how much.

    Promises: a key is trusted at most `CS_API_KEY_CACHE_SECONDS` after it was read; a
    key over its rate and an address over its failed authentications get 429 with a
    Retry-After in whole seconds (at least 1); a key in use goes on working from an
    address others fail from.
    """

    def __init__(self, settings: Settings, clock: Clock, table: AsyncKeyTable) -> None:
        self.enabled = settings.api_auth == "on"
        self.table = table
        self.keys = KeyCache(table, settings.api_key_cache_seconds)
        self.max_body = settings.api_max_body_bytes
        self.rates = TokenBuckets(settings.api_rate, settings.api_burst)
        self.failures = FailedAttempts(
            PenaltyRules(
                forget=Fade(settings.api_auth_failure_rate),
                block_after=settings.api_auth_failure_burst,
            )
        )
        self._clock = clock
        self._touched: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def authenticate(self, request: web.Request) -> ApiKey:
        """The request's key, usable now; else 401, or 429 for an address that keeps failing."""
        address = request.remote or "unknown"
        text = presented(request)
        parsed = parse(text) if text else None
        if self.failures.blocked(address):
            # Too many failures from here: only a key known to exist is checked (no read
            # for made-up ids), and a wrong one is answered 429 like everything else.
            if parsed is not None and self.keys.exists(parsed[0]):
                with contextlib.suppress(UnauthorizedError):
                    return await self._check(text, parsed)
            raise TooManyRequestsError(
                "too many failed authentications from this address; slow down",
                retry_after_seconds=_seconds(self.failures.retry_after(address)),
            )
        try:
            return await self._check(text, parsed)
        except UnauthorizedError:
            self.failures.fail(address)
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
