"""Sessions read model: every charging session, active or finished, with its energy."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from psycopg import Cursor

from cs.domain import sequencing
from cs.domain.session import ChargingSession
from cs.domain.session_data import StartRepeated, StopRepeated
from cs.projections.base import topics_of

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_sessions (
        transaction_id integer PRIMARY KEY,
        session_id uuid NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        connector_id integer NOT NULL,
        id_tag text NOT NULL,
        id_tag_status text NOT NULL,
        status text NOT NULL,
        reservation_id integer,
        meter_start bigint NOT NULL,
        started_at timestamptz NOT NULL,
        start_received_at timestamptz NOT NULL,
        meter_stop bigint,
        stopped_at timestamptz,
        stop_received_at timestamptz,
        stop_reason text,
        stop_id_tag text,
        stop_id_tag_status text,
        energy_wh bigint,
        duration_seconds double precision,
        last_energy_wh double precision,
        max_power_w double precision,
        last_soc double precision,
        last_sample_at timestamptz,
        meter_value_reports integer NOT NULL DEFAULT 0,
        repeated_starts integer NOT NULL DEFAULT 0,
        repeated_stops integer NOT NULL DEFAULT 0,
        replaced_by integer,
        flags text[] NOT NULL DEFAULT '{}',
        station_transaction_id text,
        clock_skew_seconds double precision
    ) WITH (fillfactor = 70)
    """,
    # The id an OCPP 2.0.1 station gave its transaction (None: a 1.6 one); tables made
    # before 2.0.1 get the column, their rows are all 1.6 sessions.
    "ALTER TABLE rm_sessions ADD COLUMN IF NOT EXISTS station_transaction_id text",
    # The station's clock against ours (cs.domain.clock), the worst of start and stop.
    "ALTER TABLE rm_sessions ADD COLUMN IF NOT EXISTS clock_skew_seconds double precision",
    # Rows are updated with every batch of meter values: room on their page lets the
    # update stay HOT (no new entries in the six indexes). Existing tables get it for
    # new pages.
    "ALTER TABLE rm_sessions SET (fillfactor = 70)",
    "CREATE INDEX IF NOT EXISTS rm_sessions_newest "
    "ON rm_sessions (started_at DESC, transaction_id DESC)",
    "CREATE INDEX IF NOT EXISTS rm_sessions_box "
    "ON rm_sessions (charge_box_id, tenant_id, started_at DESC)",
    "CREATE INDEX IF NOT EXISTS rm_sessions_tag ON rm_sessions (upper(id_tag), started_at DESC)",
    "CREATE INDEX IF NOT EXISTS rm_sessions_active "
    "ON rm_sessions (tenant_id, charge_box_id, connector_id) WHERE status = 'active'",
)


SUMMARY = (
    "UPDATE rm_sessions SET last_energy_wh = %s, max_power_w = %s, last_soc = %s, "
    "last_sample_at = %s, meter_value_reports = meter_value_reports + %s WHERE session_id = %s"
)
SUMMARY_AND_FLAGS = (
    "UPDATE rm_sessions SET last_energy_wh = %s, max_power_w = %s, last_soc = %s, "
    "last_sample_at = %s, meter_value_reports = meter_value_reports + %s, "
    "flags = ARRAY(SELECT DISTINCT unnest(flags || %s::text[]) ORDER BY 1) "
    "WHERE session_id = %s"
)


def _summary(tally: _MeterTally) -> tuple[Any, ...]:
    event = tally.event
    return (
        event.last_energy_wh,
        event.max_power_w,
        event.last_soc,
        event.last_sample_at,
        tally.reports,
    )


class _MeterTally:
    """Meter reports of one session within a batch, written once per batch."""

    __slots__ = ("event", "flags", "reports")

    def __init__(self, event: ChargingSession.MeterValuesReported) -> None:
        self.event = event
        self.reports = 0
        self.flags: set[str] = set()


