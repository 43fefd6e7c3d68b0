"""Our CALLs on one connection: sent one at a time, each recorded first, matched with its answer.

OCPP-J 1.6 section 4.1.1 (and 2.0.1 Part 4 section 4.1.1): at most one CALL of ours is
outstanding per connection; the `CommandQueue` feeding `run` keeps it so.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from cs.adapters.ocppj import frames
from cs.adapters.ocppj.dialect import Dialect
from cs.adapters.ocppj.errors import RpcError
from cs.adapters.ocppj.transport import TransportClosedError
from cs.adapters.ocppj.wire import SessionEndedError, Wire
from cs.app.commands.calls import Answered, Outcome, Refused
from cs.app.commands.job import CommandJob
from cs.app.ports import CommitFailedError
from cs.app.recorder import Recorder

log = logging.getLogger(__name__)

REMEMBERED_LATE = 30  # timed-out CALLs whose late answers are still named in the record


@dataclass(slots=True)
class _Pending:
    action: str
    job: CommandJob
    arrived: asyncio.Future[None]


class OutgoingCalls:
    """The CALLs we send on one connection and the answers they get.

    Promises: a CALL's frame and the command's Sent event are committed before the
    frame leaves; its answer (CALLRESULT valid for the action, CALLERROR, or an answer
    that breaks the schema) is recorded with the answer frame, in one unit; a CALL
    without an answer within `timeout` is recorded as timed out, and an answer that
    comes later is still recorded as the answer to that action.
    """

    def __init__(self, *, wire: Wire, dialect: Dialect, recorder: Recorder, timeout: float) -> None:
        self._wire = wire
        self._dialect = dialect
        self._recorder = recorder
        self._timeout = timeout
        self._pending: dict[str, _Pending] = {}
        self._late: OrderedDict[str, str] = OrderedDict()  # timed out: unique id -> action

    def describe(self) -> dict[str, dict[str, str]]:
        """Our CALLs still waiting for an answer, by unique id."""
        return {
            uid: {"action": pending.action, "origin": "central-system"}
            for uid, pending in self._pending.items()
        }

    def answers_pending(self, text: str) -> bool:
        """Whether `text` looks like the answer to a CALL of ours still outstanding."""
        if not self._pending:
            return False
        head = text[:96].lstrip()
        if not head.startswith(("[3", "[4")):
            return False
        return any(unique_id in head for unique_id in self._pending)

    async def run(self, job: CommandJob) -> None:
        """Send one command's CALL (recorded first) and wait for its outcome."""
        wire = self._wire
        unique_id = str(uuid4())
        action = job.call.action
        frame = frames.dump_call(unique_id, action, job.call.payload)
        # What is recorded (and relayed) is the frame with a station password redacted.
        recorded = (
            frame
            if job.call.recorded is None
            else frames.dump_call(unique_id, action, job.call.recorded)
        )
        arrived: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = _Pending(action, job, arrived)
        try:
            await wire.commit_then_send(
                self._recorder.sent(
                    wire.connection, recorded, job.sent(unique_id, wire.connection_id)
                ),
                frame,
            )
        except (SessionEndedError, TransportClosedError) as error:
            # The CALL did not leave. End the command now: the queue no longer holds it,
            # so the end of the connection would not abort it and its caller would wait.
            self._pending.pop(unique_id, None)
            await self._not_sent(job, str(error))
            raise
        try:
            await asyncio.wait_for(asyncio.shield(arrived), self._timeout)
        except TimeoutError:
            if self._pending.pop(unique_id, None) is None:
                return  # answered just now
            self._late[unique_id] = action
            if len(self._late) > REMEMBERED_LATE:
                self._late.popitem(last=False)
            await wire.commit_then_send(self._recorder.commit(job.timed_out(self._timeout)), None)

    async def take(
        self, raw: str, message: frames.CallResult | frames.CallError, received_at: datetime
    ) -> None:
        """An answer to one of our CALLs: recorded with what it means, in one unit."""
        pending = self._pending.pop(message.unique_id, None)
        action = pending.action if pending is not None else self._late.pop(message.unique_id, None)
        wire = self._wire
        ctx = await self._recorder.begin(
            wire.connection, raw, message.unique_id, received_at, response_to=action
        )
        if pending is None:
            log.info(
                "%s: answer to unknown or timed-out call %s", wire.charge_box_id, message.unique_id
            )
        else:
            pending.job.settle(ctx, self._outcome(pending.action, message))
        # From here to the commit: no await (the answer's events are already in the unit).
        await wire.commit_then_send(self._recorder.answer(ctx, None), None)
        if pending is not None and not pending.arrived.done():
            pending.arrived.set_result(None)

    def _outcome(self, action: str, message: frames.CallResult | frames.CallError) -> Outcome:
        if isinstance(message, frames.CallError):
            return Refused(message.error_code, message.error_description, message.error_details)
        try:
            self._dialect.validator.check_response(action, message.payload)
        except RpcError as error:
            return Refused("InvalidAnswer", str(error.description), error.details)
        return Answered(message.payload)

    async def _not_sent(self, job: CommandJob, reason: str) -> None:
        """Record a command whose CALL could not be sent as aborted (if the store can)."""
        try:
            await self._recorder.commit(job.aborted(f"not sent: {reason}"))
        except CommitFailedError as failure:
            log.error(
                "%s: could not record unsent command %s: %s",
                self._wire.charge_box_id,
                job.command_id,
                failure,
            )
        job.finish()

    async def abort(self, jobs: list[CommandJob], reason: str) -> None:
        """The connection is over: every command queued or in flight ends now, aborted."""
        self._pending.clear()
        if not jobs:
            return
        try:
            await self._recorder.commit(*(job.aborted(reason) for job in jobs))
        except CommitFailedError as failure:
            log.error(
                "%s: could not record aborted commands: %s", self._wire.charge_box_id, failure
            )
        for job in jobs:
            job.finish()
