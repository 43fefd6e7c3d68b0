"""Use case: meter values a station reports (MeterValues), kept exactly as sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cs.app.recorder import MessageContext
from cs.app.transactions.lookups import SessionLookups
from cs.domain.metering import Sample


@dataclass(frozen=True)
class MeterReport:
    """A report of meter values, raw (as kept) and read (as computed on)."""

    connector_id: int
    transaction_id: int | None
    meter_values: list[dict[str, Any]]
    samples: Sequence[Sample]


class MeterValuesService:
    """Records meter values on their session, or on the station when no session is theirs.

    Promises: values naming a session of this station go to that session (and update
    its running summary); others (connector 0, clock-aligned, another station's or an
    unknown transaction) are recorded on the station, never dropped.
    """

    def __init__(self, lookups: SessionLookups) -> None:
        self._lookups = lookups

    async def meter_values(self, ctx: MessageContext, report: MeterReport) -> None:
        session = await self._lookups.session(report.transaction_id)
        if session is not None and session.aggregate.belongs_to(ctx.tenant_id, ctx.charge_box_id):
            session.aggregate.report_meter_values(
                report.connector_id,
                report.meter_values,
                report.samples,
                source="MeterValues",
                connection_id=ctx.connection_id,
                message_id=ctx.message_id,
                at=ctx.received_at,
                clock=ctx.clock,
            )
            ctx.save(session)
            return
        ctx.station.aggregate.report_meter_values(
            report.connector_id,
            report.transaction_id,
            report.meter_values,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)
