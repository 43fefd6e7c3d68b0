"""One live station connection: OCPP-J in its version's dialect, every frame committed first.

The receive loop reads one frame at a time (so a station's messages are served in
order and TCP flow control holds back a sender we do not read). For each CALL it
parses the frame (spec-exact CALLERRORs), checks the payload against the schema,
applies the version's admission rule, calls the action's handler and then, in the
same step of the event loop, records the received frame, the handler's events and
the answer frame as one unit (`cs.app.recorder`). The answer is sent only after that
unit is committed. Answers to our own CALLs go to `OutgoingCalls`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cs.adapters.ocppj import frames
from cs.adapters.ocppj.calls import OutgoingCalls
from cs.adapters.ocppj.dialect import Dialect
from cs.adapters.ocppj.errors import InternalError, RpcError, SecurityError
from cs.adapters.ocppj.station_time import read_clock
from cs.adapters.ocppj.throttle import MessageRate
from cs.adapters.ocppj.transport import RejectedFrameError, Transport
from cs.adapters.ocppj.wire import SessionEndedError, Wire
from cs.app.commands.calls import OutgoingCall
from cs.app.commands.job import CommandJob
from cs.app.commands.queue import CommandQueue
from cs.app.handles import Handle
from cs.app.ports import Clock
from cs.app.recorder import MessageContext, Recorder
from cs.domain.clock import ClockPolicy
from cs.domain.connection import Connection

log = logging.getLogger(__name__)

REMEMBERED_REPLIES = 3  # a retry comes right after its lost answer; few suffice


@dataclass(frozen=True)
class ConnectionSettings:
    """How long we wait for a station's answers, how many commands wait, how fast it sends."""

    response_timeout: float = 30.0
    command_queue_size: int = 10
    message_rate: float = 0.0  # per connection; 0: unlimited (throttle.MessageRate)
    message_burst: int = 200
    flood_seconds: float = 60.0
    clock: ClockPolicy = field(default_factory=ClockPolicy)  # when a station's time is flagged

    def rate(self) -> MessageRate | None:
        if self.message_rate <= 0:
            return None
        return MessageRate(self.message_rate, self.message_burst, self.flood_seconds)


