"""Use case: a station starting a transaction (OCPP 1.6 StartTransaction, section 4.8)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from cs.app.handles import Handle, get_typed, typed
from cs.app.ports import TransactionIds
from cs.app.recorder import MessageContext
from cs.app.transactions.lookups import SessionLookups
from cs.domain import ids
from cs.domain.authorization import AuthorizationStatus, IdTagInfo
from cs.domain.chargebox import ChargeBox
from cs.domain.command import Command
from cs.domain.idtag import IdTag
from cs.domain.session import ChargingSession, StartData
from cs.domain.start_key import StartKey


@dataclass(frozen=True)
class StartAnswer:
    transaction_id: int
    id_tag_info: IdTagInfo


class StartService:
    """Starts charging sessions, each with a fresh transaction id.

    Promises: every start gets a new transaction id, except a repeat of the same start
    (same station, connector, tag, timestamp and meter start), which gets the first one
    again and creates no second session; a start on a connector that already has an
    active session abandons the older one; a start is linked to the remote start that
    asked for it and uses the reservation it names, when they match.
    """

    def __init__(self, lookups: SessionLookups, transaction_ids: TransactionIds) -> None:
        self._lookups = lookups
        self._transaction_ids = transaction_ids

    async def start_transaction(
        self, ctx: MessageContext, data: StartData, raw_timestamp: str
    ) -> StartAnswer:
        lookups = self._lookups
        key = StartKey.key_of(data, raw_timestamp)
        tag_id = ids.id_tag_id(ctx.tenant_id, data.id_tag)
        # The usual misses (the start key always) travel in one round trip.
        key_handle, _ = await lookups.cache.get_many(ids.start_key_id(key), tag_id)
        claimed = typed(key_handle, StartKey)
        if claimed is not None:
            return await self._repeat_start(ctx, claimed.aggregate)
        box = ctx.station
        remote = await self._remote_start(box, data, ctx)
        previous = await lookups.session(box.aggregate.active_transaction(data.connector_id))
        previous_tag = await lookups.tag(ctx, previous.aggregate.id_tag) if previous else None
        tag = await lookups.tag(ctx, data.id_tag)
        transaction_id = await self._transaction_ids.next()
        # No await below: decide and record in one step (see cs.app.recorder).
        if previous is not None and previous_tag is not None:
            _abandon(ctx, previous, previous_tag, replaced_by=transaction_id)
        info = lookups.decide(ctx, tag, "StartTransaction")
        session = lookups.cache.add(
            ChargingSession.start(
                transaction_id,
                data,
                id_tag_status=info.status.value,
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
                clock=ctx.clock,
            )
        )
        start_key = lookups.cache.add(
            StartKey.claim(key, transaction_id, info.status.value, ctx.received_at)
        )
        box.aggregate.start_transaction(data.connector_id, transaction_id, ctx.received_at)
        tag.aggregate.start_transaction(transaction_id, ctx.received_at)
        if remote is not None:
            box.aggregate.link_remote_start(
                str(remote.aggregate.id), transaction_id, data.id_tag, ctx.received_at
            )
            remote.aggregate.link_session(transaction_id, ctx.received_at)
            ctx.save(remote)
        if data.reservation_id is not None:
            _use_reservation(ctx, tag, data, transaction_id)
        ctx.save(tag, session, start_key, box)
        return StartAnswer(transaction_id, info)

    async def _remote_start(
        self, box: Handle[ChargeBox], data: StartData, ctx: MessageContext
    ) -> Handle[Command] | None:
        """The remote start command this start answers, if one is waiting for it."""
        command_id = box.aggregate.remote_start_for(data.id_tag, data.connector_id, ctx.received_at)
        if command_id is None:
            return None
        return await get_typed(self._lookups.cache, UUID(command_id), Command)

    async def _repeat_start(self, ctx: MessageContext, claim: StartKey) -> StartAnswer:
        session = await self._lookups.session(claim.transaction_id)
        if session is not None:
            session.aggregate.repeat_start(
                connection_id=ctx.connection_id, message_id=ctx.message_id, at=ctx.received_at
            )
            ctx.save(session)
        return StartAnswer(
            claim.transaction_id, IdTagInfo(AuthorizationStatus(claim.id_tag_status))
        )


def _abandon(
    ctx: MessageContext,
    previous: Handle[ChargingSession],
    previous_tag: Handle[IdTag],
    *,
    replaced_by: int,
) -> None:
    box = ctx.station
    old = previous.aggregate
    if not old.active or box.aggregate.active_transaction(old.connector_id) != old.transaction_id:
        return  # changed while we were loading; nothing to abandon any more
    old.abandon(replaced_by, ctx.received_at)
    box.aggregate.end_transaction(
        old.connector_id, old.transaction_id, "abandoned", ctx.received_at
    )
    previous_tag.aggregate.end_transaction(old.transaction_id, ctx.received_at)
    ctx.save(previous, previous_tag, box)


def _use_reservation(
    ctx: MessageContext, tag: Handle[IdTag], data: StartData, transaction_id: int
) -> None:
    """OCPP 1.6 section 5.13: a start naming a reservation fulfils it (or finds it expired)."""
    reservation_id = data.reservation_id
    if reservation_id is None:
        return
    box = ctx.station.aggregate
    verdict = box.reservation_for(
        reservation_id, data.connector_id, data.id_tag, tag.aggregate.parent_id_tag, ctx.received_at
    )
    if verdict is None or verdict[0] == "mismatch":
        return  # not this tag's or connector's: the reservation stands
    how = verdict[0]
    box.end_reservation(
        reservation_id,
        how,
        transaction_id=transaction_id if how == "fulfilled" else None,
        at=ctx.received_at,
    )
