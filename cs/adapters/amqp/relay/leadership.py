"""Which relay publishes, and from where: the shared follower with the relay's keys.

One relay per name per database publishes: the one holding the two-key advisory lock
(`LOCK_CLASS`, hashtext(name)) on a session of its own; others stand by and take over
when the leader's session ends. Its position is a row of `cs_relay_positions`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from psycopg import Connection

from cs.adapters.follower import SESSION, AdvisoryLock, Backoff, Leadership, PositionTable

log = logging.getLogger(__name__)

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_relay_positions ("
    "name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, updated_at timestamptz)"
)
# Two-key advisory lock (class, hashtext(relay name)): a space apart from the one-key
# bigint locks the projections use, and one leader per relay name per database.
LOCK_CLASS = 0x63735F72  # "cs_r"
POSITIONS = PositionTable("cs_relay_positions", POSITIONS_DDL, ddl_lock="cs_relay_ddl")


def relay_leadership(
    *,
    database_url: str,
    name: str,
    channel: str | None,
    wake: Callable[[], None],
    retry_interval: float,
    backoff: Backoff,
) -> Leadership:
    """The leadership of relay `name`: NOTIFY on `channel` calls `wake`."""
    return Leadership(
        conninfo=database_url,
        lock=AdvisoryLock.named(LOCK_CLASS, name),
        channel=channel,
        wake=wake,
        label=f"relay {name!r}",
        log=log,
        retry_interval=retry_interval,
        backoff=backoff,
    )


def open_work_session(database_url: str, name: str) -> tuple[Connection[Any], int]:
    """A working session for relay `name` (its position row created if missing), and the
    stored position."""
    conn = Connection.connect(database_url, **SESSION)
    try:
        POSITIONS.create(conn, [name])
        return conn, POSITIONS.load(conn, [name])[name]
    except BaseException:
        conn.close()
        raise


def advance(conn: Connection[Any], name: str, old: int, new: int) -> None:
    """Move relay `name` from `old` to `new`, only if it is still `old`."""
    with conn.cursor() as cursor:
        POSITIONS.advance(cursor, name, old, new)
