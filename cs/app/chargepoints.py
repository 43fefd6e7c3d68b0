"""Use cases for what a charge point tells the central system about itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cs.app.datatransfer import DataTransferAnswer, DataTransferHandlers, DataTransferRequest
from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import Clock, EventWriter
from cs.app.uow import MessageContext, UnitOfWork
from cs.domain import ids
from cs.domain.chargebox import BootInfo, ChargeBox, StatusReport, check_security
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
    security_profile: int = 0  # how the handshake authenticated (cs.app.access)


class ChargePointService:
    """Connections, boots, statuses and heartbeats of charge boxes.

    Promises: a charge box is registered on first contact; every boot and status is
    recorded on the charge box, in the order received; heartbeats change no aggregate
    (their frames on the connection stream are the record).
    """

    def __init__(
        self,
        *,
        cache: AggregateCache,
        clock: Clock,
        heartbeat_interval: int,
        data_transfers: DataTransferHandlers | None = None,
        writer: EventWriter | None = None,
        snapshot_interval: int = 100,
    ) -> None:
        self._cache = cache
        self._clock = clock
        self._heartbeat_interval = heartbeat_interval
        self._data_transfers = data_transfers or DataTransferHandlers()
        self._writer = writer
        self._snapshot_interval = snapshot_interval

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
                security_profile=request.security_profile,
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
        status = box.aggregate.boot_answer(RegistrationStatus.ACCEPTED)
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

    async def refuses(self, ctx: MessageContext, action: str) -> bool:
        """Whether to refuse a message: a box answered Rejected may only boot again
        (OCPP 1.6 section 4.2: it shall send nothing else until its retry interval)."""
        if action == "BootNotification":
            return False
        box = await self._charge_box(ctx.tenant_id, ctx.charge_box_id)
        return box is not None and box.aggregate.rejected

    async def data_transfer(
        self, ctx: MessageContext, vendor_id: str, message_id: str | None, data: str | None
    ) -> DataTransferAnswer:
        box = await self._require_box(ctx)
        request = DataTransferRequest(ctx.tenant_id, ctx.charge_box_id, vendor_id, message_id, data)
        answer = await self._data_transfers.answer(request)
        box.aggregate.transfer_data(
            vendor_id,
            message_id,
            data,
            status=answer.status.value,
            answer_data=answer.data,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.uow.save(box)
        return answer

    async def report(
        self, ctx: MessageContext, subject: str, status: str, request_id: int | None = None
    ) -> None:
        """Firmware, diagnostics, signed firmware and log upload status notifications."""
        box = await self._require_box(ctx)
        box.aggregate.report(
            subject,
            status,
            request_id=request_id,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.uow.save(box)

    async def security_event(
        self, ctx: MessageContext, event_type: str, occurred_at: datetime, tech_info: str | None
    ) -> None:
        box = await self._require_box(ctx)
        box.aggregate.report_security_event(
            event_type,
            occurred_at,
            tech_info,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.uow.save(box)

    async def sign_certificate(self, ctx: MessageContext, csr: str) -> str:
        """Rejected: no certificate authority is configured to sign a charge point's CSR."""
        box = await self._require_box(ctx)
        status = "Rejected"
        box.aggregate.request_certificate(
            csr,
            status=status,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.uow.save(box)
        return status

    async def set_registration(
        self, tenant_id: str, charge_box_id: str, status: RegistrationStatus, *, by: str | None
    ) -> ChargeBox:
        """The registry: what this box's next BootNotification is answered."""
        if self._writer is None:
            raise RuntimeError("no writer configured")
        at = self._clock.now()
        box = await self._charge_box(tenant_id, charge_box_id)
        if box is None:
            box = self._register(tenant_id, charge_box_id, at)
        box.aggregate.set_registration(status, by=by, at=at)
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        uow.save(box)
        if not uow.empty:
            await self._writer.submit(uow.build())
        return box.aggregate

    async def configure_security(
        self,
        tenant_id: str,
        charge_box_id: str,
        security_profile: int,
        password_hash: str | None,
        *,
        by: str | None,
    ) -> tuple[ChargeBox, bool]:
        """Register a charge box's security profile (and key hash); True if it is new.

        `password_hash` None keeps the current key (profiles 1 and 2 need one by then).
        Raises ValueError for a profile without the key it needs.
        """
        if self._writer is None:
            raise RuntimeError("no writer configured")
        at = self._clock.now()
        box = await self._charge_box(tenant_id, charge_box_id)
        if password_hash is None and box is not None:
            password_hash = box.aggregate.password_hash
        check_security(security_profile, password_hash)  # before anything is registered
        created = box is None
        if box is None:
            box = self._register(tenant_id, charge_box_id, at)
        box.aggregate.configure_security(security_profile, password_hash, by=by, at=at)
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        uow.save(box)
        if not uow.empty:
            await self._writer.submit(uow.build())
        return box.aggregate, created

    async def known(self, tenant_id: str, charge_box_id: str) -> ChargeBox | None:
        """The charge box, if the central system has ever seen or registered it."""
        box = await self._charge_box(tenant_id, charge_box_id)
        return box.aggregate if box is not None else None

    def refresh(self, tenant_id: str, charge_box_id: str) -> None:
        """Load the charge box afresh next time (unless units in flight still hold it).

        For a box that connects to this node while none of its connections is served
        here: with several nodes, another one may have written it since it was cached.
        """
        self._cache.forget(ids.charge_box_id(tenant_id, charge_box_id))

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
