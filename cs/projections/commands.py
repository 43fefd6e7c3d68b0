"""Commands read model, and what their answers changed (configuration, reservations, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from cs.domain.chargebox import (
    charging_profiles,
    configuration,
    local_list,
    remote_starts,
    reservations,
)
from cs.domain.command import Command
from cs.projections.base import topics_of

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_commands (
        command_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        operation text NOT NULL,
        action text NOT NULL,
        payload jsonb NOT NULL,
        requested_by text,
        node text NOT NULL,
        status text NOT NULL,
        requested_at timestamptz NOT NULL,
        unique_id text,
        sent_at timestamptz,
        completed_at timestamptz,
        answer jsonb,
        error_code text,
        error_description text,
        error_details jsonb,
        transaction_id integer
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_commands_box "
    "ON rm_commands (tenant_id, charge_box_id, requested_at DESC)",
    "CREATE INDEX IF NOT EXISTS rm_commands_open ON rm_commands (node) "
    "WHERE status IN ('queued', 'sent')",
    """
    CREATE TABLE IF NOT EXISTS rm_configuration (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        key text NOT NULL,
        value text,
        readonly boolean,
        known boolean NOT NULL DEFAULT true,
        status text,
        updated_at timestamptz NOT NULL,
        command_id text,
        PRIMARY KEY (tenant_id, charge_box_id, key)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_reservations (
        reservation_id integer PRIMARY KEY,
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        connector_id integer NOT NULL,
        id_tag text NOT NULL,
        parent_id_tag text,
        expiry_date timestamptz NOT NULL,
        status text NOT NULL,
        made_at timestamptz NOT NULL,
        ended_at timestamptz,
        transaction_id integer,
        command_id text
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_reservations_box ON rm_reservations (tenant_id, charge_box_id)",
    """
    CREATE TABLE IF NOT EXISTS rm_charging_profiles (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        connector_id integer NOT NULL,
        charging_profile_id integer NOT NULL,
        stack_level integer,
        purpose text,
        profile jsonb NOT NULL,
        installed_at timestamptz NOT NULL,
        command_id text,
        PRIMARY KEY (tenant_id, charge_box_id, connector_id, charging_profile_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_local_lists (
        box_aggregate_id uuid PRIMARY KEY,
        version integer,
        synced_at timestamptz
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_remote_starts (
        transaction_id integer PRIMARY KEY,
        command_id uuid NOT NULL
    )
    """,
)

_BOX = "SELECT tenant_id, charge_box_id FROM rm_charge_boxes WHERE aggregate_id = %s"


class CommandsProjection:
    """Projects `Command` streams into `rm_commands`, and command effects on charge boxes
    into `rm_configuration`, `rm_reservations`, `rm_charging_profiles`, `rm_local_lists`
    and `rm_remote_starts` (the session a remote start led to).

    It writes only its own tables (so it can be rebuilt alone); it reads
    `rm_charge_boxes` to name a box, which is why it runs after that projection.
    """

    name: str = "commands"
    tables: tuple[str, ...] = (
        "rm_commands",
        "rm_configuration",
        "rm_reservations",
        "rm_charging_profiles",
        "rm_local_lists",
        "rm_remote_starts",
    )
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(
        Command.Requested,
        Command.Sent,
        Command.Answered,
        Command.Failed,
        Command.TimedOut,
        Command.Aborted,
        Command.SessionLinked,
        configuration.ConfigurationReported,
        configuration.ConfigurationChanged,
        remote_starts.RemoteStartLinked,
        reservations.ReservationMade,
        reservations.ReservationEnded,
        local_list.LocalListSent,
        local_list.LocalListVersionReported,
        charging_profiles.ChargingProfileSet,
        charging_profiles.ChargingProfilesCleared,
    )

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        for event in events:
            self.handle(event, cursor)

    @singledispatchmethod
    def handle(self, event: Any, cursor: Cursor[Any]) -> None:
        """Events of other types change nothing here."""

    @handle.register
    def _requested(self, event: Command.Requested, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO rm_commands (command_id, tenant_id, charge_box_id, operation, action, "
            "payload, requested_by, node, status, requested_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'queued', %s) ON CONFLICT DO NOTHING",
            (
                event.originator_id,
                event.tenant_id,
                event.charge_box_id,
                event.operation,
                event.action,
                Jsonb(event.payload),
                event.requested_by,
                event.node,
                event.timestamp,
            ),
        )

    @handle.register
    def _sent(self, event: Command.Sent, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_commands SET status = 'sent', unique_id = %s, sent_at = %s "
            "WHERE command_id = %s",
            (event.unique_id, event.timestamp, event.originator_id),
        )

    @handle.register
    def _answered(self, event: Command.Answered, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_commands SET status = 'answered', answer = %s, completed_at = %s "
            "WHERE command_id = %s",
            (Jsonb(event.result), event.timestamp, event.originator_id),
        )

    @handle.register
    def _failed(self, event: Command.Failed, cursor: Cursor[Any]) -> None:
        self._end(
            cursor, event, "failed", event.error_code, event.error_description, event.error_details
        )

    @handle.register
    def _timed_out(self, event: Command.TimedOut, cursor: Cursor[Any]) -> None:
        self._end(cursor, event, "timed_out", "timeout", f"no answer in {event.after_seconds}s", {})

    @handle.register
    def _aborted(self, event: Command.Aborted, cursor: Cursor[Any]) -> None:
        self._end(cursor, event, "aborted", "aborted", event.reason, {})

    def _end(
        self,
        cursor: Cursor[Any],
        event: Any,
        status: str,
        code: str,
        description: str,
        details: Any,
    ) -> None:
        cursor.execute(
            "UPDATE rm_commands SET status = %s, error_code = %s, error_description = %s, "
            "error_details = %s, completed_at = %s WHERE command_id = %s",
            (status, code, description, Jsonb(details), event.timestamp, event.originator_id),
        )

    @handle.register
    def _linked(self, event: Command.SessionLinked, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_commands SET transaction_id = %s WHERE command_id = %s",
            (event.transaction_id, event.originator_id),
        )

    @handle.register
    def _configuration(
        self, event: configuration.ConfigurationReported, cursor: Cursor[Any]
    ) -> None:
        rows = [
            (str(item.get("key")), item.get("value"), item.get("readonly"), True, None)
            for item in event.keys
            if isinstance(item, dict) and item.get("key")
        ] + [(str(key), None, None, False, None) for key in event.unknown_keys]
        self._upsert_configuration(cursor, event, rows)

    @handle.register
    def _configuration_changed(
        self, event: configuration.ConfigurationChanged, cursor: Cursor[Any]
    ) -> None:
        self._upsert_configuration(
            cursor, event, [(event.key, event.value, False, True, event.status)]
        )

    def _upsert_configuration(
        self, cursor: Cursor[Any], event: Any, rows: list[tuple[Any, ...]]
    ) -> None:
        cursor.executemany(
            "INSERT INTO rm_configuration (tenant_id, charge_box_id, key, value, readonly, known, "
            "status, updated_at, command_id) "
            "SELECT tenant_id, charge_box_id, %s, %s, %s, %s, %s, %s, %s "
            f"FROM ({_BOX}) b ON CONFLICT (tenant_id, charge_box_id, key) DO UPDATE SET "
            "value = EXCLUDED.value, "
            "readonly = COALESCE(EXCLUDED.readonly, rm_configuration.readonly), "
            "known = EXCLUDED.known, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at, "
            "command_id = EXCLUDED.command_id",
            [(*row, event.timestamp, event.command_id, event.originator_id) for row in rows],
        )

    @handle.register
    def _remote_start_linked(
        self, event: remote_starts.RemoteStartLinked, cursor: Cursor[Any]
    ) -> None:
        cursor.execute(
            "INSERT INTO rm_remote_starts (transaction_id, command_id) VALUES (%s, %s) "
            "ON CONFLICT (transaction_id) DO UPDATE SET command_id = EXCLUDED.command_id",
            (event.transaction_id, event.command_id),
        )

    @handle.register
    def _reservation_made(self, event: reservations.ReservationMade, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO rm_reservations (reservation_id, tenant_id, charge_box_id, connector_id, "
            "id_tag, parent_id_tag, expiry_date, status, made_at, command_id) "
            "SELECT %s, tenant_id, charge_box_id, %s, %s, %s, %s, 'active', %s, %s "
            f"FROM ({_BOX}) b "
            "ON CONFLICT (reservation_id) DO NOTHING",
            (
                event.reservation_id,
                event.connector_id,
                event.id_tag,
                event.parent_id_tag,
                event.expiry_date,
                event.timestamp,
                event.command_id,
                event.originator_id,
            ),
        )

    @handle.register
    def _reservation_ended(self, event: reservations.ReservationEnded, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_reservations SET status = %s, ended_at = %s, transaction_id = %s "
            "WHERE reservation_id = %s",
            (event.how, event.timestamp, event.transaction_id, event.reservation_id),
        )

    @handle.register
    def _local_list_sent(self, event: local_list.LocalListSent, cursor: Cursor[Any]) -> None:
        if event.status == "Accepted":
            cursor.execute(
                "INSERT INTO rm_local_lists (box_aggregate_id, version, synced_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (box_aggregate_id) DO UPDATE SET "
                "version = EXCLUDED.version, synced_at = EXCLUDED.synced_at",
                (event.originator_id, event.version, event.synced_at),
            )

    @handle.register
    def _local_list_version(
        self, event: local_list.LocalListVersionReported, cursor: Cursor[Any]
    ) -> None:
        cursor.execute(
            "INSERT INTO rm_local_lists (box_aggregate_id, version) VALUES (%s, %s) "
            "ON CONFLICT (box_aggregate_id) DO UPDATE SET version = EXCLUDED.version",
            (event.originator_id, event.version),
        )

    @handle.register
    def _profile_set(
        self, event: charging_profiles.ChargingProfileSet, cursor: Cursor[Any]
    ) -> None:
        profile = event.profile
        cursor.execute(
            "INSERT INTO rm_charging_profiles (tenant_id, charge_box_id, connector_id, "
            "charging_profile_id, stack_level, purpose, profile, installed_at, command_id) "
            f"SELECT tenant_id, charge_box_id, %s, %s, %s, %s, %s, %s, %s FROM ({_BOX}) b "
            "ON CONFLICT (tenant_id, charge_box_id, connector_id, charging_profile_id) "
            "DO UPDATE SET "
            "stack_level = EXCLUDED.stack_level, purpose = EXCLUDED.purpose, "
            "profile = EXCLUDED.profile, installed_at = EXCLUDED.installed_at, "
            "command_id = EXCLUDED.command_id",
            (
                event.connector_id,
                profile.get("chargingProfileId", profile.get("id")),  # 1.6 / 2.0.1 (K01)
                profile.get("stackLevel"),
                profile.get("chargingProfilePurpose"),
                Jsonb(profile),
                event.timestamp,
                event.command_id,
                event.originator_id,
            ),
        )

    @handle.register
    def _profiles_cleared(
        self, event: charging_profiles.ChargingProfilesCleared, cursor: Cursor[Any]
    ) -> None:
        # OCPP 1.6 section 5.5: absent criteria match everything.
        criteria = event.criteria
        cursor.execute(
            "DELETE FROM rm_charging_profiles p USING rm_charge_boxes b "
            "WHERE b.aggregate_id = %(box)s AND p.tenant_id = b.tenant_id "
            "AND p.charge_box_id = b.charge_box_id "
            "AND (%(id)s::integer IS NULL OR p.charging_profile_id = %(id)s) "
            "AND (%(connector)s::integer IS NULL OR p.connector_id = %(connector)s) "
            "AND (%(purpose)s::text IS NULL OR p.purpose = %(purpose)s) "
            "AND (%(stack)s::integer IS NULL OR p.stack_level = %(stack)s)",
            {
                "box": event.originator_id,
                "id": criteria.get("id"),
                "connector": criteria.get("connectorId"),
                "purpose": criteria.get("chargingProfilePurpose"),
                "stack": criteria.get("stackLevel"),
            },
        )
