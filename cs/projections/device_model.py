"""The OCPP 2.0.1 device model read model: every variable attribute a station told of.

Built from NotifyReport parts (B07/B08: each part an upsert, so a report is assembled
as its parts arrive and a replayed part changes nothing) and from GetVariables /
SetVariables answers (B06/B05), which update a value the station accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from cs.domain.chargebox import device_model
from cs.projections.base import topics_of

DDL = (
    # The 2.0.1 device model: one row per variable attribute. `key` joins the parts that
    # name it (component, instance, EVSE, connector, variable, instance, attribute type)
    # because a primary key cannot hold the NULLs of absent parts.
    """
    CREATE TABLE IF NOT EXISTS rm_variables (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        key text NOT NULL,
        component text NOT NULL,
        component_instance text,
        evse_id integer,
        connector_id integer,
        variable text NOT NULL,
        variable_instance text,
        attribute_type text NOT NULL,
        value text,
        mutability text,
        persistent boolean,
        constant boolean,
        characteristics jsonb,
        status text,
        source text NOT NULL,
        request_id integer,
        updated_at timestamptz NOT NULL,
        command_id text,
        PRIMARY KEY (tenant_id, charge_box_id, key)
    )
    """,
)

_BOX = "SELECT tenant_id, charge_box_id FROM rm_charge_boxes WHERE aggregate_id = %s"

FILTERS = frozenset({"component", "variable", "evse_id", "attribute_type"})


def variables_query(
    tenant_id: str, charge_box_id: str, filters: dict[str, Any]
) -> tuple[str, tuple[Any, ...]]:
    """The SELECT of a box's rows matching `filters` exactly, and its parameters."""
    given = [column for column in filters if column in FILTERS]
    sql = (
        "SELECT component, component_instance, evse_id, connector_id, variable, "
        "variable_instance, attribute_type, value, mutability, persistent, constant, "
        "characteristics, status, source, request_id, updated_at, command_id "
        "FROM rm_variables WHERE tenant_id = %s AND charge_box_id = %s"
        + "".join(f" AND {column} = %s" for column in given)
        + " ORDER BY component, component_instance NULLS FIRST, evse_id NULLS FIRST, "
        "connector_id NULLS FIRST, variable, variable_instance NULLS FIRST, attribute_type"
    )
    return sql, (tenant_id, charge_box_id, *(filters[column] for column in given))


def _variable_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """The row's key, then the parts it is made of (as `rm_variables` orders them)."""
    parts = (
        item.get("component"),
        item.get("component_instance"),
        item.get("evse_id"),
        item.get("connector_id"),
        item.get("variable"),
        item.get("variable_instance"),
        item.get("attribute_type") or "Actual",
    )
    key = "/".join("" if part is None else str(part) for part in parts)
    return (key, *parts)


class DeviceModelProjection:
    """Projects device model reports and variable answers into `rm_variables`.

    It writes only its own table; it reads `rm_charge_boxes` to name a box, which is
    why it runs after that projection.
    """

    name: str = "device_model"
    tables: tuple[str, ...] = ("rm_variables",)
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(
        device_model.DeviceModelReported, device_model.VariablesAnswered
    )

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        for event in events:
            self.handle(event, cursor)

    @singledispatchmethod
    def handle(self, event: Any, cursor: Cursor[Any]) -> None:
        """Events of other types change nothing here."""

    @handle.register
    def _device_model(self, event: device_model.DeviceModelReported, cursor: Cursor[Any]) -> None:
        rows = [
            (
                *_variable_key(item),
                item.get("value"),
                item.get("mutability"),
                item.get("persistent"),
                item.get("constant"),
                Jsonb(item["characteristics"]) if item.get("characteristics") else None,
                None,
                "report",
                event.request_id,
                None,
            )
            for item in event.variables
            if item.get("component") and item.get("variable")
        ]
        self._upsert_variables(cursor, event, rows, report=True)

    @handle.register
    def _variables_answered(
        self, event: device_model.VariablesAnswered, cursor: Cursor[Any]
    ) -> None:
        # B05.FR / B06.FR: only an Accepted (or, for set, RebootRequired) result tells a
        # value the station holds; any other status is kept on a row we already know.
        holds = {"Accepted", "RebootRequired"} if event.kind == "set" else {"Accepted"}
        rows = []
        for item in event.results:
            if not (item.get("component") and item.get("variable")):
                continue
            if item.get("status") in holds:
                key = _variable_key(item)
                rows.append(
                    (
                        *key,
                        item.get("value"),
                        None,
                        None,
                        None,
                        None,
                        item.get("status"),
                        event.kind,
                        None,
                        event.command_id,
                    )
                )
            else:
                cursor.execute(
                    "UPDATE rm_variables v SET status = %s, updated_at = %s, command_id = %s "
                    "FROM rm_charge_boxes b WHERE b.aggregate_id = %s "
                    "AND v.tenant_id = b.tenant_id AND v.charge_box_id = b.charge_box_id "
                    "AND v.key = %s",
                    (
                        item.get("status"),
                        event.timestamp,
                        event.command_id,
                        event.originator_id,
                        _variable_key(item)[0],
                    ),
                )
        self._upsert_variables(cursor, event, rows, report=False)

    def _upsert_variables(
        self, cursor: Cursor[Any], event: Any, rows: list[tuple[Any, ...]], *, report: bool
    ) -> None:
        # A report says everything about a variable; an answer only its value and status.
        described = (
            "mutability = EXCLUDED.mutability, persistent = EXCLUDED.persistent, "
            "constant = EXCLUDED.constant, characteristics = EXCLUDED.characteristics, "
            "request_id = EXCLUDED.request_id, "
            if report
            else ""
        )
        cursor.executemany(
            "INSERT INTO rm_variables (tenant_id, charge_box_id, key, component, "
            "component_instance, evse_id, connector_id, variable, variable_instance, "
            "attribute_type, value, mutability, persistent, constant, characteristics, "
            "status, source, request_id, command_id, updated_at) "
            "SELECT tenant_id, charge_box_id, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            f"%s, %s, %s, %s, %s, %s FROM ({_BOX}) b "
            "ON CONFLICT (tenant_id, charge_box_id, key) DO UPDATE SET "
            f"value = EXCLUDED.value, {described}status = EXCLUDED.status, "
            "source = EXCLUDED.source, command_id = EXCLUDED.command_id, "
            "updated_at = EXCLUDED.updated_at",
            [(*row, event.timestamp, event.originator_id) for row in rows],
        )
