"""Queries over the read models, for the REST API (async, on their own pool).

Rows come back as plain dicts, ready for orjson; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from cs.projections.box_sql import BOX_COLUMNS as _BOX_COLUMNS
from cs.projections.box_sql import OPEN_CONNECTION as _OPEN_CONNECTION
from cs.projections.certificates import CERTIFICATES
from cs.projections.cursors import encode_cursor
from cs.projections.device_model import variables_query


class AmbiguousChargeBoxError(Exception):
    """A charge box id used by several tenants was asked for without a tenant."""

    def __init__(self, charge_box_id: str, tenants: list[str]) -> None:
        super().__init__(f"charge box {charge_box_id!r} exists in several tenants")
        self.charge_box_id = charge_box_id
        self.tenants = tenants


@dataclass(frozen=True)
class SessionFilter:
    """The filters of `GET /sessions`; every one optional."""

    tenant_id: str | None = None
    status: str | None = None
    charge_box_id: str | None = None
    connector_id: int | None = None
    id_tag: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None

    def sql(self) -> tuple[list[str], dict[str, Any]]:
        clauses = {
            "tenant_id": "tenant_id = %(tenant_id)s",
            "status": "status = %(status)s",
            "charge_box_id": "charge_box_id = %(charge_box_id)s",
            "connector_id": "connector_id = %(connector_id)s",
            "id_tag": "upper(id_tag) = upper(%(id_tag)s)",
            "started_from": "started_at >= %(started_from)s",
            "started_to": "started_at < %(started_to)s",
        }
        values = {name: getattr(self, name) for name in clauses}
        present = {name: value for name, value in values.items() if value is not None}
        return [clauses[name] for name in present], present


class ReadModels:
    """Read access to connections, charge boxes and connectors."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def _all(
        self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
    ) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            rows: list[dict[str, Any]] = await cur.fetchall()
            return rows

    async def summary(self, tenant_id: str | None) -> dict[str, Any]:
        rows = await self._all(
            """
            SELECT
              (SELECT count(*) FROM rm_connections
                WHERE closed_at IS NULL AND (%(t)s::text IS NULL OR tenant_id = %(t)s)) AS open,
              (SELECT count(DISTINCT (tenant_id, charge_box_id)) FROM rm_connections
                WHERE closed_at IS NULL AND (%(t)s::text IS NULL OR tenant_id = %(t)s)) AS boxes_on,
              (SELECT count(*) FROM rm_charge_boxes
                WHERE %(t)s::text IS NULL OR tenant_id = %(t)s) AS boxes,
              (SELECT count(*) FROM rm_sessions
                WHERE status = 'active' AND (%(t)s::text IS NULL OR tenant_id = %(t)s)) AS active
            """,
            {"t": tenant_id},
        )
        row = rows[0]
        return {
            "total_connected_evses": row["boxes_on"],
            "connected_charge_boxes": row["boxes_on"],
            "open_connections": row["open"],
            "charge_boxes": row["boxes"],
            "active_sessions": row["active"],
        }

    async def open_connections(self, tenant_id: str | None) -> list[dict[str, Any]]:
        return await self._all(
            """
            SELECT connection_id, tenant_id, charge_box_id, remote_address, subprotocol, node,
                   opened_at, last_message_at, frames_received, frames_sent
            FROM rm_connections
            WHERE closed_at IS NULL AND (%(t)s::text IS NULL OR tenant_id = %(t)s)
            ORDER BY tenant_id, charge_box_id, opened_at
            """,
            {"t": tenant_id},
        )

    async def projection_positions(self) -> dict[str, int]:
        rows = await self._all("SELECT name, position FROM cs_projection_positions")
        return {row["name"]: int(row["position"]) for row in rows}

    async def projection_skips(self) -> int:
        """How many events a read model could not take (cs.projections.runner.SKIPS_DDL)."""
        rows = await self._all("SELECT count(*) AS n FROM cs_projection_skips")
        return int(rows[0]["n"])

    async def relay_position(self, name: str = "amqp") -> tuple[int, Any] | None:
        """The outbox relay's position and when it moved, or None if no relay ever ran."""
        rows = await self._all(
            "SELECT to_regclass('cs_relay_positions') IS NOT NULL AS present", ()
        )
        if not rows[0]["present"]:
            return None
        rows = await self._all(
            "SELECT position, updated_at FROM cs_relay_positions WHERE name = %s", (name,)
        )
        return (int(rows[0]["position"]), rows[0]["updated_at"]) if rows else None

    async def node_holding(self, tenant_id: str, charge_box_id: str) -> str | None:
        """The node with the box's newest open connection, as the read model knows it."""
        rows = await self._all(
            "SELECT node FROM rm_connections WHERE tenant_id = %s AND charge_box_id = %s "
            "AND closed_at IS NULL ORDER BY opened_at DESC LIMIT 1",
            (tenant_id, charge_box_id),
        )
        return str(rows[0]["node"]) if rows else None

    async def open_connection_ids(self, node: str) -> list[Any]:
        """Connections this node opened that have no recorded close."""
        rows = await self._all(
            "SELECT connection_id FROM rm_connections WHERE node = %s AND closed_at IS NULL",
            (node,),
        )
        return [row["connection_id"] for row in rows]

    async def charge_boxes(
        self, tenant_id: str | None, *, limit: int, after: list[Any] | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of charge boxes in (tenant, id) order, and the cursor of the next page."""
        rows = await self._all(
            f"""
            SELECT {_BOX_COLUMNS} FROM rm_charge_boxes b {_OPEN_CONNECTION}
            LEFT JOIN rm_local_lists ll ON ll.box_aggregate_id = b.aggregate_id
            WHERE (%(t)s::text IS NULL OR b.tenant_id = %(t)s)
              AND (%(a)s::text IS NULL OR (b.tenant_id, b.charge_box_id) > (%(a)s, %(b)s))
            ORDER BY b.tenant_id, b.charge_box_id
            LIMIT %(n)s
            """,
            {
                "t": tenant_id,
                "a": after[0] if after else None,
                "b": after[1] if after else None,
                "n": limit + 1,
            },
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor([rows[-1]["tenant_id"], rows[-1]["charge_box_id"]])
        return rows, next_cursor

    async def charge_box(self, tenant_id: str | None, charge_box_id: str) -> dict[str, Any] | None:
        """One charge box with its open connection and connectors, or None."""
        rows = await self._all(
            f"""
            SELECT {_BOX_COLUMNS} FROM rm_charge_boxes b {_OPEN_CONNECTION}
            LEFT JOIN rm_local_lists ll ON ll.box_aggregate_id = b.aggregate_id
            WHERE b.charge_box_id = %(id)s AND (%(t)s::text IS NULL OR b.tenant_id = %(t)s)
            ORDER BY b.tenant_id
            """,
            {"id": charge_box_id, "t": tenant_id},
        )
        if not rows:
            return None
        if len(rows) > 1:
            raise AmbiguousChargeBoxError(charge_box_id, [row["tenant_id"] for row in rows])
        box = rows[0]
        box["connectors"] = await self._all(
            """
            SELECT COALESCE(c.connector_id, s.connector_id) AS connector_id, c.status,
                   c.error_code, c.info, c.vendor_id, c.vendor_error_code, c.status_reported_at,
                   c.status_received_at, s.transaction_id AS active_transaction_id,
                   COALESCE(c.evse_connectors, '{}') AS evse_connectors
            FROM (SELECT * FROM rm_connectors WHERE tenant_id = %(t)s AND charge_box_id = %(b)s) c
            FULL JOIN (
                SELECT connector_id, transaction_id, started_at FROM rm_sessions
                WHERE status = 'active' AND tenant_id = %(t)s AND charge_box_id = %(b)s
            ) s ON s.connector_id = c.connector_id
            ORDER BY 1, s.started_at DESC
            """,
            {"t": box["tenant_id"], "b": charge_box_id},
        )
        # One row per connector: the newest active session wins (there is normally one).
        connectors: dict[int, dict[str, Any]] = {}
        for connector in box["connectors"]:
            connectors.setdefault(connector["connector_id"], connector)
        box["connectors"] = list(connectors.values())
        return box

    async def security_events(
        self, tenant_id: str, charge_box_id: str, *, limit: int
    ) -> list[dict[str, Any]]:
        """The newest security events a charge box reported."""
        return await self._all(
            "SELECT event_type, occurred_at, received_at, tech_info FROM rm_security_events "
            "WHERE tenant_id = %s AND charge_box_id = %s "
            "ORDER BY received_at DESC, event_id LIMIT %s",
            (tenant_id, charge_box_id, limit),
        )

    async def access_refusals(
        self, tenant_id: str | None, charge_box_id: str | None, *, limit: int
    ) -> list[dict[str, Any]]:
        """The newest refused websocket handshakes, of one charge box or of all."""
        return await self._all(
            "SELECT tenant_id, charge_box_id, remote_address, reason, status, detail, refused_at "
            "FROM rm_access_refusals "
            "WHERE (%(tenant)s::text IS NULL OR tenant_id = %(tenant)s) "
            "AND (%(box)s::text IS NULL OR charge_box_id = %(box)s) "
            "ORDER BY refused_at DESC, event_id LIMIT %(limit)s",
            {"tenant": tenant_id, "box": charge_box_id, "limit": limit},
        )

    async def commands(
        self, tenant_id: str, charge_box_id: str, *, limit: int, after: list[Any] | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A box's commands, newest first."""
        rows = await self._all(
            "SELECT * FROM rm_commands WHERE tenant_id = %(t)s AND charge_box_id = %(b)s "
            "AND (%(a_at)s::timestamptz IS NULL "
            "OR (requested_at, command_id) < (%(a_at)s, %(a_id)s::uuid)) "
            "ORDER BY requested_at DESC, command_id DESC LIMIT %(n)s",
            {
                "t": tenant_id,
                "b": charge_box_id,
                "a_at": after[0] if after else None,
                "a_id": after[1] if after else None,
                "n": limit + 1,
            },
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = encode_cursor([last["requested_at"].isoformat(), str(last["command_id"])])
        return rows, next_cursor

    async def unfinished_command_ids(self, node: str) -> list[Any]:
        rows = await self._all(
            "SELECT command_id FROM rm_commands WHERE node = %s AND status IN ('queued', 'sent')",
            (node,),
        )
        return [row["command_id"] for row in rows]

    async def configuration(self, tenant_id: str, charge_box_id: str) -> list[dict[str, Any]]:
        return await self._all(
            "SELECT key, value, readonly, known, status, updated_at, command_id "
            "FROM rm_configuration "
            "WHERE tenant_id = %s AND charge_box_id = %s ORDER BY key",
            (tenant_id, charge_box_id),
        )

    async def variables(self, tenant_id: str, box_id: str, **filters: Any) -> list[dict[str, Any]]:
        """The device model rows of a box; `filters` are exact matches on their columns."""
        return await self._all(*variables_query(tenant_id, box_id, filters))

    async def certificates(
        self, tenant_id: str, box_id: str, certificate_type: str | None = None
    ) -> list[dict[str, Any]]:
        """The certificates a 2.0.1 box holds, as its answers told them; one type if given."""
        return await self._all(
            CERTIFICATES, {"t": tenant_id, "b": box_id, "type": certificate_type}
        )

    async def reservations(self, tenant_id: str, charge_box_id: str) -> list[dict[str, Any]]:
        """A box's reservations; an active one past its expiry date shows as expired."""
        return await self._all(
            "SELECT reservation_id, connector_id, id_tag, parent_id_tag, expiry_date, "
            "CASE WHEN status = 'active' AND expiry_date <= now() THEN 'expired' ELSE status END "
            "AS status, made_at, ended_at, transaction_id, command_id FROM rm_reservations "
            "WHERE tenant_id = %s AND charge_box_id = %s ORDER BY reservation_id DESC",
            (tenant_id, charge_box_id),
        )

    async def charging_profiles(self, tenant_id: str, charge_box_id: str) -> list[dict[str, Any]]:
        return await self._all(
            "SELECT connector_id, charging_profile_id, stack_level, purpose, profile, "
            "installed_at, command_id FROM rm_charging_profiles "
            "WHERE tenant_id = %s AND charge_box_id = %s "
            "ORDER BY connector_id, stack_level, charging_profile_id",
            (tenant_id, charge_box_id),
        )

    async def local_list_entries(
        self, tenant_id: str, since: datetime | None
    ) -> list[dict[str, Any]]:
        """Registry entries for a local list: all registered tags, or every change since."""
        return await self._all(
            "SELECT id_tag, registered, status, expiry_date, parent_id_tag FROM rm_id_tags "
            "WHERE tenant_id = %(t)s AND ((%(since)s::timestamptz IS NULL AND registered) "
            "OR (%(since)s::timestamptz IS NOT NULL AND updated_at > %(since)s)) "
            "ORDER BY upper(id_tag)",
            {"t": tenant_id, "since": since},
        )

    async def sessions(
        self, filters: SessionFilter, *, limit: int, after: list[Any] | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of sessions, newest start first, and the cursor of the next page."""
        where, params = filters.sql()
        if after is not None:
            where.append("(started_at, transaction_id) < (%(a_at)s::timestamptz, %(a_tx)s)")
            params.update({"a_at": after[0], "a_tx": after[1]})
        params["n"] = limit + 1
        rows = await self._all(
            "SELECT s.*, r.command_id AS remote_start_command_id FROM rm_sessions s "
            "LEFT JOIN rm_remote_starts r USING (transaction_id) "
            f"WHERE {' AND '.join(where) or 'true'} "
            "ORDER BY started_at DESC, transaction_id DESC LIMIT %(n)s",
            params,
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = encode_cursor([last["started_at"].isoformat(), last["transaction_id"]])
        return rows, next_cursor

    async def session(self, transaction_id: int, tenant_id: str | None) -> dict[str, Any] | None:
        rows = await self._all(
            "SELECT s.*, r.command_id AS remote_start_command_id FROM rm_sessions s "
            "LEFT JOIN rm_remote_starts r USING (transaction_id) WHERE transaction_id = %(tx)s "
            "AND (%(t)s::text IS NULL OR tenant_id = %(t)s)",
            {"tx": transaction_id, "t": tenant_id},
        )
        return rows[0] if rows else None

    async def tokens(
        self, tenant_id: str, *, limit: int, after: list[Any] | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Registered id tags of a tenant, by id tag."""
        rows = await self._all(
            "SELECT tenant_id, id_tag, status, expiry_date, parent_id_tag, active_transactions, "
            "updated_at, last_decision, last_decision_at, last_charge_box_id FROM rm_id_tags "
            "WHERE registered AND tenant_id = %(t)s "
            "AND (%(a)s::text IS NULL OR upper(id_tag) > %(a)s) "
            "ORDER BY upper(id_tag) LIMIT %(n)s",
            {"t": tenant_id, "a": after[0] if after else None, "n": limit + 1},
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor([rows[-1]["id_tag"].upper()])
        return rows, next_cursor
