"""Use case: a station reporting the status of a connector (StatusNotification)."""

from __future__ import annotations

from cs.app.recorder import MessageContext
from cs.domain.chargebox import StatusReport


class StatusService:
    """Records every status a station reports, in the order received, on the station."""

    def status_notification(self, ctx: MessageContext, report: StatusReport) -> None:
        ctx.station.aggregate.report_status(
            report, connection_id=ctx.connection_id, message_id=ctx.message_id, at=ctx.received_at
        )
        ctx.save(ctx.station)
