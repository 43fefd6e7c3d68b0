"""The id tag aggregate: a token's registration, its use, and every decision about it."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from cs.domain import ids
from cs.domain.authorization import (
    AuthorizationStatus,
    IdTagInfo,
    Registration,
    UnknownTagPolicy,
    decide,
)


class IdTag(Aggregate):
    """An id tag (RFID card, app token) within a tenant, registered or merely seen.

    Holds the registration managed over REST and the transactions the tag has active,
    which is what Authorize needs to answer ConcurrentTx. Every authorization decision
    is recorded here with where it was asked.
    """

    TOPIC = "cs.IdTag"

    class Event(Aggregate.Event):
        """Base of every id tag event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.IdTag.Created"

    class Noted(Created):
        """The tag became known: registered over REST, or first seen at a charge point."""

        TOPIC = "cs.IdTag.Noted"
        tenant_id: str
        id_tag: str

    class Registered(Event):
        """The registry entry was created or changed."""

        TOPIC = "cs.IdTag.Registered"
        status: str
        expiry_date: datetime | None
        parent_id_tag: str | None
        by: str | None

        def apply(self, tag: IdTag) -> None:
            tag.registered = True
            tag.status = self.status
            tag.expiry_date = self.expiry_date
            tag.parent_id_tag = self.parent_id_tag

    class Unregistered(Event):
        """The registry entry was deleted; the tag is unknown again."""

        TOPIC = "cs.IdTag.Unregistered"
        by: str | None

        def apply(self, tag: IdTag) -> None:
            tag.registered = False
            tag.status = None
            tag.expiry_date = None
            tag.parent_id_tag = None

    class Decided(Event):
        """An authorization decision answered to a charge point."""

        TOPIC = "cs.IdTag.Decided"
        purpose: str  # Authorize, StartTransaction or StopTransaction
        status: str
        tenant_id: str
        charge_box_id: str
        connection_id: str | None
        message_id: str | None

    class TransactionStarted(Event):
        TOPIC = "cs.IdTag.TransactionStarted"
        transaction_id: int

        def apply(self, tag: IdTag) -> None:
            tag.active_transactions = (*tag.active_transactions, self.transaction_id)

    class TransactionEnded(Event):
        TOPIC = "cs.IdTag.TransactionEnded"
        transaction_id: int

        def apply(self, tag: IdTag) -> None:
            tag.active_transactions = tuple(
                tx for tx in tag.active_transactions if tx != self.transaction_id
            )

    def __init__(self, tenant_id: str, id_tag: str) -> None:
        self.tenant_id = tenant_id
        self.id_tag = id_tag
        self.registered = False
        self.status: str | None = None
        self.expiry_date: datetime | None = None
        self.parent_id_tag: str | None = None
        self.active_transactions: tuple[int, ...] = ()

    @classmethod
    def note(cls, tenant_id: str, id_tag: str, at: datetime) -> IdTag:
        return cls._create(
            cls.Noted,
            id=ids.id_tag_id(tenant_id, id_tag),
            timestamp=at,
            tenant_id=tenant_id,
            id_tag=id_tag,
        )

    @property
    def registration(self) -> Registration | None:
        if not self.registered or self.status is None:
            return None
        return Registration(AuthorizationStatus(self.status), self.expiry_date, self.parent_id_tag)

    def register(
        self,
        status: AuthorizationStatus,
        *,
        expiry_date: datetime | None,
        parent_id_tag: str | None,
        by: str | None,
        at: datetime,
    ) -> bool:
        """Create or change the registry entry; False (nothing recorded) if unchanged."""
        if self.registration == Registration(status, expiry_date, parent_id_tag):
            return False
        self.trigger_event(
            self.Registered,
            timestamp=at,
            status=status.value,
            expiry_date=expiry_date,
            parent_id_tag=parent_id_tag,
            by=by,
        )
        return True

    def unregister(self, *, by: str | None, at: datetime) -> bool:
        if not self.registered:
            return False
        self.trigger_event(self.Unregistered, timestamp=at, by=by)
        return True

    def authorize(
        self,
        *,
        purpose: str,
        policy: UnknownTagPolicy,
        charge_box: tuple[str, str],
        connection_id: str | None,
        message_id: str | None,
        at: datetime,
        check_concurrency: bool = True,
    ) -> IdTagInfo:
        """Decide (see `cs.domain.authorization.decide`) and record the decision."""
        info = decide(
            self.registration,
            policy=policy,
            in_session=check_concurrency and bool(self.active_transactions),
            at=at,
        )
        self.trigger_event(
            self.Decided,
            timestamp=at,
            purpose=purpose,
            status=info.status.value,
            tenant_id=charge_box[0],
            charge_box_id=charge_box[1],
            connection_id=connection_id,
            message_id=message_id,
        )
        return info

    def start_transaction(self, transaction_id: int, at: datetime) -> None:
        if transaction_id not in self.active_transactions:
            self.trigger_event(self.TransactionStarted, timestamp=at, transaction_id=transaction_id)

    def end_transaction(self, transaction_id: int, at: datetime) -> None:
        if transaction_id in self.active_transactions:
            self.trigger_event(self.TransactionEnded, timestamp=at, transaction_id=transaction_id)