class SessionsProjection:
    """Projects `ChargingSession` streams into `rm_sessions`.

    Meter value reports carry the session's running summary after them, so a batch
    writes only the last summary per session (plus the count and the flags seen).
    """

    name: str = "sessions"
    tables: tuple[str, ...] = ("rm_sessions",)
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(
        ChargingSession.Started,
        ChargingSession.MeterValuesReported,
        ChargingSession.Stopped,
        ChargingSession.StopRepeated,
        ChargingSession.StartRepeated,
        ChargingSession.Abandoned,
        ChargingSession.Sequenced,
        ChargingSession.Authorized,
    )

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        tallies: dict[Any, _MeterTally] = {}
        for event in events:
            if isinstance(event, ChargingSession.MeterValuesReported):
                tally = tallies.get(event.originator_id)
                if tally is None:
                    tally = tallies[event.originator_id] = _MeterTally(event)
                tally.event = event
                tally.reports += 1
                tally.flags.update(event.flags)
            elif isinstance(event, ChargingSession.Sequenced) and not event.flags:
                # Most of a 2.0.1 session's events: nothing to write, and no reason to
                # write the tally between them (one UPDATE per batch, as for 1.6).
                continue
            else:
                if tallies.get(event.originator_id) is not None:
                    self._flush(cursor, {event.originator_id: tallies.pop(event.originator_id)})
                self.handle(event, cursor)
        self._flush(cursor, tallies)

    def _flush(self, cursor: Cursor[Any], tallies: dict[Any, _MeterTally]) -> None:
        if not tallies:
            return
        plain = [t for t in tallies.values() if not t.flags]
        flagged = [t for t in tallies.values() if t.flags]
        # Merging flags is an array subquery per row: only for the rows that bring some.
        if plain:
            cursor.executemany(SUMMARY, [(*_summary(t), t.event.originator_id) for t in plain])
        if flagged:
            cursor.executemany(
                SUMMARY_AND_FLAGS,
                [(*_summary(t), sorted(t.flags), t.event.originator_id) for t in flagged],
            )

    @singledispatchmethod
    def handle(self, event: Any, cursor: Cursor[Any]) -> None:
        """Events of other types change nothing here."""

    @handle.register
    def _started(self, event: ChargingSession.Started, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "INSERT INTO rm_sessions (transaction_id, session_id, tenant_id, charge_box_id, "
            "connector_id, id_tag, id_tag_status, status, reservation_id, meter_start, started_at, "
            "start_received_at, station_transaction_id, clock_skew_seconds, flags) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 'active', %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (transaction_id) DO NOTHING",
            (
                event.transaction_id,
                event.originator_id,
                event.tenant_id,
                event.charge_box_id,
                event.connector_id,
                event.id_tag,
                event.id_tag_status,
                event.reservation_id,
                event.meter_start,
                event.started_at,
                event.timestamp,
                event.station_transaction_id,
                event.clock_skew_seconds,
                sorted(set(event.clock_flags)),
            ),
        )

    @handle.register
    def _stopped(self, event: ChargingSession.Stopped, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_sessions SET status = 'finished', meter_stop = %s, stopped_at = %s, "
            "stop_received_at = %s, stop_reason = %s, stop_id_tag = %s, stop_id_tag_status = %s, "
            "energy_wh = %s, duration_seconds = %s, "
            "flags = ARRAY(SELECT DISTINCT unnest(flags || %s::text[]) ORDER BY 1), "
            # The worse of the start's and the stop's (ChargingSession.clock_skew_seconds).
            "clock_skew_seconds = CASE WHEN clock_skew_seconds IS NULL "
            "OR abs(%s::float8) > abs(clock_skew_seconds) "
            "THEN coalesce(%s::float8, clock_skew_seconds) ELSE clock_skew_seconds END "
            "WHERE session_id = %s",
            (
                event.meter_stop,
                event.stopped_at,
                event.timestamp,
                event.reason,
                event.stop_id_tag,
                event.stop_id_tag_status,
                event.energy_wh,
                event.duration_seconds,
                list(event.flags),
                event.clock_skew_seconds,
                event.clock_skew_seconds,
                event.originator_id,
            ),
        )

    @handle.register
    def _stop_repeated(self, event: StopRepeated, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_sessions SET repeated_stops = repeated_stops + 1 WHERE session_id = %s",
            (event.originator_id,),
        )

    @handle.register
    def _sequenced(self, event: sequencing.Sequenced, cursor: Cursor[Any]) -> None:
        if event.flags:  # most events add none: nothing to write
            cursor.execute(
                "UPDATE rm_sessions SET "
                "flags = ARRAY(SELECT DISTINCT unnest(flags || %s::text[]) ORDER BY 1) "
                "WHERE session_id = %s",
                (event.flags, event.originator_id),
            )

    @handle.register
    def _authorized(self, event: ChargingSession.Authorized, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_sessions SET id_tag = %s, id_tag_status = %s WHERE session_id = %s",
            (event.id_tag, event.id_tag_status, event.originator_id),
        )

    @handle.register
    def _start_repeated(self, event: StartRepeated, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_sessions SET repeated_starts = repeated_starts + 1 WHERE session_id = %s",
            (event.originator_id,),
        )

    @handle.register
    def _abandoned(self, event: ChargingSession.Abandoned, cursor: Cursor[Any]) -> None:
        cursor.execute(
            "UPDATE rm_sessions SET status = 'abandoned', replaced_by = %s, "
            "flags = ARRAY(SELECT DISTINCT unnest(flags || ARRAY['abandoned']) ORDER BY 1) "
            "WHERE session_id = %s",
            (event.replaced_by, event.originator_id),
        )
