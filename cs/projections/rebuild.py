"""Rebuilding read models from the log: to prove them (verify) or to replace one (rebuild).

Both build into a scratch schema (`search_path = scratch, public`: the projections' SQL
is unqualified, so their tables land in scratch while the log is read from public), in
two steps so the live runner is held still only briefly: first up to where the live
read models were when we started, then, holding each projection's batch lock (no live
batch can commit meanwhile), up to exactly where they are now.

- `verify()` then compares every table, row for row, and reports differences.
- `rebuild(name)` then swaps the scratch tables in, in one transaction: a reader sees the
  old table or the new one, never a half-built one.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Mapper
from psycopg import Connection, sql
from psycopg_pool import ConnectionPool

from cs.projections.base import Projection
from cs.projections.runner import ProjectionRunner, batch_lock

log = logging.getLogger(__name__)


@dataclass
class TableDifference:
    table: str
    only_live: int
    only_rebuilt: int
    samples: list[str] = field(default_factory=list)


@dataclass
class RebuildReport:
    events: int
    seconds: float
    differences: list[TableDifference] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class Rebuilder:
    """Rebuilds projections from the event log into scratch tables."""

    def __init__(
        self,
        database_url: str,
        *,
        projections: Callable[[], list[Projection]],
        mapper: Mapper[Any],
        batch_size: int = 5000,
    ) -> None:
        self._url = database_url
        self._projections = projections
        self._mapper = mapper
        self._batch_size = batch_size

    def verify(self) -> RebuildReport:
        """Rebuild every projection and compare it with the live read model."""
        projections = self._projections()
        with self._scratch(projections) as (schema, runner):
            started = time.perf_counter()
            runner.catch_up(until=self._live_positions(projections))
            with self._held(projections) as conn:
                runner.catch_up(until=self._live_positions(projections, conn))
                seconds = time.perf_counter() - started
                differences = [
                    difference
                    for projection in projections
                    for table in projection.tables
                    if (difference := _compare(conn, schema, table)) is not None
                ]
            return RebuildReport(runner.stats.events, seconds, differences)

    def rebuild(self, name: str) -> RebuildReport:
        """Rebuild one projection and swap it in, while the server keeps serving."""
        projections = [p for p in self._projections() if p.name == name]
        if not projections:
            raise KeyError(name)
        with self._scratch(projections) as (schema, runner):
            started = time.perf_counter()
            runner.catch_up(until=self._live_positions(projections))
            with self._held(projections) as conn:
                runner.catch_up(until=self._live_positions(projections, conn))
                for table in projections[0].tables:
                    conn.execute(sql.SQL("DROP TABLE public.{}").format(sql.Identifier(table)))
                    conn.execute(
                        sql.SQL("ALTER TABLE {}.{} SET SCHEMA public").format(
                            sql.Identifier(schema), sql.Identifier(table)
                        )
                    )
            return RebuildReport(runner.stats.events, time.perf_counter() - started)

    @contextlib.contextmanager
    def _scratch(self, projections: Sequence[Projection]) -> Iterator[tuple[str, ProjectionRunner]]:
        schema = f"cs_rebuild_{uuid.uuid4().hex[:10]}"
        with Connection.connect(self._url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        options = f"-c timezone=UTC -c search_path={schema},public"
        pool: ConnectionPool[Any] = ConnectionPool(
            self._url,
            kwargs={"autocommit": True, "options": options},
            min_size=1,
            max_size=2,
            open=True,
        )
        try:
            runner = ProjectionRunner(
                events_table="cs_events",
                mapper=self._mapper,
                pool=pool,
                projections=list(projections),
                batch_size=self._batch_size,
                batch_locks=False,  # the held live locks must not stop the scratch runner
            )
            runner.create_tables()
            yield schema, runner
        finally:
            pool.close()
            with Connection.connect(self._url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))

    @contextlib.contextmanager
    def _held(self, projections: Sequence[Projection]) -> Iterator[Connection[Any]]:
        """A transaction holding every given projection's batch lock (live runner waits)."""
        with Connection.connect(self._url, options="-c timezone=UTC") as conn, conn.transaction():
            for projection in projections:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (batch_lock(projection.name),))
            yield conn

    def _live_positions(
        self, projections: Sequence[Projection], conn: Connection[Any] | None = None
    ) -> dict[str, int]:
        names = [p.name for p in projections]
        query = "SELECT name, position FROM public.cs_projection_positions WHERE name = ANY(%s)"
        if conn is None:
            with Connection.connect(self._url) as own:
                rows = own.execute(query, (names,)).fetchall()
        else:
            rows = conn.execute(query, (names,)).fetchall()
        found = {str(name): int(position) for name, position in rows}
        return {name: found.get(name, 0) for name in names}


def _compare(conn: Connection[Any], schema: str, table: str) -> TableDifference | None:
    columns = [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
    ]
    listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    live = sql.SQL("SELECT {} FROM public.{}").format(listed, sql.Identifier(table))
    rebuilt = sql.SQL("SELECT {} FROM {}.{}").format(
        listed, sql.Identifier(schema), sql.Identifier(table)
    )
    only_live = conn.execute(
        sql.SQL("({} EXCEPT ALL {}) LIMIT 1000").format(live, rebuilt)
    ).fetchall()
    only_rebuilt = conn.execute(
        sql.SQL("({} EXCEPT ALL {}) LIMIT 1000").format(rebuilt, live)
    ).fetchall()
    if not only_live and not only_rebuilt:
        return None
    samples = [f"live only: {row}" for row in only_live[:3]] + [
        f"rebuilt only: {row}" for row in only_rebuilt[:3]
    ]
    return TableDifference(table, len(only_live), len(only_rebuilt), samples)
