"""Use case: transactions a station reports as events (OCPP 2.0.1 TransactionEvent, Part 2 E).

A 2.0.1 station names its transactions itself and reports each as a series of events:
Started, any number of Updated, Ended, numbered by `seqNo`. They become the same
charging sessions as 1.6 transactions: a session with a transaction id of ours, the
station's id kept beside it, meter values and stop exactly as for 1.6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cs.app.handles import Handle, get_typed
from cs.app.ports import TransactionIds
from cs.app.recorder import MessageContext
from cs.app.transactions.lookups import SessionLookups, present
from cs.domain import ids
from cs.domain.authorization import IdTagInfo
from cs.domain.command import Command
from cs.domain.idtag import IdTag
from cs.domain.metering import ENERGY_REGISTER, Sample
from cs.domain.session import RECONSTRUCTED, ChargingSession, StartData, StopData
from cs.domain.start_key import StartKey

STARTED, UPDATED, ENDED = "Started", "Updated", "Ended"


@dataclass(frozen=True)
class TransactionEventReport:
    """One TransactionEvent, read: what the use case needs, raw meter values kept as sent."""

    event_type: str
    station_transaction_id: str
    seq_no: int
    evse_id: int
    id_token: str | None
    timestamp: datetime
    trigger_reason: str
    stopped_reason: str | None
    reservation_id: int | None
    meter_values: list[dict[str, Any]]
    samples: Sequence[Sample]
    offline: bool = False


class TransactionEventService:
    """Turns a station's transaction events into charging sessions.

    Promises: the first event of a station transaction (Started, or a later one when the
    Started never reached us) starts one session, and a repeat of any event starts no
    second one; meter values of Started and Updated join the session; Ended stops it,
    its meter stop the last energy register reading sent (else the last one known);
    events after Ended change nothing but are recorded (on the session for a repeated
    Ended, on the station otherwise). An event whose `seqNo` reached us before (a replay
    after a reconnect) is recorded and answered as before, with no other effect; a
    skipped number or an `offline` event flags the session (`cs.domain.sequencing`). An
    idToken is decided like a 1.6 id tag and its answer returned; ending is never refused.
    """

    def __init__(self, lookups: SessionLookups, transaction_ids: TransactionIds) -> None:
        self._lookups = lookups
        self._transaction_ids = transaction_ids

    async def transaction_event(
        self, ctx: MessageContext, report: TransactionEventReport
    ) -> IdTagInfo | None:
        lookups = self._lookups
        key = _key(ctx, report.station_transaction_id)
        claim = await get_typed(lookups.cache, ids.start_key_id(key), StartKey)
        tag = await lookups.tag(ctx, report.id_token) if report.id_token else None
        if claim is None:
            remote = await self._remote_start(ctx, report)
            transaction_id = await self._transaction_ids.next()
            # No await below: decide and record in one step (see cs.app.recorder).
            info = lookups.decide(ctx, tag, "TransactionEvent") if tag is not None else None
            session = self._start(ctx, report, key, transaction_id, tag, info)
            if remote is not None and report.id_token:
                _link(ctx, remote, session.aggregate.transaction_id, report.id_token)
        else:
            found = await lookups.session(claim.aggregate.transaction_id)
            if found is None:
                return None
            session = found
            started_by = session.aggregate.id_tag
            start_tag = await lookups.tag(ctx, started_by) if started_by else None
            info = self._decide(ctx, tag)
            if tag is not None and info is not None and not started_by:
                start_tag = _authorized_late(ctx, session, tag, info, report.id_token or "")
            self._advance(ctx, report, session, start_tag)
        ctx.save(*present(tag), session, ctx.station)
        return info

    async def _remote_start(
        self, ctx: MessageContext, report: TransactionEventReport
    ) -> Handle[Command] | None:
        """The RequestStartTransaction this transaction answers, if one waits for it."""
        if not report.id_token:
            return None
        command_id = ctx.station.aggregate.remote_start_for(
            report.id_token, report.evse_id, ctx.received_at
        )
        if command_id is None:
            return None
        return await get_typed(self._lookups.cache, UUID(command_id), Command)

    def _start(
        self,
        ctx: MessageContext,
        report: TransactionEventReport,
        key: str,
        transaction_id: int,
        tag: Handle[IdTag] | None,
        info: IdTagInfo | None,
    ) -> Handle[ChargingSession]:
        data = StartData(
            tenant_id=ctx.tenant_id,
            charge_box_id=ctx.charge_box_id,
            connector_id=report.evse_id,
            id_tag=report.id_token or "",
            meter_start=_energy(report.samples) or 0,
            started_at=report.timestamp,
            reservation_id=report.reservation_id,
            station_transaction_id=report.station_transaction_id,
        )
        # A transaction that has not authorized yet (E02: cable plugged in first) is
        # Accepted by us: the station decides when power flows; the tag comes later.
        status = info.status.value if info is not None else "Accepted"
        cache = self._lookups.cache
        session = cache.add(
            ChargingSession.start(
                transaction_id,
                data,
                id_tag_status=status,
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
                clock=ctx.clock,
            )
        )
        ctx.save(cache.add(StartKey.claim(key, transaction_id, status, ctx.received_at)))
        ctx.station.aggregate.start_transaction(report.evse_id, transaction_id, ctx.received_at)
        if tag is not None:
            tag.aggregate.start_transaction(transaction_id, ctx.received_at)
        # An Ended whose Started never reached us: the session is made from it alone.
        reconstructed = (RECONSTRUCTED,) if report.event_type == ENDED else ()
        self._advance(ctx, report, session, tag, reconstructed)
        return session

    def _advance(
        self,
        ctx: MessageContext,
        report: TransactionEventReport,
        session: Handle[ChargingSession],
        start_tag: Handle[IdTag] | None,
        flags: tuple[str, ...] = (),
    ) -> None:
        """Record the event's place in the transaction, then its effect (none for a replay);
        `flags`: for the stop, if the event ends the transaction."""
        aggregate = session.aggregate
        if (
            report.meter_values
            and aggregate.active
            and aggregate.follows(report.seq_no, offline=report.offline)
        ):
            # Most events: the meter values' event records the number too (one, not two).
            self._continue(ctx, report, session, start_tag, report.seq_no, flags)
        elif _sequenced(ctx, report, session):
            self._continue(ctx, report, session, start_tag, None, flags)

    def _continue(
        self,
        ctx: MessageContext,
        report: TransactionEventReport,
        session: Handle[ChargingSession],
        start_tag: Handle[IdTag] | None,
        seq_no: int | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        """Meter values and the end of an event on a session that exists."""
        aggregate = session.aggregate
        if not aggregate.active and report.event_type != ENDED:
            # A transaction is over once Ended (Part 2 E): nothing joins it; the frame and
            # this record on the station keep what was sent.
            ctx.station.aggregate.report_meter_values(
                report.evse_id,
                aggregate.transaction_id,
                report.meter_values,
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
            )
            return
        if report.meter_values and aggregate.active:
            aggregate.report_meter_values(
                aggregate.connector_id,
                report.meter_values,
                report.samples,
                source="TransactionEvent",
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
                seq_no=seq_no,
                clock=ctx.clock,
            )
        if report.event_type == ENDED:
            self._end(ctx, report, session, start_tag, flags)

    def _end(
        self,
        ctx: MessageContext,
        report: TransactionEventReport,
        session: Handle[ChargingSession],
        start_tag: Handle[IdTag] | None,
        flags: tuple[str, ...],
    ) -> None:
        aggregate = session.aggregate
        ending = aggregate.active
        last = aggregate.last_energy_wh
        meter_stop = _energy(report.samples)
        if meter_stop is None:
            meter_stop = round(last) if last is not None else aggregate.meter_start
        aggregate.stop(
            StopData(
                meter_stop=meter_stop,
                stopped_at=report.timestamp,
                reason=report.stopped_reason,
                id_tag=report.id_token,
                transaction_data=[],
            ),
            stop_id_tag_status=None,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
            flags=flags,
            clock=ctx.clock,
        )
        if ending:
            ctx.station.aggregate.end_transaction(
                aggregate.connector_id, aggregate.transaction_id, "stopped", ctx.received_at
            )
            if start_tag is not None and aggregate.id_tag:
                start_tag.aggregate.end_transaction(aggregate.transaction_id, ctx.received_at)
                ctx.save(start_tag)

    def _decide(self, ctx: MessageContext, tag: Handle[IdTag] | None) -> IdTagInfo | None:
        """The idToken's answer on a running transaction (E05); an end is never refused."""
        if tag is None:
            return None
        return self._lookups.decide(ctx, tag, "TransactionEvent", concurrency=False)


