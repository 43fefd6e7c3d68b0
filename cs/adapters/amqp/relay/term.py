"""One term of leadership: the relay's working session and the batches it publishes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from psycopg import Connection

from cs.adapters.amqp.relay.leadership import POSITIONS, advance, open_work_session
from cs.adapters.amqp.relay.mapping import messages_of
from cs.adapters.amqp.relay.publisher import Publisher
from cs.adapters.amqp.relay.reader import Batch, LogReader
from cs.adapters.amqp.relay.stats import RelayStats

log = logging.getLogger(__name__)


class PublishingTerm:
    """What the relay does while it leads: read a batch, publish it, move the position.

    Promises: a batch's position is stored only after the broker confirmed all of its
    messages, and only from the position read at the start of the term or stored by
    it since (else `PositionConflictError`; `reload_position()` reads it again);
    `stats` show position, head and counts as of the last batch. The session is used
    by one worker thread at a time: await each call before the next.
    """

    def __init__(
        self,
        work: Connection[Any],
        *,
        name: str,
        reader: LogReader,
        publisher: Publisher,
        stats: RelayStats,
    ) -> None:
        self._work = work
        self._name = name
        self._reader = reader
        self._publisher = publisher
        self._stats = stats
        self.last_batch_rows = 0  # log entries the last batch passed

    @classmethod
    async def begin(
        cls,
        *,
        database_url: str,
        name: str,
        reader: LogReader,
        publisher: Publisher,
        stats: RelayStats,
    ) -> PublishingTerm:
        """Open the working session and load the position this term starts from."""
        work, position = await asyncio.to_thread(open_work_session, database_url, name)
        term = cls(work, name=name, reader=reader, publisher=publisher, stats=stats)
        try:
            stats.head = await asyncio.to_thread(reader.head, work, position)
        except BaseException:
            term.close()
            raise
        stats.position = position
        log.info("relay %r: resuming after notification %d (head %d)", name, position, stats.head)
        return term

    async def step(self) -> bool:
        """Relay one batch; False when the log had nothing new."""
        stats = self._stats
        position = stats.position
        batch = await asyncio.to_thread(self._reader.read, self._work, position)
        if batch is None:
            stats.head = position  # nothing after it: the position is the head
            stats.lag_seconds = 0.0
            return False
        messages, skipped = messages_of(self._name, batch.events, batch.lookups)
        stats.skipped += skipped
        if messages:
            await self._publisher.publish(messages)
        await asyncio.to_thread(advance, self._work, self._name, position, batch.last_id)
        stats.position = batch.last_id
        if batch.rows == self._reader.batch_size:  # probably more behind it
            stats.head = await asyncio.to_thread(self._reader.head, self._work, batch.last_id)
        else:
            stats.head = max(stats.head, batch.last_id)
        self._count(batch, published=len(messages))
        self.last_batch_rows = batch.rows
        return True

    async def reload_position(self) -> None:
        found = await asyncio.to_thread(POSITIONS.load, self._work, [self._name])
        self._stats.position = found[self._name]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken session may fail to close too
            self._work.close()

    def _count(self, batch: Batch, *, published: int) -> None:
        stats = self._stats
        stats.batches += 1
        stats.events += batch.rows
        stats.published += published
        if batch.events:
            stats.last_event_at = batch.events[-1].timestamp
        stats.update_lag()
