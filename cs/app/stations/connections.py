"""Use case: a station's websocket connection opening and closing."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from cs.app.handles import Handle
from cs.app.ports import Clock
from cs.app.recorder import Recorder
from cs.domain.connection import Connection


@dataclass(frozen=True)
class ConnectionRequest:
    """A charging station asking to open a websocket."""

    connection_id: UUID
    tenant_id: str
    charge_box_id: str
    remote_address: str | None
    subprotocol: str
    node: str
    security_profile: int = 0  # how the handshake authenticated (cs.app.access)


class ConnectionService:
    """Records each connection of a station from its opening to its closing.

    Promises: the opening is committed before `open` returns (so a store that is down
    refuses the connection), together with the station's registration on first
    contact; a close is recorded once.
    """

    def __init__(self, *, recorder: Recorder, clock: Clock) -> None:
        self._recorder = recorder
        self._clock = clock

    async def open(self, request: ConnectionRequest) -> Handle[Connection]:
        """Record a new connection; raises CommitFailedError if it cannot be stored."""
        at = self._clock.now()
        station, _ = await self._recorder.station(request.tenant_id, request.charge_box_id, at)
        connection: Handle[Connection] = Handle(
            Connection.open(
                request.connection_id,
                tenant_id=request.tenant_id,
                charge_box_id=request.charge_box_id,
                remote_address=request.remote_address,
                subprotocol=request.subprotocol,
                node=request.node,
                at=at,
                security_profile=request.security_profile,
            )
        )
        # A station seen for the first time is registered in the same unit, before it.
        await self._recorder.commit(connection, first=station)
        return connection

    async def close(self, connection: Handle[Connection], *, code: int | None, reason: str) -> None:
        """Record the end of a connection (nothing when it is already recorded as closed)."""
        connection.aggregate.close(code=code, reason=reason, at=self._clock.now())
        await self._recorder.commit(connection)
