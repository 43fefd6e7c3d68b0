"""What a station sent to start and stop a transaction, and the session events that change
nothing (a start or stop sent again); `cs.domain.session` names them on the aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cs.domain import sequencing


@dataclass(frozen=True)
class StartData:
    """A start as the station sent it (OCPP 1.6 StartTransaction section 6.46, or the first
    2.0.1 TransactionEvent of a transaction: `station_transaction_id` is then the id the
    station chose, `connector_id` the EVSE, `id_tag` empty until it authorizes)."""

    tenant_id: str
    charge_box_id: str
    connector_id: int
    id_tag: str
    meter_start: int
    started_at: datetime
    reservation_id: int | None
    station_transaction_id: str | None = None


@dataclass(frozen=True)
class StopData:
    """A StopTransaction as the charge point sent it (OCPP 1.6 section 6.50)."""

    meter_stop: int
    stopped_at: datetime
    reason: str | None
    id_tag: str | None
    transaction_data: list[dict[str, Any]]


class StopRepeated(sequencing.Event):
    """A StopTransaction for a session already stopped (charge points retry stops)."""

    TOPIC = "cs.ChargingSession.StopRepeated"
    meter_stop: int
    stopped_at: datetime
    reason: str | None
    connection_id: str | None
    message_id: str | None


class StartRepeated(sequencing.Event):
    """The same StartTransaction again (lost answer); answered with the same id."""

    TOPIC = "cs.ChargingSession.StartRepeated"
    connection_id: str | None
    message_id: str | None
