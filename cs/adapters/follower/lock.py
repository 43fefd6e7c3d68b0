"""Which advisory lock makes a follower the leader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import Connection


@dataclass(frozen=True)
class AdvisoryLock:
    """A session-level PostgreSQL advisory lock, in one of the two key spaces.

    PostgreSQL keeps one-key (bigint) and two-key (int, int) advisory locks apart: the
    projection runner uses one bigint key, each relay name a class and the hashtext of
    its name. Promises: `try_take` never waits; the lock, once taken, is held until the
    session that took it ends.
    """

    statement: str
    params: tuple[int | str, ...]

    @classmethod
    def single(cls, key: int) -> AdvisoryLock:
        """The one-key lock `key`."""
        return cls("SELECT pg_try_advisory_lock(%s)", (key,))

    @classmethod
    def named(cls, lock_class: int, name: str) -> AdvisoryLock:
        """The two-key lock (`lock_class`, hashtext(`name`)): one leader per name."""
        return cls("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (lock_class, name))

    def try_take(self, conn: Connection[Any]) -> bool:
        """Take the lock on `conn` if it is free; whether this session holds it now."""
        row = conn.execute(self.statement, self.params).fetchone()
        return bool(row and row[0])
