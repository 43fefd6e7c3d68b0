"""StatusNotification (OCPP 2.0.1 G01): record an EVSE connector's status."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.status import StatusService
from cs.domain.chargebox import StatusReport
from cs.domain.datetimes import parse_datetime


class StatusNotification:
    """Records the status on the charge box, per EVSE and connector (`StatusService`).

    The EVSE is what the charge box keeps as a connector (sessions run per EVSE); the
    connector within it is kept beside (`evse_connector_id`), so an EVSE with two
    connectors (a DC charger's CCS and CHAdeMO) shows each and, as its own status, the
    most telling of theirs. 2.0.1 has no error code here (faults come as NotifyEvent):
    the error code is recorded as "NoError".
    """

    def __init__(self, statuses: StatusService) -> None:
        self._statuses = statuses

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        report = StatusReport(
            connector_id=payload["evseId"],
            status=payload["connectorStatus"],
            error_code="NoError",
            evse_connector_id=payload["connectorId"],
            reported_at=parse_datetime(payload["timestamp"]),
        )
        self._statuses.status_notification(ctx, report)
        return {}
