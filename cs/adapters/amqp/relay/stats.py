"""What the relay reports: its counters, and a log line every so often."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class RelayStats:
    """What the relay reports (log lines and the status endpoint).

    `position` is the last notification id confirmed by the broker (or passed over);
    `head` the newest in the log when last looked at; `lag_seconds` how old the last
    published event was when the relay was still behind it (0 when caught up): an
    estimate of how far behind the log the consumers are.
    """

    name: str
    leader: bool = False
    broker_connected: bool = False
    position: int = 0
    head: int = 0
    lag_seconds: float = 0.0
    batches: int = 0
    events: int = 0  # log entries passed (published or not)
    published: int = 0  # messages confirmed by the broker
    retries: int = 0  # failed publish attempts of a batch (each republished whole)
    broker_connects: int = 0
    skipped: int = 0  # events that could not be mapped (logged as errors)
    unroutable: int = 0  # confirmed messages no queue was bound for (broker dropped them)
    last_error: str | None = None
    last_event_at: datetime | None = None

    @property
    def lag_events(self) -> int:
        return max(0, self.head - self.position)

    def update_lag(self) -> None:
        """Recompute `lag_seconds` from the last event passed and the head."""
        if self.lag_events == 0 or self.last_event_at is None:
            self.lag_seconds = 0.0
        else:
            age = datetime.now(UTC) - self.last_event_at
            self.lag_seconds = max(0.0, age.total_seconds())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the status endpoint."""
        return {
            "name": self.name,
            "leader": self.leader,
            "broker_connected": self.broker_connected,
            "position": self.position,
            "head": self.head,
            "lag_events": self.lag_events,
            "lag_seconds": round(self.lag_seconds, 3),
            "batches": self.batches,
            "events": self.events,
            "published": self.published,
            "retries": self.retries,
            "broker_connects": self.broker_connects,
            "skipped": self.skipped,
            "unroutable": self.unroutable,
            "last_error": self.last_error,
        }


async def report_periodically(stats: RelayStats, interval: float) -> None:
    """Log where the relay is every `interval` seconds, with the publish rate since the last
    line (until cancelled)."""
    last_published, last_time = 0, time.monotonic()
    while True:
        await asyncio.sleep(interval)
        now = time.monotonic()
        rate = (stats.published - last_published) / max(now - last_time, 1e-9)
        last_published, last_time = stats.published, now
        report(stats, rate)


def report(stats: RelayStats, rate: float) -> None:
    """One log line: standing by, or position, head, lag and rate."""
    if not stats.leader:
        log.info("relay %r: standing by (another relay publishes)", stats.name)
        return
    log.info(
        "relay %r: position %d, head %d, lag %d events / %.1fs, %d published (%.0f/s)%s",
        stats.name,
        stats.position,
        stats.head,
        stats.lag_events,
        stats.lag_seconds,
        stats.published,
        rate,
        "" if stats.broker_connected else ", RabbitMQ unreachable",
    )
