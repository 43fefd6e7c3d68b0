"""The OCPP 1.6 Security Whitepaper messages a charge point sends.

SecurityEventNotification, SignedFirmwareStatusNotification and LogStatusNotification
are recorded and shown on the charge box; SignCertificate is answered Rejected while no
certificate authority is configured (section 3.2 of the whitepaper lets the central
system refuse).
"""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.timestamps import parse_datetime


class SecurityHandlers(ActionHandler):
    @handles(Action.security_event_notification)
    async def on_security_event_notification(
        self,
        type: str,
        timestamp: str,
        tech_info: str | None = None,
    ) -> call_result.SecurityEventNotification:
        await self.services.charge_points.security_event(
            self.context, type, parse_datetime(timestamp), tech_info
        )
        return call_result.SecurityEventNotification()

    @handles(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status_notification(
        self, status: str, request_id: int | None = None
    ) -> call_result.SignedFirmwareStatusNotification:
        await self.services.charge_points.report(
            self.context, "signed_firmware", status, request_id
        )
        return call_result.SignedFirmwareStatusNotification()

    @handles(Action.log_status_notification)
    async def on_log_status_notification(
        self, status: str, request_id: int | None = None
    ) -> call_result.LogStatusNotification:
        await self.services.charge_points.report(self.context, "log", status, request_id)
        return call_result.LogStatusNotification()

    @handles(Action.sign_certificate)
    async def on_sign_certificate(self, csr: str) -> call_result.SignCertificate:
        status = await self.services.charge_points.sign_certificate(self.context, csr)
        return call_result.SignCertificate(status=status)
