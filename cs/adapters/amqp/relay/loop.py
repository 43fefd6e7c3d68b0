"""The relay's loop: lead, read a batch, map it, publish it, move the position; repeat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg
from eventsourcing.persistence import Mapper

from cs.adapters.amqp.contract import Exchange
from cs.adapters.amqp.relay.control import LoopControl
from cs.adapters.amqp.relay.leadership import relay_leadership
from cs.adapters.amqp.relay.publisher import Interrupted, Publisher, masked_url
from cs.adapters.amqp.relay.reader import LogReader
from cs.adapters.amqp.relay.stats import RelayStats, report_periodically
from cs.adapters.amqp.relay.term import PublishingTerm
from cs.adapters.eventstore import EventStore
from cs.adapters.follower import Backoff, PositionConflictError
from cs.describe import one_line

# Events read and published per batch; the position moves once a whole batch is confirmed,
# so a relay killed mid-batch has at most this many events published again.
BATCH_SIZE = 500

log = logging.getLogger(__name__)


class OutboxRelay:
    """Publishes the event log to RabbitMQ (exchanges `ocpp` and `sessions`), in log order.

    Promises:
    - at least once: a message is only passed (position advanced) after the broker
      confirmed it; after any failure the relay resumes from the stored position by
      itself, so the duplicates a consumer may see are those of the batch in flight;
    - in order: messages go out in notification order on one confirm channel, so the
      messages of one charge box reach a queue in the order of the log;
    - one publisher: only the relay holding the advisory lock for `name` publishes;
    - visible lag: `stats` (position, head, lag) and a log line every `log_interval`.

    Run with `await relay.run()`; `stop()` (any thread) makes it finish the batch in
    flight and return. `wake()` (any thread) makes it look at the log now rather than
    at the next poll (the writer can call it after each commit).
    """

    def __init__(
        self,
        *,
        database_url: str,
        amqp_url: str,
        mapper: Mapper[Any],
        events_table: str = "cs_events",
        snapshots_table: str | None = "cs_snapshots",
        notify_channel: str | None = "cs_events",
        name: str = "amqp",
        ocpp_exchange: str = Exchange.OCPP.value,
        sessions_exchange: str = Exchange.SESSIONS.value,
        batch_size: int = BATCH_SIZE,
        poll_interval: float = 0.5,
        linger: float = 0.05,
        lock_poll_interval: float = 1.0,
        retry_initial: float = 0.25,
        retry_max: float = 10.0,
        publish_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        log_interval: float = 30.0,
        cache_size: int = 20_000,
    ) -> None:
        self._database_url = database_url
        self._amqp_url = amqp_url
        self._name = name
        self._poll_interval = poll_interval
        self._linger = linger
        self._lock_poll_interval = lock_poll_interval
        self._log_interval = log_interval
        self._backoff = Backoff(retry_initial, retry_max)
        self.stats = RelayStats(name=name)
        self._control = LoopControl()
        self._reader = LogReader(
            mapper=mapper,
            events_table=events_table,
            snapshots_table=snapshots_table,
            batch_size=batch_size,
            cache_size=cache_size,
        )
        self._leadership = relay_leadership(
            database_url=database_url,
            name=name,
            channel=notify_channel,
            wake=self.wake,
            retry_interval=lock_poll_interval,
            backoff=self._backoff,
        )
        self._publisher = Publisher(
            amqp_url=amqp_url,
            name=name,
            exchange_names={Exchange.OCPP: ocpp_exchange, Exchange.SESSIONS: sessions_exchange},
            stats=self.stats,
            backoff=self._backoff,
            publish_timeout=publish_timeout,
            connect_timeout=connect_timeout,
            interrupted=self._interrupted,
            sleep=self._control.sleep,
        )
        self._term: int | None = None  # the leadership term this relay publishes in

    @classmethod
    def for_store(
        cls, store: EventStore, *, database_url: str, amqp_url: str, **options: Any
    ) -> OutboxRelay:
        """A relay for the tables of `store` (its mapper decodes the events)."""
        recorder: Any = store.recorder
        snapshots: Any = store.snapshots.recorder if store.snapshots is not None else None
        return cls(
            database_url=database_url,
            amqp_url=amqp_url,
            mapper=store.mapper,
            events_table=f"{recorder.datastore.schema}.{recorder.events_table_name}",
            snapshots_table=(
                f"{snapshots.datastore.schema}.{snapshots.events_table_name}" if snapshots else None
            ),
            notify_channel=recorder.channel_name,
            **options,
        )

    # -- control ------------------------------------------------------------------

    def stop(self) -> None:
        """Return from `run()` after the batch in flight (callable from any thread).

        A batch being published is finished and its position stored; a batch waiting
        for an unreachable broker is left for the next run (nothing is lost either way).
        """
        self._control.stop()

    @property
    def is_stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._control.is_stopping

    async def stopped(self) -> None:
        """Wait until `stop()` is called."""
        await self._control.stopped()

    def wake(self, _notification_id: int = 0) -> None:
        """New events were committed: look now (callable from any thread, e.g. the writer)."""
        self._control.wake()

    async def run(self) -> None:
        """Relay until `stop()`: stand by, lead, publish; recover from every failure."""
        self._control.bind()
        reporter = asyncio.create_task(
            report_periodically(self.stats, self._log_interval), name="cs-relay-report"
        )
        log.info(
            "relay %r: publishing %s to RabbitMQ at %s (exchanges %s)",
            self._name,
            "the event log",
            masked_url(self._amqp_url),
            ", ".join(self._publisher.exchange_names.values()),
        )
        self._leadership.start()
        try:
            await self._follow()
        finally:
            await asyncio.to_thread(self._leadership.stop)
            await self._publisher.close()
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            log.info("relay %r stopped at position %d", self._name, self.stats.position)

    # -- following the log ----------------------------------------------------------

    async def _follow(self) -> None:
        """Stand by until this relay leads, then publish; after a failure, back off."""
        failures = 0
        while not self._control.is_stopping:
            term = self._term = self._leadership.term
            if term is None:  # standing by: the leadership wakes this loop when it leads
                await self._control.wait_for_events(self._lock_poll_interval)
                continue
            try:
                publishing = await PublishingTerm.begin(
                    database_url=self._database_url,
                    name=self._name,
                    reader=self._reader,
                    publisher=self._publisher,
                    stats=self.stats,
                )
                failures = 0
                await self._lead(term, publishing)
            except Exception as error:
                failures = await self._recover(error, failures)

    async def _lead(self, term: int, publishing: PublishingTerm) -> None:
        """Publish batches while this relay leads in `term`."""
        self.stats.leader = True
        try:
            while not self._control.is_stopping and self._leadership.leads(term):
                try:
                    progressed = await publishing.step()
                except Interrupted:
                    return
                except PositionConflictError:
                    log.error(
                        "relay %r: the stored position moved under this relay (another relay "
                        "without the lock?); reloading it",
                        self._name,
                    )
                    await publishing.reload_position()
                    continue
                if not progressed:
                    await self._publisher.connect_when_idle()
                    await self._control.wait_for_events(self._poll_interval)
                elif self._linger and publishing.last_batch_rows < self._reader.batch_size:
                    # Events keep coming but the batch was not full: let more gather, so
                    # each batch's fixed costs (reads, a write, confirms) are shared.
                    await self._control.sleep(self._linger)
        finally:
            self.stats.leader = False
            publishing.close()

    async def _recover(self, error: Exception, failures: int) -> int:
        """Say what failed, let another relay lead meanwhile, and back off; the failures
        counted so far."""
        delay = self._backoff.delay(failures)
        if isinstance(error, psycopg.Error | OSError):
            self.stats.last_error = f"database: {error}"
            log.warning(
                "relay %r: database unavailable (%s); retrying in %.1fs",
                self._name,
                one_line(error),
                delay,
            )
        else:  # a bug or a poison event: say so, never skip it
            self.stats.last_error = repr(error)
            log.error("relay %r failed; retrying in %.1fs", self._name, delay, exc_info=error)
        self._leadership.resign()
        await self._control.sleep(delay)
        return failures + 1

    def _interrupted(self) -> bool:
        """Whether a batch waiting for the broker must be left (stopping, or not leading)."""
        term = self._term
        return self._control.is_stopping or term is None or not self._leadership.leads(term)
