"""StatusNotification (OCPP 2.0.1 G01): record an EVSE connector's status."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.status import StatusService
from cs.domain.chargebox import StatusReport
from cs.domain.datetimes import parse_datetime


class StatusNotification:
    """Records the status on the charge box, per EVSE (`StatusService`).

    The EVSE is what the charge box keeps as a connector (sessions run per EVSE); the
    2.0.1 connector within it goes into `info` ("connector 2"), so an EVSE with two
    connectors shows the one that reported last. 2.0.1 has no error code here (faults
    come as NotifyEvent): the error code is recorded as "NoError".
    """

    def __init__(self, statuses: StatusService) -> None:
        self._statuses = statuses

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        report = StatusReport(
            connector_id=payload["evseId"],
            status=payload["connectorStatus"],
            error_code="NoError",
            info=f"connector {payload['connectorId']}",
            reported_at=parse_datetime(payload["timestamp"]),
        )
        self._statuses.status_notification(ctx, report)
        return {}
