"""Use case: a station stopping a transaction (OCPP 1.6 StopTransaction, section 4.10)."""

from __future__ import annotations

from collections.abc import Sequence

from cs.app.handles import Handle
from cs.app.recorder import MessageContext
from cs.app.transactions.lookups import SessionLookups, present
from cs.domain.authorization import IdTagInfo
from cs.domain.idtag import IdTag
from cs.domain.metering import Sample
from cs.domain.session import ChargingSession, StopData


class StopService:
    """Ends charging sessions; a stop is always confirmed, whatever we know of it.

    Promises: OCPP 1.6 section 4.10 lets a station retry a stop forever, so every stop
    succeeds: one for an unknown transaction (or another station's) is recorded on
    the station; a repeated stop is recorded on the session and changes nothing; the
    meter values sent with a stop join the session before it ends.
    """

    def __init__(self, lookups: SessionLookups) -> None:
        self._lookups = lookups

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
            return self._stop_unknown(ctx, transaction_id, data, stop_tag)
        start_tag = await lookups.tag(ctx, session.aggregate.id_tag)
        # No await below: decide and record in one step (see cs.app.recorder).
        info = self._decide_stop(ctx, stop_tag)
        ending = session.aggregate.status != "finished"
        if ending and data.transaction_data:
            session.aggregate.report_meter_values(
                session.aggregate.connector_id,
                data.transaction_data,
                transaction_samples,
                source="StopTransaction",
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
            )
        session.aggregate.stop(
            data,
            stop_id_tag_status=info.status.value if info else None,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        if ending:
            _end(ctx, session, start_tag, transaction_id)
        ctx.save(*present(stop_tag), session, start_tag, ctx.station)
        return info

    def _stop_unknown(
        self,
        ctx: MessageContext,
        transaction_id: int,
        data: StopData,
        stop_tag: Handle[IdTag] | None,
    ) -> IdTagInfo | None:
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
        ctx.save(*present(stop_tag), ctx.station)
        return info

    def _decide_stop(self, ctx: MessageContext, tag: Handle[IdTag] | None) -> IdTagInfo | None:
        """The stop tag's idTagInfo, when a stop tag was given; ending is never refused."""
        if tag is None:
            return None
        return self._lookups.decide(ctx, tag, "StopTransaction", concurrency=False)


def _end(
    ctx: MessageContext,
    session: Handle[ChargingSession],
    start_tag: Handle[IdTag],
    transaction_id: int,
) -> None:
    """The connector and the tag that started the session are free again."""
    connector = session.aggregate.connector_id
    ctx.station.aggregate.end_transaction(connector, transaction_id, "stopped", ctx.received_at)
    start_tag.aggregate.end_transaction(transaction_id, ctx.received_at)
