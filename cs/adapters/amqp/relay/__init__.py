"""The outbox relay: publishes the event log to RabbitMQ, in order, at least once.

The event store is the outbox. The relay reads `cs_events` in notification order from a
position kept in PostgreSQL (`cs_relay_positions`), maps each batch to messages
(`contract.py`), publishes them on one channel with publisher confirms, and moves the
position past the batch only once the broker has confirmed all of it. Whatever fails
(broker down, connection cut, relay killed), the next attempt starts again from the
stored position: nothing is lost, and what a consumer can see twice is bounded by the
batch that was in flight. Consumers drop those duplicates by `message_id`.

One relay per database publishes: the one holding a session-level advisory lock on a
connection of its own. Others stand by and take over when the leader's session ends.

By concern: `leadership` (the shared log follower, `cs.adapters.follower`, with the
relay's lock and positions), `reader` and `context` (batches of the log and what they
refer to), `mapping`, `publisher` (the broker), `stats`, `loop` (`OutboxRelay`, tying
them together) and `entry` (`run_relay`, for `python -m cs relay`).
"""

from cs.adapters.amqp.relay.entry import RelayConfigError, run_relay
from cs.adapters.amqp.relay.leadership import LOCK_CLASS, POSITIONS_DDL
from cs.adapters.amqp.relay.loop import OutboxRelay
from cs.adapters.amqp.relay.publisher import masked_url
from cs.adapters.amqp.relay.stats import RelayStats
from cs.adapters.follower import PositionConflictError

__all__ = [
    "LOCK_CLASS",
    "POSITIONS_DDL",
    "OutboxRelay",
    "PositionConflictError",
    "RelayConfigError",
    "RelayStats",
    "masked_url",
    "run_relay",
]
