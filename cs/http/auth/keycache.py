"""API keys by id, trusted in memory for a while: one database read per key and period."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import psycopg
import psycopg_pool

from cs.adapters.api_keys import ApiKey, AsyncKeyTable
from cs.http.errors import UnavailableError

log = logging.getLogger("cs.http.auth")  # log lines keep the name of the module this was split from


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
