"""Charge boxes read model: what each box said at boot, and its connectors' status."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from psycopg import Cursor

from cs.domain.access import AccessLog
from cs.domain.chargebox import boot, registration, reports
from cs.projections.base import topics_of

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_charge_boxes (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        aggregate_id uuid NOT NULL UNIQUE,
        registered_at timestamptz NOT NULL,
        registration_status text,
        charge_point_vendor text,
        charge_point_model text,
        charge_point_serial_number text,
        charge_box_serial_number text,
        firmware_version text,
        iccid text,
        imsi text,
        meter_type text,
        meter_serial_number text,
        heartbeat_interval integer,
        last_boot_at timestamptz,
        PRIMARY KEY (tenant_id, charge_box_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_charge_boxes_id ON rm_charge_boxes (charge_box_id)",
    """
    CREATE TABLE IF NOT EXISTS rm_connectors (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        connector_id integer NOT NULL,
        status text NOT NULL,
        error_code text NOT NULL,
        info text,
        vendor_id text,
        vendor_error_code text,
        status_reported_at timestamptz,
        status_received_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, charge_box_id, connector_id)
    )
    """,
    # 2.0.1: the status of each connector of an EVSE (the row is the EVSE), by its id.
    "ALTER TABLE rm_connectors ADD COLUMN IF NOT EXISTS "
    "evse_connectors jsonb NOT NULL DEFAULT '{}'",
    *(
        f"ALTER TABLE rm_charge_boxes ADD COLUMN IF NOT EXISTS {column}"
        for column in (
            "configured_status text",
            "firmware_status text",
            "firmware_status_at timestamptz",
            "diagnostics_status text",
            "diagnostics_status_at timestamptz",
            "signed_firmware_status text",
            "signed_firmware_request_id integer",
            "signed_firmware_status_at timestamptz",
            "log_status text",
            "log_request_id integer",
            "log_status_at timestamptz",
            "security_events integer NOT NULL DEFAULT 0",
            "last_security_event_type text",
            "last_security_event_at timestamptz",
            "data_transfers integer NOT NULL DEFAULT 0",
            "last_data_transfer_at timestamptz",
            "certificate_requests integer NOT NULL DEFAULT 0",
            "security_profile integer",
            "has_authorization_key boolean NOT NULL DEFAULT false",
            "refused_handshakes integer NOT NULL DEFAULT 0",
            "last_refused_at timestamptz",
        )
    ),
    """
    CREATE TABLE IF NOT EXISTS rm_access_refusals (
        event_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        remote_address text,
        reason text NOT NULL,
        status integer NOT NULL,
        detail text NOT NULL,
        refused_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_access_refusals_box "
    "ON rm_access_refusals (tenant_id, charge_box_id, refused_at DESC)",
    "CREATE INDEX IF NOT EXISTS rm_access_refusals_at ON rm_access_refusals (refused_at DESC)",
    """
    CREATE TABLE IF NOT EXISTS rm_security_events (
        event_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        event_type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        tech_info text
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_security_events_box "
    "ON rm_security_events (tenant_id, charge_box_id, received_at DESC)",
)

_BOOT_FIELDS = (
    "charge_point_vendor",
    "charge_point_model",
    "charge_point_serial_number",
    "charge_box_serial_number",
    "firmware_version",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
)


class ChargeBoxesProjection:
    """Projects `ChargeBox` streams into `rm_charge_boxes` and `rm_connectors`.

    A connector row holds the last status received for it (connector 0 is the charge
    point as a whole); boot data is the last BootNotification's.
    """

    name: str = "charge_boxes"
    tables: tuple[str, ...] = (
        "rm_charge_boxes",
        "rm_connectors",
        "rm_security_events",
        "rm_access_refusals",
    )
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(
        registration.Registered,
        boot.Booted,
        boot.StatusNotified,
        reports.Reported,
        reports.SecurityEventReported,
        reports.DataTransferred,
        reports.CertificateSigningRequested,
        registration.RegistrationChanged,
        registration.SecurityConfigured,
        AccessLog.HandshakeRefused,
    )

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        # Only the last status of a connector in a batch survives: write that one only,
        # in the order they came (the last of an EVSE's connectors sets its other fields).
        statuses: dict[tuple[Any, int, int | None], boot.StatusNotified] = {}
        for event in events:
            if isinstance(event, boot.StatusNotified):
                key = (event.originator_id, event.connector_id, event.evse_connector_id)
                statuses.pop(key, None)
                statuses[key] = event
            else:
                self.handle(event, cursor)
        plain = [_connector_row(e) for e in statuses.values() if e.evse_connector_id is None]
        if plain:
            cursor.executemany(_UPSERT_CONNECTOR, plain)
        per_connector = [e for e in statuses.values() if e.evse_connector_id is not None]
        if per_connector:
            cursor.executemany(_UPSERT_EVSE_CONNECTOR, [_evse_row(e) for e in per_connector])

    @singledispatchmethod
    def handle(self, event: Any, cursor: Cursor[Any]) -> None:
        """Events of other types change nothing here."""

    @handle.register
    def _registered(self, event: registration.Registered, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO rm_charge_boxes (tenant_id, charge_box_id, aggregate_id, registered_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (event.tenant_id, event.charge_box_id, event.originator_id, event.timestamp),
        )

    @handle.register
    def _booted(self, event: boot.Booted, cursor: Cursor[Any]) -> None:
        assignments = ", ".join(f"{name} = %s" for name in _BOOT_FIELDS)
        cursor.execute(
            f"UPDATE rm_charge_boxes SET {assignments}, registration_status = %s, "
            "heartbeat_interval = COALESCE(%s, heartbeat_interval), last_boot_at = %s "
            "WHERE aggregate_id = %s",
            (
                *(getattr(event, name) for name in _BOOT_FIELDS),
                event.status,
                event.heartbeat_interval,
                event.timestamp,
                event.originator_id,
            ),
        )

    @handle.register
    def _reported(self, event: reports.Reported, cursor: Cursor[Any]) -> None:
        subject = _SUBJECTS.get(event.subject)
        if subject is None:
            return
        with_request = subject in ("signed_firmware", "log")
        request = f", {subject}_request_id = %(request_id)s" if with_request else ""
        cursor.execute(
            f"UPDATE rm_charge_boxes SET {subject}_status = %(status)s, "
            f"{subject}_status_at = %(at)s{request} WHERE aggregate_id = %(id)s",
            {
                "status": event.status,
                "at": event.timestamp,
                "request_id": event.request_id,
                "id": event.originator_id,
            },
        )

    @handle.register
    def _security_configured(
        self, event: registration.SecurityConfigured, cursor: Cursor[Any]
    ) -> None:
        cursor.execute(
            "UPDATE rm_charge_boxes SET security_profile = %s, has_authorization_key = %s "
            "WHERE aggregate_id = %s",
            (event.security_profile, event.password_hash is not None, event.originator_id),
        )

    @handle.register
    def _refused(self, event: AccessLog.HandshakeRefused, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO rm_access_refusals (event_id, tenant_id, charge_box_id, remote_address, "
            "reason, status, detail, refused_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (event_id) DO NOTHING",
            (
                f"{event.originator_id}:{event.originator_version}",
                event.tenant_id,
                event.charge_box_id,
                event.remote_address,
                event.reason,
                event.status,
                event.detail,
                event.timestamp,
            ),
        )
        cursor.execute(
            "UPDATE rm_charge_boxes SET refused_handshakes = refused_handshakes + 1, "
            "last_refused_at = %s WHERE tenant_id = %s AND charge_box_id = %s",
            (event.timestamp, event.tenant_id, event.charge_box_id),
        )

    @handle.register
    def _security_event(self, event: reports.SecurityEventReported, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_charge_boxes SET security_events = security_events + 1, "
            "last_security_event_type = %s, last_security_event_at = %s WHERE aggregate_id = %s",
            (event.event_type, event.timestamp, event.originator_id),
        )
        cursor.execute(
            "INSERT INTO rm_security_events (event_id, tenant_id, charge_box_id, event_type, "
            "occurred_at, received_at, tech_info) "
            "SELECT %s, tenant_id, charge_box_id, %s, %s, %s, %s "
            "FROM rm_charge_boxes WHERE aggregate_id = %s ON CONFLICT (event_id) DO NOTHING",
            (
                f"{event.originator_id}:{event.originator_version}",
                event.event_type,
                event.occurred_at,
                event.timestamp,
                event.tech_info,
                event.originator_id,
            ),
        )

    @handle.register
    def _data_transfer(self, event: reports.DataTransferred, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_charge_boxes SET data_transfers = data_transfers + 1, "
            "last_data_transfer_at = %s WHERE aggregate_id = %s",
            (event.timestamp, event.originator_id),
        )

    @handle.register
    def _certificate(self, event: reports.CertificateSigningRequested, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_charge_boxes SET certificate_requests = certificate_requests + 1 "
            "WHERE aggregate_id = %s",
            (event.originator_id,),
        )

    @handle.register
    def _registration(self, event: registration.RegistrationChanged, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_charge_boxes SET configured_status = %s WHERE aggregate_id = %s",
            (event.status, event.originator_id),
        )


# Report subjects and the column prefix each writes: a fixed set, never input.
_SUBJECTS = {
    "firmware": "firmware",
    "diagnostics": "diagnostics",
    "signed_firmware": "signed_firmware",
    "log": "log",
}


_UPSERT_CONNECTOR = (
    "INSERT INTO rm_connectors (tenant_id, charge_box_id, connector_id, status, "
    "error_code, info, vendor_id, vendor_error_code, status_reported_at, "
    "status_received_at) SELECT tenant_id, charge_box_id, %s, %s, %s, %s, %s, %s, %s, %s "
    "FROM rm_charge_boxes WHERE aggregate_id = %s "
    "ON CONFLICT (tenant_id, charge_box_id, connector_id) DO UPDATE SET "
    "status = EXCLUDED.status, error_code = EXCLUDED.error_code, info = EXCLUDED.info, "
    "vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code, "
    "status_reported_at = EXCLUDED.status_reported_at, "
    "status_received_at = EXCLUDED.status_received_at"
)


# An EVSE's own status is the most telling of its connectors' (2.0.1 G01: while one is
# in use the others are Unavailable, and the EVSE is in use).
_EVSE_STATUS = (
    "(SELECT e.value->>'status' FROM jsonb_each({map}) e ORDER BY CASE e.value->>'status' "
    "WHEN 'Faulted' THEN 0 WHEN 'Occupied' THEN 1 WHEN 'Reserved' THEN 2 "
    "WHEN 'Unavailable' THEN 3 ELSE 4 END, e.key LIMIT 1)"
)
_MERGED = "rm_connectors.evse_connectors || EXCLUDED.evse_connectors"
_UPSERT_EVSE_CONNECTOR = (
    "INSERT INTO rm_connectors (tenant_id, charge_box_id, connector_id, status, "
    "error_code, info, vendor_id, vendor_error_code, status_reported_at, "
    "status_received_at, evse_connectors) "
    "SELECT tenant_id, charge_box_id, %s, %s, %s, %s, %s, %s, %s, %s, "
    "jsonb_build_object(%s::text, jsonb_build_object('status', %s::text, "
    "'reported_at', %s::timestamptz)) "
    "FROM rm_charge_boxes WHERE aggregate_id = %s "
    "ON CONFLICT (tenant_id, charge_box_id, connector_id) DO UPDATE SET "
    f"status = {_EVSE_STATUS.format(map=_MERGED)}, evse_connectors = {_MERGED}, "
    "error_code = EXCLUDED.error_code, info = EXCLUDED.info, "
    "vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code, "
    "status_reported_at = EXCLUDED.status_reported_at, "
    "status_received_at = EXCLUDED.status_received_at"
)


def _evse_row(event: boot.StatusNotified) -> tuple[Any, ...]:
    *head, box = _connector_row(event)
    return (*head, event.evse_connector_id, event.status, event.reported_at, box)


def _connector_row(event: boot.StatusNotified) -> tuple[Any, ...]:
    return (
        event.connector_id,
        event.status,
        event.error_code,
        event.info,
        event.vendor_id,
        event.vendor_error_code,
        event.reported_at,
        event.timestamp,
        event.originator_id,
    )
