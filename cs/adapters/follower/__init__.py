"""Following the event log from one leader: the piece the projection runner and the relay share.

A follower of the log reads `cs_events` in notification order from a position of its own
and acts on each batch (the runner writes read models, the relay publishes). Three
things are the same for both, and live here:

- `Leadership`: one leader per database, the process holding a session-level advisory
  lock on a session of its own; it runs on its own thread, notices a lost session, and
  relays NOTIFY on the events channel as a wake-up to a thread-safe callback;
- `PositionTable`: positions that only move by compare-and-set from the value read,
  else `PositionConflictError` (the caller's transaction rolls back);
- `SESSION` and `Backoff`: how such sessions are opened and how retries space out.

Everything is synchronous (psycopg's blocking API); the relay calls it from its event
loop through `asyncio.to_thread` (docs/adr/0015-one-log-follower.md).
"""

from cs.adapters.follower.backoff import Backoff
from cs.adapters.follower.leadership import Leadership
from cs.adapters.follower.lock import AdvisoryLock
from cs.adapters.follower.positions import PositionConflictError, PositionTable
from cs.adapters.follower.session import SESSION

__all__ = [
    "SESSION",
    "AdvisoryLock",
    "Backoff",
    "Leadership",
    "PositionConflictError",
    "PositionTable",
]
