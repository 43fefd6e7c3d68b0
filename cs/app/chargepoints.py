"""Use cases for what a charge point tells the central system about itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import Clock
from cs.app.uow import MessageContext, UnitOfWork
from cs.domain import ids
from cs.domain.chargebox import BootInfo, ChargeBox, StatusReport
from cs.domain.connection import Connection
from cs.domain.ocpp16 import RegistrationStatus


@dataclass(frozen=True)
class BootAnswer:
    """What to answer a BootNotification (OCPP 1.6 section 6.3)."""

    status: RegistrationStatus
    interval: int
    current_time: datetime


@dataclass(frozen=True)
class ConnectionRequest:
    """A charge box asking to open a websocket."""

    connection_id: UUID
    tenant_id: str
    charge_box_id: str
    remote_address: str | None
    subprotocol: str
    node: str


class ChargePointService:
    """Connections, boots, statuses and heartbeats of charge boxes.

    Promises: a charge box is registered on first contact; every boot and status is
    recorded on the charge box, in the order received; heartbeats change no aggregate
    (their frames on the connection stream are the record).
    """

    def __init__(self, *, cache: AggregateCache, clock: Clock, heartbeat_interval: int) -> None:
        self._cache = cache
        self._clock = clock
        self._heartbeat_interval = heartbeat_interval

    async def open_connection(
        self, uow: UnitOfWork, request: ConnectionRequest
    ) -> Handle[Connection]:
        """Record a new connection (and the charge box, on first contact)."""
        at = self._clock.now()
        box = await self._charge_box(request.tenant_id, request.charge_box_id)
        if box is None:
            box = self._register(request.tenant_id, request.charge_box_id, at)
            uow.save(box)
        connection: Handle[Connection] = Handle(
            Connection.open(
                request.connection_id,
                tenant_id=request.tenant_id,
                charge_box_id=request.charge_box_id,
                remote_address=request.remote_address,
                subprotocol=request.subprotocol,
                node=request.node,
                at=at,
            )
        )
        uow.save(connection)
        return connection

    def close_connection(
        self, uow: UnitOfWork, connection: Handle[Connection], *, code: int | None, reason: str
    ) -> None:
        connection.aggregate.close(code=code, reason=reason, at=self._clock.now())
        uow.save(connection)

    async def boot_notification(self, ctx: MessageContext, info: BootInfo) -> BootAnswer:
        box = await self._require_box(ctx)
        status = RegistrationStatus.ACCEPTED
        box.aggregate.boot(
            info,
            status=status,
            interval=self._heartbeat_interval,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.uow.save(box)
        return BootAnswer(status, self._heartbeat_interval, self._clock.now())

    async def status_notification(self, ctx: MessageContext, report: StatusReport) -> None:
        box = await self._require_box(ctx)
        box.aggregate.report_status(
            report, connection_id=ctx.connection_id, message_id=ctx.message_id, at=ctx.received_at
        )
        ctx.uow.save(box)

    def heartbeat(self, ctx: MessageContext) -> datetime:
        """The current time, which the charge point may use to set its clock."""
        return self._clock.now()

    async def _charge_box(self, tenant_id: str, charge_box_id: str) -> Handle[ChargeBox] | None:
        return await get_typed(self._cache, ids.charge_box_id(tenant_id, charge_box_id), ChargeBox)

    async def _require_box(self, ctx: MessageContext) -> Handle[ChargeBox]:
        box = await self._charge_box(ctx.tenant_id, ctx.charge_box_id)
        if box is None:
            # Registered when the connection opened; gone only if that unit failed.
            box = self._register(ctx.tenant_id, ctx.charge_box_id, ctx.received_at)
            ctx.uow.save(box)
        return box

    def _register(self, tenant_id: str, charge_box_id: str, at: datetime) -> Handle[ChargeBox]:
        return self._cache.add(ChargeBox.register(tenant_id, charge_box_id, at))
