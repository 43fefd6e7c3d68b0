"""Use case: reports of a station's background activities and of its security.

Firmware, diagnostics, signed firmware and log upload status notifications; security
events; certificate signing requests; the parts of a 2.0.1 device model report.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from cs.app.commands.calls import CommandRequest
from cs.app.ports import CertificateRefusedError, CertificateSigner
from cs.app.recorder import MessageContext

log = logging.getLogger(__name__)

# Who asked, on a CertificateSigned the central system sends by itself.
SIGNED_BY = "cs:SignCertificate"


class StationReports:
    """Records what a station reports about its activities and its security, as sent.

    Promises: every report is an event on the station. A certificate signing request
    is answered Rejected while no certificate authority is configured, or when the CA
    refuses the CSR (the reason logged); otherwise Accepted, and once the station has
    that answer the signed chain goes to it as a CertificateSigned command (A02.FR.03),
    recorded and tracked like an operator's, asked by `SIGNED_BY`.
    """

    def __init__(self, signer: CertificateSigner | None = None) -> None:
        self._signer = signer
        # The command use case, set once it exists (it is built after the message ones).
        self.send: Callable[[CommandRequest], Awaitable[Any]] | None = None

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

    def device_model(
        self,
        ctx: MessageContext,
        *,
        request_id: int,
        seq_no: int,
        tbc: bool,
        generated_at: datetime,
        variables: list[dict[str, Any]],
    ) -> None:
        """A part of an OCPP 2.0.1 device model report (the variables it carries)."""
        ctx.station.aggregate.device_model_reported(
            request_id,
            seq_no,
            tbc,
            generated_at,
            variables,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)

    def sign_certificate(
        self, ctx: MessageContext, csr: str, certificate_type: str | None = None
    ) -> str:
        """Accepted if the CA signs `csr`; the chain is sent after the answer."""
        chain = self._signed(ctx, csr)
        status = "Accepted" if chain is not None else "Rejected"
        ctx.station.aggregate.request_certificate(
            csr,
            status=status,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)
        if chain is not None:
            request = CommandRequest(
                tenant_id=ctx.tenant_id,
                charge_box_id=ctx.charge_box_id,
                operation="certificate-signed",
                arguments={"certificate_chain": chain}
                | ({"certificate_type": certificate_type} if certificate_type else {}),
                requested_by=SIGNED_BY,
            )
            ctx.then.append(lambda: self._deliver(request))
        return status

    def _signed(self, ctx: MessageContext, csr: str) -> str | None:
        if self._signer is None or self.send is None:
            return None
        try:
            return self._signer.sign(csr, ctx.charge_box_id)
        except CertificateRefusedError as refused:
            log.warning("%s: certificate signing refused: %s", ctx.charge_box_id, refused)
            return None

    async def _deliver(self, request: CommandRequest) -> None:
        assert self.send is not None
        await self.send(request)
