"""SignCertificate (OCPP 1.6 Security Whitepaper): recorded, answered Rejected for now.

Section 3.2 of the whitepaper lets the central system refuse while no certificate
authority is configured to sign a charge point's CSR.
"""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports


class SignCertificate:
    """Records the signing request and our answer (`StationReports.sign_certificate`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        return {"status": self._reports.sign_certificate(ctx, payload["csr"])}
