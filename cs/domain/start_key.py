"""The claim a StartTransaction's content makes, so a repeated start finds its session."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from cs.domain import ids

if TYPE_CHECKING:
    from cs.domain.session import StartData


class StartKey(Aggregate):
    """Claims one StartTransaction's content (box, connector, tag, timestamp, meterStart).

    Saved with the session it started; a second StartTransaction with the same content
    finds it and gets the same transaction id instead of a second session.
    """

    TOPIC = "cs.StartKey"

    class Event(Aggregate.Event):
        """Base of every start key event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.StartKey.Created"

    class Claimed(Created):
        TOPIC = "cs.StartKey.Claimed"
        key: str
        transaction_id: int
        id_tag_status: str

    def __init__(self, key: str, transaction_id: int, id_tag_status: str) -> None:
        self.key = key
        self.transaction_id = transaction_id
        self.id_tag_status = id_tag_status

    @staticmethod
    def key_of(data: StartData, raw_timestamp: str) -> str:
        return "|".join(
            (
                data.tenant_id,
                data.charge_box_id,
                str(data.connector_id),
                ids.normalise_id_tag(data.id_tag),
                raw_timestamp,
                str(data.meter_start),
            )
        )

    @classmethod
    def claim(cls, key: str, transaction_id: int, id_tag_status: str, at: datetime) -> StartKey:
        return cls._create(
            cls.Claimed,
            id=ids.start_key_id(key),
            timestamp=at,
            key=key,
            transaction_id=transaction_id,
            id_tag_status=id_tag_status,
        )
