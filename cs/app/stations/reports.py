"""Use case: reports of a station's background activities and of its security.

Firmware, diagnostics, signed firmware and log upload status notifications; security
events; certificate signing requests.
"""

from __future__ import annotations

from datetime import datetime

from cs.app.recorder import MessageContext


class StationReports:
    """Records what a station reports about its activities and its security, as sent.

    Promises: every report is an event on the station; a certificate signing request
    is answered Rejected while no certificate authority is configured.
    """

    def report(
        self, ctx: MessageContext, subject: str, status: str, request_id: int | None = None
    ) -> None:
        """`subject`: firmware, diagnostics, signed_firmware or log."""
        ctx.station.aggregate.report(
            subject,
            status,
            request_id=request_id,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)

    def security_event(
        self, ctx: MessageContext, event_type: str, occurred_at: datetime, tech_info: str | None
    ) -> None:
        ctx.station.aggregate.report_security_event(
            event_type,
            occurred_at,
            tech_info,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)

    def sign_certificate(self, ctx: MessageContext, csr: str) -> str:
        """Rejected: no certificate authority is configured to sign a station's CSR."""
        status = "Rejected"
        ctx.station.aggregate.request_certificate(
            csr,
            status=status,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)
        return status
