"""OCPP 1.6 ids we allocate (transactions, reservations) from PostgreSQL sequences."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from psycopg_pool import AsyncConnectionPool

DDL = (
    "CREATE SEQUENCE IF NOT EXISTS cs_transaction_ids AS integer MINVALUE 1 NO CYCLE",
    "CREATE SEQUENCE IF NOT EXISTS cs_reservation_ids AS integer MINVALUE 1 NO CYCLE",
)


class SequenceIds:
    """Positive 32-bit ids, unique across restarts and nodes, fetched `block` at a time.

    Ids fetched but not handed out when the process stops are simply never used (gaps
    are harmless); a sequence never returns a value twice.
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        *,
        sequence: str = "cs_transaction_ids",
        block: int = 100,
    ) -> None:
        self._pool = pool
        self._sequence = sequence
        self._block = block
        self._free: deque[int] = deque()
        self._refill: asyncio.Task[None] | None = None

    async def next(self) -> int:
        """An id; refills in the background before running dry, so this rarely waits."""
        refill = self._refill
        if len(self._free) < self._block // 3 and (refill is None or refill.done()):
            refill = self._refill = asyncio.ensure_future(self._fetch())
        while not self._free and refill is not None:
            await asyncio.shield(refill)
            if not self._free:
                refill = self._refill = asyncio.ensure_future(self._fetch())
        return self._free.popleft()

    async def _fetch(self) -> None:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", (self._sequence, self._block)
            )
            self._free.extend(int(row[0]) for row in await cursor.fetchall())
