"""Events a read model cannot take: skipped by that projection alone, on the record.

A `DataError` (a value its columns cannot hold) is deterministic: retrying the batch
would fail forever and stall the read model. The batch is applied again one event at a
time, and only the event that fails is passed over, recorded in `cs_projection_skips`
(ADR 14).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import Cursor

from cs.describe import one_line
from cs.projections.base import Projection
from cs.projections.batches import BatchCommitter, Write, applying, topic_of

log = logging.getLogger(__name__)

SKIPS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_projection_skips ("
    "name text NOT NULL, notification_id bigint NOT NULL, topic text NOT NULL, "
    "error text NOT NULL, skipped_at timestamptz NOT NULL DEFAULT now(), "
    "PRIMARY KEY (name, notification_id))"
)


def apply_one_by_one(
    batches: BatchCommitter,
    projection: Projection,
    mine: Sequence[tuple[int, Any]],
    position: int,
    last_id: int,
    *,
    skipped: Callable[[], None],
) -> None:
    """Apply `mine` ((notification id, event) pairs) one event per transaction, skipping
    each the read model cannot take, then move the position to `last_id`; `skipped` is
    called for each event skipped."""
    for nid, event in mine:
        try:
            batches.commit(projection, position, nid, applying(projection, [event]))
        except psycopg.DataError as error:
            _skip(batches, projection, nid, event, error, position)
            skipped()
        position = nid
    if position < last_id:
        batches.commit(projection, position, last_id, applying(projection, []))


def _skip(
    batches: BatchCommitter,
    projection: Projection,
    nid: int,
    event: Any,
    error: Exception,
    position: int,
) -> None:
    """Move past event `nid` without applying it, recording it and why."""
    reason = one_line(error)
    log.error(
        "projection %s skipped event %d (%s): %s; the log keeps it, this read model "
        "does not show it (cs_projection_skips)",
        projection.name,
        nid,
        topic_of(event),
        reason,
    )
    batches.commit(projection, position, nid, _recording(projection.name, nid, event, reason))


def _recording(name: str, nid: int, event: Any, reason: str) -> Write:
    """What a skip writes: the event's notification id and topic, and why."""

    def record(cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO cs_projection_skips (name, notification_id, topic, error) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (name, nid, topic_of(event), reason[:1000]),
        )

    return record
