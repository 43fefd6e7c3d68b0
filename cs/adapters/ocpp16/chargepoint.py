"""One live charge point connection: the `ocpp` library's v16 ChargePoint, made durable.

`route_message` is ours. For each CALL it parses the frame (spec-exact CALLERRORs),
validates the payload, runs the library-routed `@on` handler, and then, in the same
step of the event loop, records the received frame, the handler's events and the
answer frame as one unit. The answer is sent only after that unit is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from ocpp.v16 import ChargePoint
from ocpp.v16.enums import Action

from cs.adapters.ocpp16 import frames
from cs.adapters.ocpp16.actions.base import ActionHandler
from cs.adapters.ocpp16.casing import kwargs_of, to_camel
from cs.adapters.ocpp16.commands import CommandJob, CommandRunner
from cs.adapters.ocpp16.errors import (
    InternalError,
    NotImplementedAction,
    NotSupportedAction,
    OcppError,
    SecurityError,
)
from cs.adapters.ocpp16.schemas import PayloadValidator
from cs.adapters.ocpp16.throttle import MessageRate
from cs.adapters.ocpp16.transport import (
    RejectedFrameError,
    TransportClosedError,
    WebSocketTransport,
)
from cs.app.handles import Handle
from cs.app.ports import Clock, CommitFailedError, EventWriter
from cs.app.services import Services
from cs.app.uow import MessageContext, UnitOfWork
from cs.domain.command import Command
from cs.domain.connection import Connection

log = logging.getLogger(__name__)

KNOWN_ACTIONS = frozenset(action.value for action in Action)
REMEMBERED_REPLIES = 3  # a retry comes right after its lost answer; few suffice


class SessionEndedError(Exception):
    """The connection cannot continue (its record could not be committed)."""


class DurableChargePoint(ActionHandler, ChargePoint):  # type: ignore[misc]
    """A charge point connection whose every frame is committed before it is answered.

    Subclasses add `@on` handlers (see `cs.adapters.ocpp16.actions`); handlers read the
    message context from `self.ctx` and must not await after changing an aggregate.
    """

    def __init__(
        self,
        *,
        tenant_id: str,
        charge_box_id: str,
        connection: Handle[Connection],
        transport: WebSocketTransport,
        services: Services,
        writer: EventWriter,
        validator: PayloadValidator,
        clock: Clock,
        snapshot_interval: int = 100,
        response_timeout: float = 30,
        command_queue_size: int = 10,
        message_rate: MessageRate | None = None,
    ) -> None:
        super().__init__(charge_box_id, transport, response_timeout=response_timeout)
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self.connection = connection
        self._connection_id = str(connection.aggregate.id)
        self._transport = transport
        self.services = services
        self._writer = writer
        self._validator = validator
        self._clock = clock
        self._snapshot_interval = snapshot_interval
        self._command_timeout = response_timeout
        # Our CALLs waiting for an answer: unique id -> (action, command, answer arrived).
        self._pending_calls: dict[str, tuple[str, Handle[Command], asyncio.Future[None]]] = {}
        self._late: OrderedDict[str, str] = OrderedDict()  # timed-out CALLs: id -> action
        self.commands = CommandRunner(self._run_command, maxsize=command_queue_size)
        # unique id -> (action, payload, answer) of the last CALLs answered: a retry of one
        # (same id, same content) gets the same answer, without doing it again.
        self._answered: OrderedDict[str, tuple[str, dict[str, Any], str]] = OrderedDict()
        self.ctx: MessageContext | None = None
        self._message_rate = message_rate

    @property
    def connection_id(self) -> str:
        return self._connection_id

    def pending_calls(self) -> dict[str, dict[str, str]]:
        """Our CALLs still waiting for an answer, by unique id."""
        return {
            uid: {"action": action, "origin": "central-system"}
            for uid, (action, _, _) in self._pending_calls.items()
        }

    async def start(self) -> None:
        """Serve frames until the transport closes (raises TransportClosedError).

        A frame refused unread (binary, too large) is recorded, then ends the session.
        """
        recv = self._transport.recv
        rate = self._message_rate
        while True:
            try:
                text = await recv()
            except RejectedFrameError as rejected:
                await self._record_rejection(rejected)
                raise
            if rate is not None and not self._answers_pending_call(text):
                # Raises FloodError (the hub closes with 1008) only for a box that does
                # not wait for our answers: one that does is just paced.
                wait = rate.wait(self._transport.backlogged())
                if wait:
                    await asyncio.sleep(wait)
            await self.route_message(text)

    def _answers_pending_call(self, text: str) -> bool:
        """Whether `text` looks like the answer to a CALL of ours still outstanding.

        Such a frame is not counted against the box's message rate: we asked for it, and
        throttling it would slow our own commands (by 20 ms each at 50/s). At most one
        per command, as only one CALL of ours is outstanding at a time (OCPP-J 1.6 4.1.1).
        """
        if not self._pending_calls:
            return False
        head = text[:96].lstrip()
        if not head.startswith(("[3", "[4")):
            return False
        return any(unique_id in head for unique_id in self._pending_calls)

    async def _record_rejection(self, rejected: RejectedFrameError) -> None:
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        self.connection.aggregate.reject(
            rejected.kind, size=rejected.size, excerpt=rejected.excerpt, at=self._clock.now()
        )
        uow.save(self.connection)
        with contextlib.suppress(SessionEndedError):
            await self._commit_then_send(uow, None, None)

    async def route_message(self, raw_msg: str) -> None:
        received_at = self._clock.now()
        try:
            message = frames.parse(raw_msg)
        except frames.BadFrame as bad:
            await self._answer_bad_frame(raw_msg, received_at, bad)
            return
        if isinstance(message, frames.Call):
            await self._serve_call(raw_msg, message, received_at)
        else:
            await self._take_response(raw_msg, message, received_at)

    async def _serve_call(self, raw: str, call: frames.Call, received_at: Any) -> None:
        answered = self._answered.get(call.unique_id)
        if answered is not None and answered[:2] == (call.action, call.payload):
            # OCPP-J: a retried CALL (its answer was lost) gets the same answer again;
            # both frames are recorded, the business effect is not repeated.
            retry = UnitOfWork(snapshot_interval=self._snapshot_interval)
            self._record_exchange(retry, raw, received_at, answered[2], call.action)
            await self._commit_then_send(retry, answered[2], call.unique_id)
            return
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        self.ctx = MessageContext(
            uow, self.tenant_id, self.charge_box_id, self.connection_id, call.unique_id, received_at
        )
        try:
            payload = await self._dispatch(call)
            reply = frames.dump_call_result(call.unique_id, payload)
        except OcppError as error:
            uow.discard()
            reply = frames.dump_call_error(call.unique_id, error)
        except Exception:
            log.exception("%s: handler for %s failed", self.charge_box_id, call.action)
            uow.discard()
            reply = frames.dump_call_error(call.unique_id, InternalError())
        finally:
            self.ctx = None
        # From here to submit: no await, so the unit reaches the writer in event order.
        self._record_exchange(uow, raw, received_at, reply, call.action)
        await self._commit_then_send(uow, reply, call.unique_id)
        self._answered[call.unique_id] = (call.action, call.payload, reply)
        if len(self._answered) > REMEMBERED_REPLIES:
            self._answered.popitem(last=False)

    async def _dispatch(self, call: frames.Call) -> dict[str, Any]:
        handler = self._handler(call.action)
        self._validator.check_request(call.action, call.payload)
        if await self.services.charge_points.refuses(self.context, call.action):
            raise SecurityError(
                "This charge box's BootNotification was rejected; send BootNotification first"
            )
        kwargs = kwargs_of(call.payload)
        if _wants_unique_id(handler):
            kwargs["call_unique_id"] = call.unique_id
        result = handler(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        payload: dict[str, Any] = to_camel(result)
        try:
            self._validator.check_response(call.action, payload)
        except OcppError as error:
            log.error(
                "%s: our %s answer breaks the schema: %s", self.charge_box_id, call.action, error
            )
            raise InternalError("The central system produced an invalid answer") from None
        return payload

    def _handler(self, action: str) -> Callable[..., Any]:
        route = self.route_map.get(action)
        if route is not None and "_on_action" in route:
            handler: Callable[..., Any] = route["_on_action"]
            return handler
        if action in KNOWN_ACTIONS:
            # A 1.6 action we do not serve, e.g. one only a central system sends.
            raise NotSupportedAction(details={"action": action})
        raise NotImplementedAction(details={"action": action})

    def _record_exchange(
        self, uow: UnitOfWork, raw: str, received_at: Any, reply: str | None, action: str | None
    ) -> None:
        connection = self.connection.aggregate
        connection.receive(raw, at=received_at)
        uow.save_first(self.connection)
        if reply is not None:
            connection.send(reply, at=self._clock.now(), response_to=action)
            uow.save(self.connection)

    async def _commit_then_send(
        self, uow: UnitOfWork, reply: str | None, call_id: str | None
    ) -> None:
        """Commit the unit, then send `reply`; `call_id` is the CALL being answered."""
        try:
            await self._writer.submit(uow.build())
        except CommitFailedError as failure:
            log.error("%s: frame not committed: %s", self.charge_box_id, failure)
            # Never acknowledge what is not stored: answer an error, then end the session.
            if call_id is not None:
                await self._send_quietly(frames.dump_call_error(call_id, InternalError()))
            raise SessionEndedError(str(failure)) from None
        if reply is not None:
            try:
                await self._transport.send(reply)
            except (ConnectionError, RuntimeError) as error:  # closed while committing
                raise TransportClosedError(None, f"could not send: {error}") from None

    async def _answer_bad_frame(self, raw: str, received_at: Any, bad: frames.BadFrame) -> None:
        log.info("%s: bad frame (%s): %.200s", self.charge_box_id, bad.error.description, raw)
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        reply = None
        if bad.unique_id is not None and not bad.ignored:
            reply = frames.dump_call_error(bad.unique_id, bad.error)
        self._record_exchange(uow, raw, received_at, reply, None)
        await self._commit_then_send(uow, reply, bad.unique_id if reply else None)

    async def _take_response(
        self, raw: str, message: frames.CallResult | frames.CallError, received_at: Any
    ) -> None:
        """An answer to one of our CALLs: recorded with what it means, in one unit."""
        pending = self._pending_calls.pop(message.unique_id, None)
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        if pending is None:
            action = self._late.pop(message.unique_id, None)
            log.info(
                "%s: answer to unknown or timed-out call %s", self.charge_box_id, message.unique_id
            )
        else:
            action, command, arrived = pending
            await self._settle(uow, command, action, message, received_at)
        # From here to submit: no await (the answer's events are already in the unit).
        self.connection.aggregate.receive(raw, at=received_at, response_to=action)
        uow.save_first(self.connection)
        await self._commit_then_send(uow, None, None)
        if pending is not None and not arrived.done():
            arrived.set_result(None)

    async def _settle(
        self,
        uow: UnitOfWork,
        command: Handle[Command],
        action: str,
        message: frames.CallResult | frames.CallError,
        received_at: Any,
    ) -> None:
        commands = self.services.commands
        if isinstance(message, frames.CallError):
            commands.failed(
                uow, command, message.error_code, message.error_description, message.error_details
            )
            return
        try:
            self._validator.check_response(action, message.payload)
        except OcppError as error:
            commands.failed(uow, command, "InvalidAnswer", str(error.description), error.details)
            return
        await commands.answered(uow, command, message.payload, received_at)

    async def _run_command(self, job: CommandJob) -> None:
        """Send one command's CALL (recorded first) and wait for its outcome."""
        command = job.command
        unique_id = str(uuid4())
        frame = frames.dump_call(unique_id, command.aggregate.action, command.aggregate.payload)
        arrived: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending_calls[unique_id] = (command.aggregate.action, command, arrived)
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        self.connection.aggregate.send(frame, at=self._clock.now())
        uow.save(self.connection)
        self.services.commands.sent(uow, command, unique_id, self.connection_id)
        await self._commit_then_send(uow, frame, None)
        try:
            await asyncio.wait_for(asyncio.shield(arrived), self._command_timeout)
        except TimeoutError:
            if self._pending_calls.pop(unique_id, None) is None:
                return  # answered just now
            self._late[unique_id] = command.aggregate.action
            if len(self._late) > REMEMBERED_REPLIES * 10:
                self._late.popitem(last=False)
            timed_out = UnitOfWork(snapshot_interval=self._snapshot_interval)
            self.services.commands.timed_out(timed_out, command, self._command_timeout)
            await self._commit_then_send(timed_out, None, None)

    async def abort_commands(self, reason: str) -> None:
        """The connection is over: every command queued or in flight ends now, aborted."""
        jobs = self.commands.drain()
        self._pending_calls.clear()
        if not jobs:
            return
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        for job in jobs:
            self.services.commands.aborted(uow, job.command, reason)
        try:
            await self._writer.submit(uow.build())
        except CommitFailedError as failure:
            log.error("%s: could not record aborted commands: %s", self.charge_box_id, failure)
        for job in jobs:
            job.finish()
        await self.commands.wait_stopped()

    async def _send_quietly(self, text: str) -> None:
        try:
            await self._transport.send(text)
        except Exception as error:  # the socket may already be gone
            log.debug("%s: could not send: %s", self.charge_box_id, error)


def _wants_unique_id(handler: Callable[..., Any]) -> bool:
    cached = getattr(handler, "__cs_wants_unique_id__", None)
    if cached is None:
        cached = "call_unique_id" in inspect.signature(handler).parameters
        with contextlib.suppress(AttributeError):
            handler.__func__.__cs_wants_unique_id__ = cached  # type: ignore[attr-defined]
    return bool(cached)
