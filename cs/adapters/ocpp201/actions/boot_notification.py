"""BootNotification (OCPP 2.0.1 Part 2 B01-B03): record who the station is, answer its status."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.boot import BootService
from cs.domain.chargebox import BootInfo
from cs.domain.datetimes import format_datetime


class BootNotification:
    """Records the boot and answers the registration (`BootService`).

    2.0.1's `chargingStation` carries what 1.6 spread over the payload: vendor, model,
    serial number, firmware and the modem's ICCID and IMSI. The boot `reason` stays in
    the recorded frame.
    """

    def __init__(self, boots: BootService) -> None:
        self._boots = boots

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        station = payload["chargingStation"]
        modem = station.get("modem") or {}
        info = BootInfo(
            station["vendorName"],
            station["model"],
            charge_point_serial_number=station.get("serialNumber"),
            firmware_version=station.get("firmwareVersion"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
        )
        answer = self._boots.boot(ctx, info)
        return {
            "currentTime": format_datetime(answer.current_time),
            "interval": answer.interval,
            "status": answer.status.value,
        }