def _key(ctx: MessageContext, station_transaction_id: str) -> str:
    """The claim key of a station's transaction id: unique per tenant and station."""
    return "|".join(("ocpp2.0.1", ctx.tenant_id, ctx.charge_box_id, station_transaction_id))


def _link(ctx: MessageContext, remote: Handle[Command], transaction_id: int, tag: str) -> None:
    """The remote start and the session it caused name each other (as for 1.6)."""
    ctx.station.aggregate.link_remote_start(
        str(remote.aggregate.id), transaction_id, tag, ctx.received_at
    )
    remote.aggregate.link_session(transaction_id, ctx.received_at)
    ctx.save(remote)


def _energy(samples: Sequence[Sample]) -> int | None:
    """The last total energy register reading among `samples` (not a phase's), in Wh."""
    for sample in reversed(samples):
        if sample.measurand == ENERGY_REGISTER and not sample.phase and sample.number is not None:
            return round(sample.number)
    return None


def _sequenced(
    ctx: MessageContext, report: TransactionEventReport, session: Handle[ChargingSession]
) -> bool:
    """Record the event's `seqNo` on the session; False for a replay (nothing else to do)."""
    return session.aggregate.sequenced(
        report.seq_no,
        report.event_type,
        report.trigger_reason,
        offline=report.offline,
        connection_id=ctx.connection_id,
        message_id=ctx.message_id,
        at=ctx.received_at,
    )


def _authorized_late(
    ctx: MessageContext,
    session: Handle[ChargingSession],
    tag: Handle[IdTag],
    info: IdTagInfo,
    id_token: str,
) -> Handle[IdTag] | None:
    """A transaction that started untagged (E02) is the first idToken's from now on: its
    tag is the session's (billing's `user_id`), and the tag has the transaction running."""
    aggregate = session.aggregate
    if not aggregate.active or not aggregate.authorize(
        id_token,
        info.status.value,
        connection_id=ctx.connection_id,
        message_id=ctx.message_id,
        at=ctx.received_at,
    ):
        return None
    tag.aggregate.start_transaction(aggregate.transaction_id, ctx.received_at)
    return tag
