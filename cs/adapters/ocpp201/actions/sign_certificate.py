"""SignCertificate (OCPP 2.0.1 A02/A03): recorded, answered Rejected for now.

Without a certificate authority configured there is nothing to sign a station's CSR
with; A02 lets the CSMS answer Rejected.
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
