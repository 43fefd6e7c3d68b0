"""How far each follower of the log got: one row per name, moved by compare-and-set."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from psycopg import Connection, Cursor, Pipeline, sql


class PositionConflictError(Exception):
    """A stored position was not the value its follower read: another follower moved it.

    Raised inside the transaction that tried to move it, so that transaction rolls back.
    The message is the position's name.
    """


@dataclass(frozen=True)
class PositionTable:
    """A table of positions (`name`, `position`, `updated_at`), one row per follower name.

    Promises: `create` is idempotent and safe when several processes start together
    (serialised by a transaction-level advisory lock on `ddl_lock`); a position only
    moves through `advance`, from the value the caller read, else
    `PositionConflictError`; a name without a row reads as 0.
    """

    table: str
    ddl: str  # CREATE TABLE IF NOT EXISTS, as existing deployments have it
    ddl_lock: str  # hashtext key of the lock that serialises the DDL

    def create(
        self, conn: Connection[Any], names: Iterable[str], *, also: Sequence[str] = ()
    ) -> None:
        """Create the table (and the statements in `also`) and a row at 0 for each name."""
        with conn.transaction():
            # Serialised: two processes creating the table at once would otherwise collide.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.ddl_lock,))
            conn.execute(self.ddl)
            for statement in also:
                conn.execute(statement)
            for name in names:
                conn.execute(self._insert, (name,))

    def load(self, conn: Connection[Any], names: Sequence[str]) -> dict[str, int]:
        """The stored position of each name (0 when it has no row)."""
        rows = conn.execute(self._select, (list(names),)).fetchall()
        found = {str(name): int(position) for name, position in rows}
        return {name: found.get(name, 0) for name in names}

    def advance(
        self,
        cursor: Cursor[Any],
        name: str,
        old: int,
        new: int,
        *,
        pipeline: Pipeline | None = None,
    ) -> None:
        """Move `name` from `old` to `new` in the cursor's transaction, only if it is still `old`.

        In pipeline mode pass the pipeline: the row count is only known after a sync, and
        syncing here sends the caller's statements and this one in one round trip.
        """
        cursor.execute(self._update, (new, name, old), prepare=True)
        if pipeline is not None:
            pipeline.sync()
        if cursor.rowcount != 1:  # inside the transaction: raising rolls it back
            raise PositionConflictError(name)

    @cached_property
    def _insert(self) -> sql.Composed:
        return sql.SQL(
            "INSERT INTO {} (name, updated_at) VALUES (%s, now()) ON CONFLICT (name) DO NOTHING"
        ).format(sql.Identifier(self.table))

    @cached_property
    def _select(self) -> sql.Composed:
        return sql.SQL("SELECT name, position FROM {} WHERE name = ANY(%s)").format(
            sql.Identifier(self.table)
        )

    @cached_property
    def _update(self) -> sql.Composed:
        return sql.SQL(
            "UPDATE {} SET position = %s, updated_at = now() WHERE name = %s AND position = %s"
        ).format(sql.Identifier(self.table))
