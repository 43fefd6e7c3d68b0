"""Id tags read model: the token registry, and what each tag is doing."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from psycopg import Cursor

from cs.domain.idtag import IdTag
from cs.projections.base import topics_of

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_id_tags (
        tag_key uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        id_tag text NOT NULL,
        registered boolean NOT NULL DEFAULT false,
        status text,
        expiry_date timestamptz,
        parent_id_tag text,
        active_transactions integer[] NOT NULL DEFAULT '{}',
        first_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        last_decision text,
        last_decision_at timestamptz,
        last_charge_box_id text
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_id_tags_registry ON rm_id_tags (tenant_id, upper(id_tag)) "
    "WHERE registered",
)


class IdTagsProjection:
    """Projects `IdTag` streams into `rm_id_tags` (one row per tag, registered or seen)."""

    name: str = "id_tags"
    tables: tuple[str, ...] = ("rm_id_tags",)
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(
        IdTag.Noted,
        IdTag.Registered,
        IdTag.Unregistered,
        IdTag.Decided,
        IdTag.TransactionStarted,
        IdTag.TransactionEnded,
    )

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        # Only a tag's last decision in a batch survives: write that one only.
        decisions: dict[Any, IdTag.Decided] = {}
        for event in events:
            if isinstance(event, IdTag.Decided):
                decisions[event.originator_id] = event
            else:
                self.handle(event, cursor)
        if decisions:
            cursor.executemany(
                "UPDATE rm_id_tags SET last_decision = %s, last_decision_at = %s, "
                "last_charge_box_id = %s WHERE tag_key = %s",
                [
                    (e.status, e.timestamp, e.charge_box_id, e.originator_id)
                    for e in decisions.values()
                ],
            )

    @singledispatchmethod
    def handle(self, event: Any, cursor: Cursor[Any]) -> None:
        """Events of other types change nothing here."""

    @handle.register
    def _noted(self, event: IdTag.Noted, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO rm_id_tags (tag_key, tenant_id, id_tag, first_seen_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tag_key) DO NOTHING",
            (event.originator_id, event.tenant_id, event.id_tag, event.timestamp, event.timestamp),
        )

    @handle.register
    def _registered(self, event: IdTag.Registered, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_id_tags SET registered = true, status = %s, expiry_date = %s, "
            "parent_id_tag = %s, updated_at = %s WHERE tag_key = %s",
            (
                event.status,
                event.expiry_date,
                event.parent_id_tag,
                event.timestamp,
                event.originator_id,
            ),
        )

    @handle.register
    def _unregistered(self, event: IdTag.Unregistered, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_id_tags SET registered = false, status = NULL, expiry_date = NULL, "
            "parent_id_tag = NULL, updated_at = %s WHERE tag_key = %s",
            (event.timestamp, event.originator_id),
        )

    @handle.register
    def _started(self, event: IdTag.TransactionStarted, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_id_tags SET active_transactions = "
            "array_append(array_remove(active_transactions, %s), %s) WHERE tag_key = %s",
            (event.transaction_id, event.transaction_id, event.originator_id),
        )

    @handle.register
    def _ended(self, event: IdTag.TransactionEnded, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_id_tags SET active_transactions = array_remove(active_transactions, %s) "
            "WHERE tag_key = %s",
            (event.transaction_id, event.originator_id),
        )
