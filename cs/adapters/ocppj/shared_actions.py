"""Handlers of the actions whose payload and meaning both OCPP versions share.

OCPP 1.6's Security Whitepaper took its messages from 2.0.1, field for field, and a
Heartbeat is the same in both, so one handler serves both dialects: Heartbeat (1.6
section 4.6, 2.0.1 G02), SecurityEventNotification (whitepaper, A04),
LogStatusNotification (whitepaper, N01) and SignCertificate (whitepaper section 3.2,
A02/A03). Each calls one use case and builds the answer (`ActionHandler`).
"""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.boot import BootService
from cs.app.stations.reports import StationReports
from cs.domain.datetimes import format_datetime, parse_datetime


class Heartbeat:
    """Answers our clock (`BootService.heartbeat`); changes no aggregate."""

    def __init__(self, boots: BootService) -> None:
        self._boots = boots

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        return {"currentTime": format_datetime(self._boots.heartbeat(ctx))}


class SecurityEventNotification:
    """Records the security event as sent (`StationReports.security_event`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.security_event(
            ctx, payload["type"], parse_datetime(payload["timestamp"]), payload.get("techInfo")
        )
        return {}


class LogStatusNotification:
    """Records the log upload status the station reports, with its request id."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.report(ctx, "log", payload["status"], payload.get("requestId"))
        return {}


class SignCertificate:
    """Records the signing request and our answer (`StationReports.sign_certificate`).

    Accepted when the configured certificate authority signs the CSR (the chain then
    follows as CertificateSigned); both versions let the central system answer
    Rejected while none is configured, or when it refuses.
    """

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        kind = payload.get("certificateType")  # 2.0.1 only: which certificate it wants
        return {"status": self._reports.sign_certificate(ctx, payload["csr"], kind)}
