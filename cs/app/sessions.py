"""Use cases for charging sessions: authorize, start, meter values, stop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cs.app.handles import AggregateCache, Handle, get_typed, typed
from cs.app.ports import Clock, TransactionIds
from cs.app.uow import MessageContext
from cs.domain import ids
from cs.domain.authorization import AuthorizationStatus, IdTagInfo, UnknownTagPolicy
from cs.domain.chargebox import ChargeBox
from cs.domain.command import Command
from cs.domain.idtag import IdTag
from cs.domain.metering import Sample
from cs.domain.session import ChargingSession, StartData, StartKey, StopData


@dataclass(frozen=True)
class StartAnswer:
    transaction_id: int
    id_tag_info: IdTagInfo


@dataclass(frozen=True)
class MeterReport:
    """A MeterValues message, raw (as kept) and read (as computed on)."""

    connector_id: int
    transaction_id: int | None
    meter_values: list[dict[str, Any]]
    samples: Sequence[Sample]


class SessionService:
    """Authorization and the life of charging sessions (OCPP 1.6 sections 4.1, 4.7, 4.8, 4.10).

    Promises: every StartTransaction gets a fresh transaction id, except a repeat of
    the same start, which gets the first one again; a start on a busy connector
    abandons the older session; every StopTransaction is confirmed, for an unknown or
    already stopped transaction too, and recorded; every decision is an event.
    """

    def __init__(
        self,
        *,
        cache: AggregateCache,
        clock: Clock,
        transaction_ids: TransactionIds,
        unknown_tags: UnknownTagPolicy,
    ) -> None:
        self._cache = cache
        self._clock = clock
        self._transaction_ids = transaction_ids
        self._unknown_tags = unknown_tags

    async def authorize(self, ctx: MessageContext, id_tag: str) -> IdTagInfo:
        tag = await self._tag(ctx, id_tag)
        info = self._decide(ctx, tag, "Authorize")
        ctx.uow.save(tag)
        return info

    async def start_transaction(
        self, ctx: MessageContext, data: StartData, raw_timestamp: str
    ) -> StartAnswer:
        key = StartKey.key_of(data, raw_timestamp)
        box_id = ids.charge_box_id(ctx.tenant_id, ctx.charge_box_id)
        tag_id = ids.id_tag_id(ctx.tenant_id, data.id_tag)
        # The three usual misses (the start key always) travel in one round trip.
        key_handle, box_handle, _ = await self._cache.get_many(
            ids.start_key_id(key), box_id, tag_id
        )
        claimed = typed(key_handle, StartKey)
        if claimed is not None:
            return await self._repeat_start(ctx, claimed.aggregate)
        box = typed(box_handle, ChargeBox) or await self._box(ctx)
        remote = await self._remote_start(box, data, ctx)
        previous = await self._session(box.aggregate.active_transaction(data.connector_id))
        previous_tag = await self._tag(ctx, previous.aggregate.id_tag) if previous else None
        tag = await self._tag(ctx, data.id_tag)
        transaction_id = await self._transaction_ids.next()
        # No await below: decide and record in one step (see cs.app.uow).
        if previous is not None and previous_tag is not None:
            self._abandon(ctx, box, previous, previous_tag, replaced_by=transaction_id)
        info = self._decide(ctx, tag, "StartTransaction")
        session = self._cache.add(
            ChargingSession.start(
                transaction_id,
                data,
                id_tag_status=info.status.value,
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
            )
        )
        start_key = self._cache.add(
            StartKey.claim(key, transaction_id, info.status.value, ctx.received_at)
        )
        box.aggregate.start_transaction(data.connector_id, transaction_id, ctx.received_at)
        tag.aggregate.start_transaction(transaction_id, ctx.received_at)
        if remote is not None:
            box.aggregate.link_remote_start(
                str(remote.aggregate.id), transaction_id, data.id_tag, ctx.received_at
            )
            remote.aggregate.link_session(transaction_id, ctx.received_at)
            ctx.uow.save(remote)
        if data.reservation_id is not None:
            self._use_reservation(box, tag, data, transaction_id, ctx)
        ctx.uow.save(tag, session, start_key, box)
        return StartAnswer(transaction_id, info)

    async def _remote_start(
        self, box: Handle[ChargeBox], data: StartData, ctx: MessageContext
    ) -> Handle[Command] | None:
        """The RemoteStartTransaction command this start answers, if one is waiting."""
        command_id = box.aggregate.remote_start_for(data.id_tag, data.connector_id, ctx.received_at)
        if command_id is None:
            return None
        return await get_typed(self._cache, UUID(command_id), Command)

    def _use_reservation(
        self,
        box: Handle[ChargeBox],
        tag: Handle[IdTag],
        data: StartData,
        transaction_id: int,
        ctx: MessageContext,
    ) -> None:
        reservation_id = data.reservation_id
        if reservation_id is None:
            return
        verdict = box.aggregate.reservation_for(
            reservation_id,
            data.connector_id,
            data.id_tag,
            tag.aggregate.parent_id_tag,
            ctx.received_at,
        )
        if verdict is None or verdict[0] == "mismatch":
            return  # not this tag's or connector's: the reservation stands
        how = verdict[0]
        box.aggregate.end_reservation(
            reservation_id,
            how,
            transaction_id=transaction_id if how == "fulfilled" else None,
            at=ctx.received_at,
        )

    async def meter_values(self, ctx: MessageContext, report: MeterReport) -> None:
        session = await self._session(report.transaction_id)
        if session is not None and session.aggregate.belongs_to(ctx.tenant_id, ctx.charge_box_id):
            session.aggregate.report_meter_values(
                report.connector_id,
                report.meter_values,
                report.samples,
                source="MeterValues",
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
            )
            ctx.uow.save(session)
            return
        box = await self._box(ctx)
        box.aggregate.report_meter_values(
            report.connector_id,
            report.transaction_id,
            report.meter_values,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.uow.save(box)

    async def stop_transaction(
        self,
        ctx: MessageContext,
        transaction_id: int,
        data: StopData,
        transaction_samples: Sequence[Sample],
    ) -> IdTagInfo | None:
        """Always succeeds: OCPP 1.6 section 4.10 lets a charge point retry a stop forever."""
        session = await self._session(transaction_id)
        box = await self._box(ctx)
        stop_tag = await self._tag(ctx, data.id_tag) if data.id_tag else None
        if session is None or not session.aggregate.belongs_to(ctx.tenant_id, ctx.charge_box_id):
            info = self._decide_stop(ctx, stop_tag)
            box.aggregate.stop_unknown_transaction(
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
            ctx.uow.save(*_present(stop_tag), box)
            return info
        start_tag = await self._tag(ctx, session.aggregate.id_tag)
        # No await below.
        info = self._decide_stop(ctx, stop_tag)
        if session.aggregate.status != "finished" and data.transaction_data:
            session.aggregate.report_meter_values(
                session.aggregate.connector_id,
                data.transaction_data,
                transaction_samples,
                source="StopTransaction",
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
            )
        ending = session.aggregate.status != "finished"
        session.aggregate.stop(
            data,
            stop_id_tag_status=info.status.value if info else None,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        if ending:
            connector = session.aggregate.connector_id
            box.aggregate.end_transaction(connector, transaction_id, "stopped", ctx.received_at)
            start_tag.aggregate.end_transaction(transaction_id, ctx.received_at)
        ctx.uow.save(*_present(stop_tag), session, start_tag, box)
        return info

    async def _repeat_start(self, ctx: MessageContext, claim: StartKey) -> StartAnswer:
        session = await self._session(claim.transaction_id)
        if session is not None:
            session.aggregate.repeat_start(
                connection_id=ctx.connection_id, message_id=ctx.message_id, at=ctx.received_at
            )
            ctx.uow.save(session)
        return StartAnswer(
            claim.transaction_id, IdTagInfo(AuthorizationStatus(claim.id_tag_status))
        )

    def _abandon(
        self,
        ctx: MessageContext,
        box: Handle[ChargeBox],
        previous: Handle[ChargingSession],
        previous_tag: Handle[IdTag],
        *,
        replaced_by: int,
    ) -> None:
        old = previous.aggregate
        if (
            not old.active
            or box.aggregate.active_transaction(old.connector_id) != old.transaction_id
        ):
            return  # changed while we were loading; nothing to abandon any more
        old.abandon(replaced_by, ctx.received_at)
        box.aggregate.end_transaction(
            old.connector_id, old.transaction_id, "abandoned", ctx.received_at
        )
        previous_tag.aggregate.end_transaction(old.transaction_id, ctx.received_at)
        ctx.uow.save(previous, previous_tag, box)

    def _decide_stop(self, ctx: MessageContext, tag: Handle[IdTag] | None) -> IdTagInfo | None:
        """The stop tag's idTagInfo, when a stop tag was given; ending is never refused."""
        if tag is None:
            return None
        return self._decide(ctx, tag, "StopTransaction", concurrency=False)

    def _decide(
        self,
        ctx: MessageContext,
        tag: Handle[IdTag],
        purpose: str,
        *,
        concurrency: bool = True,
    ) -> IdTagInfo:
        return tag.aggregate.authorize(
            purpose=purpose,
            policy=self._unknown_tags,
            charge_box=(ctx.tenant_id, ctx.charge_box_id),
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
            check_concurrency=concurrency,
        )

    async def _tag(self, ctx: MessageContext, id_tag: str) -> Handle[IdTag]:
        """The tag's aggregate; a tag never seen is noted (in memory until saved)."""
        found = await get_typed(self._cache, ids.id_tag_id(ctx.tenant_id, id_tag), IdTag)
        if found is not None:
            return found
        return self._cache.peek_or_add(IdTag.note(ctx.tenant_id, id_tag, ctx.received_at))

    async def _box(self, ctx: MessageContext) -> Handle[ChargeBox]:
        found = await get_typed(
            self._cache, ids.charge_box_id(ctx.tenant_id, ctx.charge_box_id), ChargeBox
        )
        if found is not None:
            return found
        return self._cache.peek_or_add(
            ChargeBox.register(ctx.tenant_id, ctx.charge_box_id, ctx.received_at)
        )

    async def _session(self, transaction_id: int | None) -> Handle[ChargingSession] | None:
        if transaction_id is None or transaction_id <= 0:
            return None
        return await get_typed(self._cache, ids.session_id(transaction_id), ChargingSession)


def _present(*handles: Handle[Any] | None) -> list[Handle[Any]]:
    return [handle for handle in handles if handle is not None]
