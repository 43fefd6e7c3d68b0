"""BootNotification (OCPP 1.6 section 4.2): record who the charge point is, answer its status."""

from __future__ import annotations

from cs.adapters.ocpp16.timestamps import format_datetime
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.boot import BootService
from cs.domain.chargebox import BootInfo


class BootNotification:
    """Records the boot and answers the registration (`BootService`)."""

    def __init__(self, boots: BootService) -> None:
        self._boots = boots

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        info = BootInfo(
            payload["chargePointVendor"],
            payload["chargePointModel"],
            charge_point_serial_number=payload.get("chargePointSerialNumber"),
            charge_box_serial_number=payload.get("chargeBoxSerialNumber"),
            firmware_version=payload.get("firmwareVersion"),
            iccid=payload.get("iccid"),
            imsi=payload.get("imsi"),
            meter_type=payload.get("meterType"),
            meter_serial_number=payload.get("meterSerialNumber"),
        )
        answer = self._boots.boot(ctx, info)
        # OCPP 1.6 answers `interval` (1.5's `heartbeatInterval` is not valid here).
        return {
            "currentTime": format_datetime(answer.current_time),
            "interval": answer.interval,
            "status": answer.status.value,
        }
