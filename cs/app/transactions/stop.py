"""Use case: a station stopping a transaction (OCPP 1.6 StopTransaction, section 4.10)."""

from __future__ import annotations

from collections.abc import Sequence

from cs.app.handles import Handle, get_typed
from cs.app.ports import TransactionIds
from cs.app.recorder import MessageContext
from cs.app.transactions.lookups import SessionLookups, present
from cs.domain import ids
from cs.domain.authorization import IdTagInfo
from cs.domain.ids import normalise_id_tag
from cs.domain.idtag import IdTag
from cs.domain.metering import ENERGY_REGISTER, Sample
from cs.domain.session import (
    MATCHED_STOP,
    RECONSTRUCTED,
    ChargingSession,
    StartData,
    StopData,
)
from cs.domain.start_key import StartKey


class StopService:
    """Ends charging sessions; a stop is always confirmed, whatever we know of it.

    Promises: OCPP 1.6 section 4.10 lets a station retry a stop forever, so every stop
    succeeds. A repeated stop is recorded on the session and changes nothing; the meter
    values sent with a stop join the session before it ends.

    A stop for a transaction this station has no session of (-1 from a charger that
    started offline, an id we never issued, another station's) is recorded on the
    station and still reaches billing: it ends this station's one open session with the
    same id tag, if there is exactly one (the start's answer was lost on the way: flagged
    `matched_stop`), else it becomes a finished session of its own, reconstructed from the
    stop and its transactionData (flagged `reconstructed`; connector 0: a 1.6 stop names
    none). A retry of such a stop finds that session again and changes nothing.
    """

    def __init__(self, lookups: SessionLookups, transaction_ids: TransactionIds) -> None:
        self._lookups = lookups
        self._transaction_ids = transaction_ids

    async def stop_transaction(
        self,
        ctx: MessageContext,
        transaction_id: int,
        data: StopData,
        transaction_samples: Sequence[Sample],
    ) -> IdTagInfo | None:
        lookups = self._lookups
        session = await lookups.session(transaction_id)
        stop_tag = await lookups.tag(ctx, data.id_tag) if data.id_tag else None
        if session is None or not session.aggregate.belongs_to(ctx.tenant_id, ctx.charge_box_id):
            key = _orphan_key(ctx, transaction_id, data)
            claim = await get_typed(lookups.cache, ids.start_key_id(key), StartKey)
            session = await lookups.session(claim.aggregate.transaction_id) if claim else None
            if session is None:
                return await self._stop_unknown(
                    ctx, transaction_id, key, data, transaction_samples, stop_tag
                )
        started_by = session.aggregate.id_tag
        start_tag = await lookups.tag(ctx, started_by) if started_by else None
        # No await below: decide and record in one step (see cs.app.recorder).
        info = self._decide_stop(ctx, stop_tag)
        self._end_session(ctx, session, start_tag, data, transaction_samples, info)
        ctx.save(*present(stop_tag, start_tag), session, ctx.station)
        return info

    async def _stop_unknown(
        self,
        ctx: MessageContext,
        transaction_id: int,
        key: str,
        data: StopData,
        samples: Sequence[Sample],
        stop_tag: Handle[IdTag] | None,
    ) -> IdTagInfo | None:
        lookups = self._lookups
        matched = await self._open_session_of(ctx, data)
        start_tag = await lookups.tag(ctx, matched.aggregate.id_tag) if matched else None
        new_id = None if matched else await self._transaction_ids.next()
        # No await below: decide and record in one step (see cs.app.recorder).
        info = self._decide_stop(ctx, stop_tag)
        ctx.station.aggregate.stop_unknown_transaction(
            transaction_id,
            meter_stop=data.meter_stop,
            stopped_at=data.stopped_at,
            reason=data.reason,
            id_tag=data.id_tag,
            transaction_data=data.transaction_data,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        if matched is not None:
            session = matched
            self._end_session(ctx, session, start_tag, data, samples, info, (MATCHED_STOP,))
        else:
            assert new_id is not None
            session = self._reconstruct(ctx, new_id, data, samples, info)
        status = info.status.value if info is not None else "Accepted"
        claim = StartKey.claim(key, session.aggregate.transaction_id, status, ctx.received_at)
        ctx.save(lookups.cache.add(claim))
        ctx.save(*present(stop_tag, start_tag), session, ctx.station)
        return info

    async def _open_session_of(
        self, ctx: MessageContext, data: StopData
    ) -> Handle[ChargingSession] | None:
        """This station's one open session of the stop's id tag, started before the stop."""
        if not data.id_tag:
            return None
        wanted = normalise_id_tag(data.id_tag)
        found = []
        for transaction_id in ctx.station.aggregate.active_transactions.values():
            session = await self._lookups.session(transaction_id)
            if session is None or not session.aggregate.active:
                continue
            aggregate = session.aggregate
            if (
                normalise_id_tag(aggregate.id_tag) == wanted
                and aggregate.started_at <= data.stopped_at
            ):
                found.append(session)
        return found[0] if len(found) == 1 else None

    def _reconstruct(
        self,
        ctx: MessageContext,
        transaction_id: int,
        data: StopData,
        samples: Sequence[Sample],
        info: IdTagInfo | None,
    ) -> Handle[ChargingSession]:
        """A finished session from the stop alone: it began at its first reading."""
        energy = [
            s.number
            for s in samples
            if s.measurand == ENERGY_REGISTER and not s.phase and s.number is not None
        ]
        times = [s.timestamp for s in samples if s.timestamp is not None]
        start = StartData(
            tenant_id=ctx.tenant_id,
            charge_box_id=ctx.charge_box_id,
            connector_id=0,
            id_tag=data.id_tag or "",
            meter_start=round(energy[0]) if energy else data.meter_stop,
            started_at=min(times) if times else data.stopped_at,
            reservation_id=None,
        )
        session = self._lookups.cache.add(
            ChargingSession.start(
                transaction_id,
                start,
                id_tag_status=info.status.value if info is not None else "Accepted",
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
            )
        )
        _record_stop(ctx, session, data, samples, info, (RECONSTRUCTED,))
        return session

    def _end_session(
        self,
        ctx: MessageContext,
        session: Handle[ChargingSession],
        start_tag: Handle[IdTag] | None,
        data: StopData,
        samples: Sequence[Sample],
        info: IdTagInfo | None,
        flags: Sequence[str] = (),
    ) -> None:
        """Stop `session` (a repeat if it is over); its connector and tag are free again."""
        if _record_stop(ctx, session, data, samples, info, flags):
            _end(ctx, session, start_tag, session.aggregate.transaction_id)

    def _decide_stop(self, ctx: MessageContext, tag: Handle[IdTag] | None) -> IdTagInfo | None:
        """The stop tag's idTagInfo, when a stop tag was given; ending is never refused."""
        if tag is None:
            return None
        return self._lookups.decide(ctx, tag, "StopTransaction", concurrency=False)


def _record_stop(
    ctx: MessageContext,
    session: Handle[ChargingSession],
    data: StopData,
    samples: Sequence[Sample],
    info: IdTagInfo | None,
    flags: Sequence[str],
) -> bool:
    """The stop on the session, its last readings first; False if it was over already."""
    aggregate = session.aggregate
    ending = aggregate.status != "finished"
    if ending and data.transaction_data:
        aggregate.report_meter_values(
            aggregate.connector_id,
            data.transaction_data,
            samples,
            source="StopTransaction",
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
    aggregate.stop(
        data,
        stop_id_tag_status=info.status.value if info else None,
        connection_id=ctx.connection_id,
        message_id=ctx.message_id,
        at=ctx.received_at,
        flags=flags,
        clock=ctx.clock,
    )
    return ending


def _orphan_key(ctx: MessageContext, transaction_id: int, data: StopData) -> str:
    """What makes a stop of an unknown transaction the same stop when retried."""
    return "|".join(
        (
            "ocpp1.6-orphan-stop",
            ctx.tenant_id,
            ctx.charge_box_id,
            str(transaction_id),
            data.stopped_at.isoformat(),
            str(data.meter_stop),
        )
    )


def _end(
    ctx: MessageContext,
    session: Handle[ChargingSession],
    start_tag: Handle[IdTag] | None,
    transaction_id: int,
) -> None:
    """The connector and the tag that started the session are free again."""
    connector = session.aggregate.connector_id
    ctx.station.aggregate.end_transaction(connector, transaction_id, "stopped", ctx.received_at)
    if start_tag is not None:
        start_tag.aggregate.end_transaction(transaction_id, ctx.received_at)