class StationConnection:
    """A station's websocket connection, served in its dialect; a `StationLink` for commands.

    Promises: every frame, both ways, is recorded before the next one is served; an
    answer leaves only after its unit is committed; a CALL retried with the same id
    and content (its answer was lost) gets the same answer without a second effect;
    a frame refused unread (binary, too large) is recorded, then ends the session.
    """

    def __init__(
        self,
        *,
        transport: Transport,
        connection: Handle[Connection],
        dialect: Dialect,
        recorder: Recorder,
        clock: Clock,
        settings: ConnectionSettings,
    ) -> None:
        self.connection = connection
        self.tenant_id = connection.aggregate.tenant_id
        self.charge_box_id = connection.aggregate.charge_box_id
        self._transport = transport
        self._dialect = dialect
        self._recorder = recorder
        self._clock = clock
        self._wire = Wire(transport, connection, dialect)
        self._calls = OutgoingCalls(
            wire=self._wire, dialect=dialect, recorder=recorder, timeout=settings.response_timeout
        )
        self._queue = CommandQueue(self._calls.run, maxsize=settings.command_queue_size)
        self._rate = settings.rate()
        self._clock_policy = settings.clock
        # unique id -> (action, payload, answer) of the last CALLs answered.
        self._answered: OrderedDict[str, tuple[str, dict[str, Any], str]] = OrderedDict()
        self.close_as: tuple[int, str] | None = None  # set when we decide to close

    @property
    def connection_id(self) -> str:
        return self._wire.connection_id

    # -- StationLink ----------------------------------------------------------------

    @property
    def version(self) -> str:
        return self._dialect.subprotocol

    def prepare(self, operation: str, arguments: Mapping[str, Any]) -> OutgoingCall:
        return self._dialect.commands.prepare(operation, arguments)

    def reserve(self) -> None:
        self._queue.reserve()

    def release(self) -> None:
        self._queue.release()

    def submit(self, job: CommandJob) -> None:
        self._queue.enqueue(job)

    def pending_calls(self) -> dict[str, dict[str, str]]:
        """Our CALLs still waiting for an answer, by unique id."""
        return self._calls.describe()

    # -- serving ----------------------------------------------------------------------

    async def serve(self) -> None:
        """Serve frames until the transport closes (raises TransportClosedError)."""
        recv = self._transport.recv
        rate = self._rate
        while True:
            try:
                text = await recv()
            except RejectedFrameError as rejected:
                await self._record_rejection(rejected)
                raise
            if rate is not None and not self._calls.answers_pending(text):
                # Raises FloodError (the hub closes with 1008) only for a station that does
                # not wait for our answers: one that does is just paced. Answers to our own
                # CALLs are not counted: throttling them would slow our commands.
                wait = rate.wait(self._transport.backlogged())
                if wait:
                    await asyncio.sleep(wait)
            await self.route_message(text)

    async def route_message(self, raw: str) -> None:
        received_at = self._clock.now()
        try:
            message = frames.parse(raw)
        except frames.BadFrame as bad:
            await self._answer_bad_frame(raw, received_at, bad)
            return
        if isinstance(message, frames.Call):
            await self._serve_call(raw, message, received_at)
        else:
            await self._calls.take(raw, message, received_at)

    async def _serve_call(self, raw: str, call: frames.Call, received_at: datetime) -> None:
        answered = self._answered.get(call.unique_id)
        if answered is not None and answered[:2] == (call.action, call.payload):
            # OCPP-J: a retried CALL (its answer was lost) gets the same answer again;
            # both frames are recorded, the business effect is not repeated.
            record = self._recorder.frames(
                self.connection, raw, received_at, answered[2], action=call.action
            )
            await self._wire.commit_then_send(record, answered[2], call.unique_id)
            return
        ctx = await self._recorder.begin(
            self.connection, raw, call.unique_id, received_at, action=call.action
        )
        reply = await self._reply(ctx, call)
        # From here to the commit: no await, so the unit reaches the writer in event order.
        await self._wire.commit_then_send(self._recorder.answer(ctx, reply), reply, call.unique_id)
        self._answered[call.unique_id] = (call.action, call.payload, reply)
        if len(self._answered) > REMEMBERED_REPLIES:
            self._answered.popitem(last=False)
        for follow_up in ctx.then:  # only now does the station have our answer
            _start(follow_up, self.charge_box_id)

    async def _reply(self, ctx: MessageContext, call: frames.Call) -> str:
        """The answer frame: the handler's CALLRESULT, or the CALLERROR it came to."""
        try:
            payload = await self._dispatch(ctx, call)
            return frames.dump_call_result(call.unique_id, payload)
        except RpcError as error:
            ctx.discard()
            return frames.dump_call_error(call.unique_id, self._dialect.code(error), error)
        except Exception:
            log.exception("%s: handler for %s failed", self.charge_box_id, call.action)
            ctx.discard()
            internal = InternalError()
            return frames.dump_call_error(call.unique_id, self._dialect.code(internal), internal)

    async def _dispatch(self, ctx: MessageContext, call: frames.Call) -> dict[str, Any]:
        dialect = self._dialect
        handler = dialect.handler(call.action)
        dialect.validator.check_request(call.action, call.payload)
        ctx.clock = read_clock(self._clock_policy, call.payload, ctx.received_at)
        refused = dialect.admits(ctx.station.aggregate, call.action)
        if refused is not None:
            raise SecurityError(refused)
        payload = await handler(ctx, call.payload)
        try:
            dialect.validator.check_response(call.action, payload)
        except RpcError as error:
            log.error(
                "%s: our %s answer breaks the schema: %s", self.charge_box_id, call.action, error
            )
            raise InternalError("The central system produced an invalid answer") from None
        return payload

    async def _answer_bad_frame(
        self, raw: str, received_at: datetime, bad: frames.BadFrame
    ) -> None:
        log.info("%s: bad frame (%s): %.200s", self.charge_box_id, bad.error.description, raw)
        reply = None
        if bad.unique_id is not None and (
            not bad.ignored or self._dialect.answers_unknown_message_types
        ):
            reply = frames.dump_call_error(bad.unique_id, self._dialect.code(bad.error), bad.error)
        record = self._recorder.frames(self.connection, raw, received_at, reply)
        await self._wire.commit_then_send(record, reply, bad.unique_id if reply else None)

    async def _record_rejection(self, rejected: RejectedFrameError) -> None:
        self.connection.aggregate.reject(
            rejected.kind, size=rejected.size, excerpt=rejected.excerpt, at=self._clock.now()
        )
        with contextlib.suppress(SessionEndedError):
            await self._wire.commit_then_send(self._recorder.commit(self.connection), None)

    async def abort_commands(self, reason: str) -> None:
        """The connection is over: every command queued or in flight ends now, aborted."""
        await self._calls.abort(self._queue.drain(), reason)
        await self._queue.wait_stopped()


_follow_ups: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak refs)


def _start(follow_up: Callable[[], Awaitable[None]], charge_box_id: str) -> None:
    """Run what a use case left for after its answer; its failure is logged, not raised."""

    async def run() -> None:
        try:
            await follow_up()
        except Exception:
            log.exception("%s: follow-up of an answered message failed", charge_box_id)

    task = asyncio.get_running_loop().create_task(run())
    _follow_ups.add(task)
    task.add_done_callback(_follow_ups.discard)
