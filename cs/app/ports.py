"""Ports: the narrow interfaces the use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:
    from cs.app.commands.calls import CommandRequest, OutgoingCall
    from cs.app.commands.job import CommandJob
    from cs.app.commands.view import CommandView


class Clock(Protocol):
    """Source of the current time (aware, UTC)."""

    def now(self) -> datetime: ...


class AggregateLoader(Protocol):
    """Loads the current state of an aggregate from the event store."""

    def load(self, aggregate_id: UUID) -> Awaitable[Aggregate | None]:
        """The aggregate, or None when no event exists for `aggregate_id`.

        Asking is synchronous (the request joins the next batch at once); the result is
        awaited.
        """
        ...


class CommitUnit(Protocol):
    """What a writer needs to commit one unit atomically."""

    @property
    def events(self) -> Sequence[Any]: ...

    @property
    def snapshots(self) -> Sequence[Any]: ...

    @property
    def handles(self) -> Sequence[Any]: ...


class EventWriter(Protocol):
    """Commits units of events durably and in submission order.

    `submit` is called on the event loop; the returned awaitable completes once every
    event of the unit is committed, or raises `CommitFailed`. Units that fail mark the
    handles they touched as poisoned, so no later unit builds on lost state.
    """

    def submit(self, unit: CommitUnit) -> Any: ...


class CommitFailedError(Exception):
    """The events of a unit could not be committed; nothing of the unit was stored."""


class TransactionIds(Protocol):
    """Allocates OCPP 1.6 transaction ids: positive 32-bit, never reused, on any node."""

    async def next(self) -> int: ...


class ReservationIds(Protocol):
    """Allocates reservation ids (ours, not the caller's): positive 32-bit, never reused."""

    async def next(self) -> int: ...


class StationLink(Protocol):
    """A live connection to one charging station on this node, as commands see it.

    Implemented by each protocol version's connection (`cs.adapters.ocppj`).
    """

    @property
    def version(self) -> str:
        """The OCPP version the station speaks on this connection (its subprotocol)."""
        ...

    def prepare(self, operation: str, arguments: Mapping[str, Any]) -> OutgoingCall:
        """The CALL `operation` becomes in this version; raises `InvalidCommand` or
        `UnsupportedOperation` (nothing is recorded or sent)."""
        ...

    def reserve(self) -> None:
        """Hold a place in the connection's command queue, or raise `CommandQueueFull`
        (`StationNotConnected` when the connection is closing)."""
        ...

    def release(self) -> None:
        """Give back a place reserved for a command that was not submitted."""
        ...

    def submit(self, job: CommandJob) -> None:
        """Queue a recorded command (after `reserve`); `StationNotConnected` if the
        connection closed meanwhile."""
        ...


class StationLinks(Protocol):
    """The live connections of this node, by station."""

    def link(self, tenant_id: str, charge_box_id: str) -> StationLink | None: ...


class ConnectionDirectory(Protocol):
    """Which node holds a station's connection, as the read models know it."""

    async def node_holding(self, tenant_id: str, charge_box_id: str) -> str | None: ...


class CommandRouter(Protocol):
    """Runs a command on another node, the one holding the station's connection.

    `forward` returns the command as that node left it, or raises the `CommandError`
    that node raised; `StationNotConnected` when that node is gone, `StationUnreachable`
    when it cannot be reached now, `NoReply` when it did not answer within the time.
    """

    @property
    def node(self) -> str: ...

    async def forward(
        self, node: str, request: CommandRequest, *, wait: bool, reply_within: float
    ) -> CommandView: ...


class HolderNotices(Protocol):
    """Tells the node holding a station's connection that the station changed elsewhere."""

    async def refresh(self, node: str, tenant_id: str, charge_box_id: str) -> None:
        """Best effort: the holder reloads the station before its next write."""
        ...


class LocalListSource(Protocol):
    """The token registry as local authorization lists need it (OCPP 1.6 section 5.15)."""

    async def local_list_entries(
        self, tenant_id: str, since: datetime | None
    ) -> list[dict[str, Any]]:
        """Every registered tag (`since` None), or the tags changed since `since` (removed
        ones with `registered` false); rows: id_tag, registered, status, expiry_date,
        parent_id_tag."""
        ...


class CertificateRefusedError(ValueError):
    """A station's certificate signing request that will not be signed (the reason)."""


class CertificateSigner(Protocol):
    """Signs a station's CSR with the operator's certificate authority (A02, A03)."""

    def sign(self, csr_pem: str, charge_box_id: str) -> str:
        """The PEM chain (station certificate, then the CA's); raises
        `CertificateRefusedError` for a CSR it must not sign."""
        ...


class KeyHasher(Protocol):
    """Hashes a station password for storage (salted, slow; off the event loop)."""

    async def __call__(self, key: str) -> str: ...
