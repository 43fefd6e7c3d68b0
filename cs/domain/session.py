"""The charging session aggregate: one transaction (OCPP 1.6 or 2.0.1), from start to stop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from cs.domain import ids, sequencing, session_data
from cs.domain.clock import ClockReading, larger_skew
from cs.domain.session_data import StartData, StopData
from cs.domain.start_key import StartKey

# StartKey is imported with the session so every process reading sessions knows its topics.
__all__ = ["ChargingSession", "StartData", "StartKey", "StopData"]
from cs.domain.metering import NEGATIVE_ENERGY, TIMESTAMPS_OUT_OF_ORDER, Sample, summarise

ACTIVE, FINISHED, ABANDONED = "active", "finished", "abandoned"
# Flags of a session whose start never reached us (cs.app.transactions.stop, .events):
RECONSTRUCTED = "reconstructed"  # made from its stop alone: start time and meter its first reading
MATCHED_STOP = "matched_stop"  # a stop naming no transaction we know ended it (same id tag)


class ChargingSession(sequencing.Sequencing, Aggregate):
    """A charging session identified by its transaction id.

    Records the start, every meter value report, and the stop, exactly as sent, and
    keeps a small running summary (energy register, max power, last state of charge) so
    loading a session never depends on how many meter values it received. Impossible
    values are kept and flagged, never rejected: the charger has already delivered the
    energy, and billing must see what it reported.
    """

    TOPIC = "cs.ChargingSession"
    # v2 (snapshots): `station_transaction_id`, None in every v1 session (docs/event-versioning.md)
    # v3: `last_seq_no`, `missing_seq_nos` (2.0.1 sequencing), None and () before
    # v4: `clock_skew_seconds` (cs.domain.clock), None before
    class_version = 4

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("station_transaction_id", None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("last_seq_no", None)
        state.setdefault("missing_seq_nos", ())

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        state.setdefault("clock_skew_seconds", None)

    Sequenced = sequencing.Sequenced  # cs.domain.sequencing: one per 2.0.1 TransactionEvent

    Event = sequencing.Event  # the base of every session event

    class Created(sequencing.Event, Aggregate.Created):
        TOPIC = "cs.ChargingSession.Created"

    class Started(Created):
        """The charge point started a transaction and was given `transaction_id`."""

        TOPIC = "cs.ChargingSession.Started"
        transaction_id: int
        tenant_id: str
        charge_box_id: str
        connector_id: int
        id_tag: str
        id_tag_status: str
        meter_start: int
        started_at: datetime
        reservation_id: int | None
        connection_id: str | None
        message_id: str | None
        station_transaction_id: str | None
        clock_skew_seconds: float | None
        clock_flags: list[str]

        # v2: `station_transaction_id`, the id an OCPP 2.0.1 station gives its transaction
        # v3: the start's clock reading (cs.domain.clock): None and [] before
        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["station_transaction_id"] = None  # every v1 start was an OCPP 1.6 one

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.setdefault("clock_skew_seconds", None)
            state.setdefault("clock_flags", [])

    class MeterValuesReported(sequencing.Event):
        """Meter values for this transaction, as sent (MeterValues or transactionData)."""

        TOPIC = "cs.ChargingSession.MeterValuesReported"
        # v2: `seq_no`, the 2.0.1 TransactionEvent's number when this event also records
        # its place (cs.domain.sequencing); None for 1.6 and in every v1 event
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("seq_no", None)

        connector_id: int
        meter_values: list[dict[str, Any]]
        source: str  # MeterValues or StopTransaction
        last_energy_wh: float | None
        max_power_w: float | None
        last_soc: float | None
        last_sample_at: datetime | None
        flags: list[str]
        connection_id: str | None
        message_id: str | None
        seq_no: int | None

        def apply(self, session: ChargingSession) -> None:
            if self.seq_no is not None:
                sequencing.place(session, self.seq_no)
            session.last_energy_wh = self.last_energy_wh
            session.max_power_w = self.max_power_w
            session.last_soc = self.last_soc
            session.last_sample_at = self.last_sample_at
            session.meter_value_reports += 1
            session.add_flags(self.flags)

    class Stopped(sequencing.Event):
        """The charge point stopped the transaction; energy and duration as computed."""

        TOPIC = "cs.ChargingSession.Stopped"
        meter_stop: int
        stopped_at: datetime
        reason: str | None
        stop_id_tag: str | None
        stop_id_tag_status: str | None
        energy_wh: int
        duration_seconds: float
        flags: list[str]
        connection_id: str | None
        message_id: str | None
        clock_skew_seconds: float | None

        # v2: `clock_skew_seconds`, the stop's clock reading (its flags join `flags`)
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("clock_skew_seconds", None)

        def apply(self, session: ChargingSession) -> None:
            session.status = FINISHED
            session.meter_stop = self.meter_stop
            session.stopped_at = self.stopped_at
            session.add_flags(self.flags)
            session.clock_skew_seconds = larger_skew(
                session.clock_skew_seconds, self.clock_skew_seconds
            )

    StopRepeated = session_data.StopRepeated  # changes nothing: a stop retried
    StartRepeated = session_data.StartRepeated  # changes nothing: a start retried

    class Authorized(sequencing.Event):
        """The tag of a transaction that started without one (OCPP 2.0.1 E02: plugged in
        first, authorized after); it is the session's tag from now on."""

        TOPIC = "cs.ChargingSession.Authorized"
        id_tag: str
        id_tag_status: str
        connection_id: str | None
        message_id: str | None

        def apply(self, session: ChargingSession) -> None:
            session.id_tag = self.id_tag

    class Abandoned(sequencing.Event):
        """Closed without a stop, because another session started on its connector."""

        TOPIC = "cs.ChargingSession.Abandoned"
        replaced_by: int

        def apply(self, session: ChargingSession) -> None:
            session.status = ABANDONED

    def __init__(
        self,
        transaction_id: int,
        tenant_id: str,
        charge_box_id: str,
        connector_id: int,
        id_tag: str,
        id_tag_status: str,
        meter_start: int,
        started_at: datetime,
        reservation_id: int | None,
        connection_id: str | None,
        message_id: str | None,
        station_transaction_id: str | None = None,
        clock_skew_seconds: float | None = None,
        clock_flags: Sequence[str] = (),
    ) -> None:
        self.transaction_id = transaction_id
        self.station_transaction_id = station_transaction_id
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self.connector_id = connector_id
        self.id_tag = id_tag
        self.meter_start = meter_start
        self.started_at = started_at
        self.status = ACTIVE
        self.meter_stop: int | None = None
        self.stopped_at: datetime | None = None
        self.last_energy_wh: float | None = None
        self.max_power_w: float | None = None
        self.last_soc: float | None = None
        self.last_sample_at: datetime | None = None
        self.meter_value_reports = 0
        self.flags: tuple[str, ...] = tuple(sorted(set(clock_flags)))
        # The station's clock against ours, the worst measured at its start and stop.
        self.clock_skew_seconds = clock_skew_seconds
        self._init_sequencing()

    @classmethod
    def start(
        cls,
        transaction_id: int,
        data: StartData,
        *,
        id_tag_status: str,
        connection_id: str | None,
        message_id: str | None,
        at: datetime,
        clock: ClockReading | None = None,
    ) -> ChargingSession:
        """A session started by `data`; `clock`: the start message's time against ours."""
        return cls._create(
            cls.Started,
            id=ids.session_id(transaction_id),
            timestamp=at,
            transaction_id=transaction_id,
            tenant_id=data.tenant_id,
            charge_box_id=data.charge_box_id,
            connector_id=data.connector_id,
            id_tag=data.id_tag,
            id_tag_status=id_tag_status,
            meter_start=data.meter_start,
            started_at=data.started_at,
            reservation_id=data.reservation_id,
            connection_id=connection_id,
            message_id=message_id,
            station_transaction_id=data.station_transaction_id,
            clock_skew_seconds=None if clock is None else clock.skew_seconds,
            clock_flags=[] if clock is None else list(clock.flags),
        )

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def belongs_to(self, tenant_id: str, charge_box_id: str) -> bool:
        return (self.tenant_id, self.charge_box_id) == (tenant_id, charge_box_id)

    def add_flags(self, flags: Sequence[str]) -> None:
        if flags:
            self.flags = tuple(sorted({*self.flags, *flags}))

    def report_meter_values(
        self,
        connector_id: int,
        meter_values: list[dict[str, Any]],
        batch: Sequence[Sample],
        *,
        source: str,
        connection_id: str | None,
        message_id: str | None,
        at: datetime,
        seq_no: int | None = None,
        clock: ClockReading | None = None,
    ) -> None:
        """Record meter values and fold them into the running summary; `seq_no`: the
        2.0.1 event's number, in order (`follows`), recorded with them; `clock`: the
        message's time against ours (its flags join the values' own)."""
        summary = summarise(
            batch,
            last_energy_wh=self.last_energy_wh,
            max_power_w=self.max_power_w,
            last_soc=self.last_soc,
            last_sample_at=self.last_sample_at,
        )
        self.trigger_event(
            self.MeterValuesReported,
            timestamp=at,
            connector_id=connector_id,
            meter_values=meter_values,
            source=source,
            last_energy_wh=summary.last_energy_wh,
            max_power_w=summary.max_power_w,
            last_soc=summary.last_soc,
            last_sample_at=summary.last_sample_at,
            flags=[*summary.flags, *(clock.flags if clock is not None else ())],
            connection_id=connection_id,
            message_id=message_id,
            seq_no=seq_no,
        )

    def stop(
        self,
        data: StopData,
        *,
        stop_id_tag_status: str | None,
        connection_id: str | None,
        message_id: str | None,
        at: datetime,
        flags: Sequence[str] = (),
        clock: ClockReading | None = None,
    ) -> None:
        """Record the stop; a second stop is recorded as `StopRepeated` and changes nothing.

        `flags`: what the use case knows about this stop beyond its values; `clock`: the
        stop message's time against ours."""
        if self.status == FINISHED:
            self.trigger_event(
                self.StopRepeated,
                timestamp=at,
                meter_stop=data.meter_stop,
                stopped_at=data.stopped_at,
                reason=data.reason,
                connection_id=connection_id,
                message_id=message_id,
            )
            return
        energy_wh = data.meter_stop - self.meter_start
        duration = (data.stopped_at - self.started_at).total_seconds()
        flags = list(flags)
        if clock is not None:
            flags.extend(clock.flags)
        if energy_wh < 0:
            flags.append(NEGATIVE_ENERGY)
        if duration < 0:
            flags.append(TIMESTAMPS_OUT_OF_ORDER)
        self.trigger_event(
            self.Stopped,
            timestamp=at,
            meter_stop=data.meter_stop,
            stopped_at=data.stopped_at,
            reason=data.reason,
            stop_id_tag=data.id_tag,
            stop_id_tag_status=stop_id_tag_status,
            energy_wh=energy_wh,
            duration_seconds=duration,
            flags=flags,
            connection_id=connection_id,
            message_id=message_id,
            clock_skew_seconds=None if clock is None else clock.skew_seconds,
        )

    def repeat_start(
        self, *, connection_id: str | None, message_id: str | None, at: datetime
    ) -> None:
        self.trigger_event(
            self.StartRepeated, timestamp=at, connection_id=connection_id, message_id=message_id
        )

    def authorize(
        self,
        id_tag: str,
        id_tag_status: str,
        *,
        connection_id: str | None,
        message_id: str | None,
        at: datetime,
    ) -> bool:
        """Take `id_tag` as the tag of a session that has none; False if it has one."""
        if self.id_tag:
            return False
        self.trigger_event(
            self.Authorized,
            timestamp=at,
            id_tag=id_tag,
            id_tag_status=id_tag_status,
            connection_id=connection_id,
            message_id=message_id,
        )
        return True

    def abandon(self, replaced_by: int, at: datetime) -> None:
        if self.status == ACTIVE:
            self.trigger_event(self.Abandoned, timestamp=at, replaced_by=replaced_by)
