"""How a follower opens its own PostgreSQL sessions (the leader's and the working one)."""

from __future__ import annotations

from typing import Any

# Every session reads and writes timestamps in UTC; keepalives let a dead peer surface
# as an error instead of a wait that never ends (the leader lock is on such a session).
SESSION: dict[str, Any] = {
    "autocommit": True,
    "options": "-c timezone=UTC",
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
