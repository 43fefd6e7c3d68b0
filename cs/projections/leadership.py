"""Which projection runner applies batches, and where positions are kept: the shared log
follower (`cs.adapters.follower`) with the projections' keys.

One runner per database leads: the one holding the one-key advisory lock `LEADER_LOCK`
on a session of its own. Each projection's position is a row of
`cs_projection_positions`, moved in the transaction of its batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from cs.adapters.follower import AdvisoryLock, Backoff, Leadership, PositionTable

log = logging.getLogger(__name__)

LEADER_LOCK = 0x63735F70726F6A  # pg advisory lock key: one active runner per database
POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_projection_positions ("
    "name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, "
    "updated_at timestamptz NOT NULL DEFAULT now())"
)
POSITIONS = PositionTable("cs_projection_positions", POSITIONS_DDL, ddl_lock="cs_projection_ddl")


def runner_leadership(conninfo: str, channel: str | None, wake: Callable[[], None]) -> Leadership:
    """The runner's leadership: NOTIFY on `channel` calls `wake`; the lock is tried every 2 s."""
    return Leadership(
        conninfo=conninfo,
        lock=AdvisoryLock.single(LEADER_LOCK),
        channel=channel,
        wake=wake,
        label="projections",
        log=log,
        retry_interval=2.0,
        backoff=Backoff(2.0, 2.0),
    )
