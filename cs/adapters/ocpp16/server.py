"""The live charge point connections of this node, one per charge box."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from aiohttp import web

from cs.adapters.ocpp16.actions.authorize import AuthorizeHandler
from cs.adapters.ocpp16.actions.boot_notification import BootNotificationHandler
from cs.adapters.ocpp16.actions.data_transfer import DataTransferHandler
from cs.adapters.ocpp16.actions.diagnostics_status_notification import (
    DiagnosticsStatusNotificationHandler,
)
from cs.adapters.ocpp16.actions.firmware_status_notification import (
    FirmwareStatusNotificationHandler,
)
from cs.adapters.ocpp16.actions.heartbeat import HeartbeatHandler
from cs.adapters.ocpp16.actions.meter_values import MeterValuesHandler
from cs.adapters.ocpp16.actions.security import SecurityHandlers
from cs.adapters.ocpp16.actions.start_transaction import StartTransactionHandler
from cs.adapters.ocpp16.actions.status_notification import StatusNotificationHandler
from cs.adapters.ocpp16.actions.stop_transaction import StopTransactionHandler
from cs.adapters.ocpp16.chargepoint import DurableChargePoint, SessionEndedError
from cs.adapters.ocpp16.commands import CommandJob, NotConnectedError
from cs.adapters.ocpp16.schemas import PayloadValidator
from cs.adapters.ocpp16.throttle import FloodError, MessageRate
from cs.adapters.ocpp16.transport import (
    RejectedFrameError,
    TransportClosedError,
    WebSocketTransport,
)
from cs.app.chargepoints import ConnectionRequest
from cs.app.commands import CommandRequest
from cs.app.ports import Clock, CommitFailedError, EventWriter
from cs.app.services import Services
from cs.app.uow import UnitOfWork

log = logging.getLogger(__name__)

SUBPROTOCOL = "ocpp1.6"


class CentralSystemChargePoint(
    AuthorizeHandler,
    BootNotificationHandler,
    DataTransferHandler,
    DiagnosticsStatusNotificationHandler,
    FirmwareStatusNotificationHandler,
    HeartbeatHandler,
    MeterValuesHandler,
    SecurityHandlers,
    StartTransactionHandler,
    StatusNotificationHandler,
    StopTransactionHandler,
    DurableChargePoint,
):
    """A connected OCPP 1.6 charge point with every action the central system serves."""

    def __init__(self, *, ws: web.WebSocketResponse, **kwargs: Any) -> None:
        super().__init__(transport=WebSocketTransport(ws), **kwargs)
        self.ws = ws
        self.close_as: tuple[int, str] | None = None  # set when we decide to close


@dataclass(frozen=True)
class HubSettings:
    node: str
    snapshot_interval: int = 100
    response_timeout: float = 30.0
    command_queue_size: int = 10
    message_rate: float = 0.0  # per connection; 0: unlimited (cs.adapters.ocpp16.throttle)
    message_burst: int = 200
    flood_seconds: float = 60.0


Key = tuple[str, str]


class ChargePointHub:
    """Opens, serves, replaces and closes charge point connections.

    Promises: at most one live connection per (tenant, charge box) on this node, the
    newest; the opening and the closing of every connection are recorded, the opening
    before the handshake completes (so a store that is down refuses the connection).
    """

    def __init__(
        self,
        *,
        services: Services,
        writer: EventWriter,
        validator: PayloadValidator,
        clock: Clock,
        settings: HubSettings,
    ) -> None:
        self._services = services
        self._writer = writer
        self._validator = validator
        self.validator = validator  # REST checks command payloads with the same schemas
        self._clock = clock
        self._settings = settings
        self._live: dict[Key, CentralSystemChargePoint] = {}
        self._serving: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._live)

    def get(self, tenant_id: str, charge_box_id: str) -> CentralSystemChargePoint | None:
        return self._live.get((tenant_id, charge_box_id))

    async def open(
        self,
        ws: web.WebSocketResponse,
        *,
        tenant_id: str,
        charge_box_id: str,
        remote_address: str | None,
        security_profile: int = 0,
    ) -> CentralSystemChargePoint:
        """Record the new connection; raises CommitFailedError if it cannot be stored."""
        uow = UnitOfWork(snapshot_interval=self._settings.snapshot_interval)
        request = ConnectionRequest(
            connection_id=uuid4(),
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            remote_address=remote_address,
            subprotocol=SUBPROTOCOL,
            node=self._settings.node,
            security_profile=security_profile,
        )
        connection = await self._services.charge_points.open_connection(uow, request)
        await self._writer.submit(uow.build())
        return CentralSystemChargePoint(
            ws=ws,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            connection=connection,
            services=self._services,
            writer=self._writer,
            validator=self._validator,
            clock=self._clock,
            snapshot_interval=self._settings.snapshot_interval,
            response_timeout=self._settings.response_timeout,
            command_queue_size=self._settings.command_queue_size,
            message_rate=self._message_rate(),
        )

    def _message_rate(self) -> MessageRate | None:
        settings = self._settings
        if settings.message_rate <= 0:
            return None
        return MessageRate(settings.message_rate, settings.message_burst, settings.flood_seconds)

    async def serve(self, cp: CentralSystemChargePoint) -> None:
        """Serve `cp` until its socket closes, replacing any older connection first."""
        task = asyncio.current_task()
        if task is not None:
            self._serving.add(task)
        key = (cp.tenant_id, cp.charge_box_id)
        older = self._live.get(key)
        self._live[key] = cp
        if older is not None:
            # In the background: the newer connection is served while the older closes.
            closing = asyncio.create_task(
                self._close_socket(older, 1000, "replaced by a newer connection")
            )
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        code: int | None = None
        reason = "closed by the charge point"
        try:
            await cp.start()
        except TransportClosedError as closed:
            code, reason = closed.code, closed.reason
        except RejectedFrameError as rejected:
            code = rejected.close_code
            reason = (
                f"OCPP-J allows text frames only ({rejected})"
                if rejected.kind == "binary"
                else "frame larger than this central system accepts"
            )
        except SessionEndedError as ended:
            code, reason = 1011, f"could not record a message: {ended}"
        except FloodError as flood:
            log.warning("disconnecting %s/%s: %s", cp.tenant_id, cp.charge_box_id, flood)
            code, reason = flood.close_code, f"message rate exceeded: {flood}"
        except asyncio.CancelledError:
            code, reason = 1001, "server shutting down"
        finally:
            if self._live.get(key) is cp:
                del self._live[key]
            if cp.close_as is not None:
                code, reason = cp.close_as
            # Its own task, awaited shielded: a handler cancelled now (aiohttp may cancel
            # one whose client went away) still aborts its commands and records its close.
            ending = asyncio.ensure_future(self._end(cp, code, reason))
            self._closing.add(ending)
            ending.add_done_callback(self._closing.discard)
            try:
                await asyncio.shield(ending)
            finally:
                if task is not None:
                    self._serving.discard(task)

    async def _end(self, cp: CentralSystemChargePoint, code: int | None, reason: str) -> None:
        await self._close_socket(cp, code or 1000, reason)
        await cp.abort_commands(f"charge box disconnected ({reason})")
        await self._record_closed(cp, code if code is not None else cp.ws.close_code, reason)

    async def submit(self, request: CommandRequest) -> CommandJob:
        """Record a command and queue it on the charge box's live connection.

        Raises NotConnectedError (no live connection here) or QueueFullError, in both
        cases before anything is recorded.
        """
        cp = self.get(request.tenant_id, request.charge_box_id)
        if cp is None:
            raise NotConnectedError(f"charge box {request.charge_box_id!r} is not connected")
        cp.commands.reserve()
        try:
            command = await self._services.commands.request(request)
        except BaseException:
            cp.commands.release()
            raise
        job = CommandJob(command)
        try:
            cp.commands.enqueue(job)
        except NotConnectedError:  # it went away while the command was being recorded
            uow = UnitOfWork(snapshot_interval=self._settings.snapshot_interval)
            self._services.commands.aborted(uow, command, "charge box disconnected")
            await self._writer.submit(uow.build())
            job.finish()
        return job

    async def abandon(self, cp: CentralSystemChargePoint, reason: str) -> None:
        """Record the end of a connection that never started serving."""
        await self._record_closed(cp, None, reason)

    async def close_all(self, code: int = 1001, reason: str = "server shutting down") -> None:
        """Close every connection and wait until each closing is recorded."""
        for cp in list(self._live.values()):
            await self._close_socket(cp, code, reason)
        pending = [task for task in (*self._serving, *self._closing) if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=10)

    async def _close_socket(self, cp: CentralSystemChargePoint, code: int, reason: str) -> None:
        if cp.close_as is None:
            cp.close_as = (code, reason)
        if not cp.ws.closed:
            try:
                await cp.ws.close(code=code, message=reason.encode()[:120])
            except Exception as error:  # the peer may be gone already
                log.debug("%s: close failed: %s", cp.charge_box_id, error)

    async def _record_closed(
        self, cp: CentralSystemChargePoint, code: int | None, reason: str
    ) -> None:
        if not cp.connection.usable:
            log.warning(
                "%s: connection record failed earlier; close not recorded", cp.charge_box_id
            )
            return
        uow = UnitOfWork(snapshot_interval=self._settings.snapshot_interval)
        self._services.charge_points.close_connection(uow, cp.connection, code=code, reason=reason)
        if uow.empty:
            return
        try:
            await self._writer.submit(uow.build())
        except CommitFailedError as failure:
            log.error("%s: close not recorded: %s", cp.charge_box_id, failure)
