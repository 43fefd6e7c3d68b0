"""One recorded command on its way to a station, and what the connection reports of it."""

from __future__ import annotations

import asyncio
from uuid import UUID

from cs.app.commands.calls import Answered, Outcome, OutgoingCall
from cs.app.commands.effects import apply
from cs.app.handles import Handle
from cs.app.ports import Clock
from cs.app.recorder import MessageContext
from cs.domain.command import Command


class CommandJob:
    """A command the station's connection sends as `call`, and reports back on.

    The connection calls `sent` when it records the CALL frame, `settle` when the answer
    arrives (in the unit of the answer frame: the answer and what it means for the
    station are recorded with it), and `timed_out` or `aborted` when none comes. Each
    returns or saves the changed command for the connection to commit. `done`
    completes with the command once it reaches a final state.
    """

    __slots__ = ("_clock", "call", "command", "done")

    def __init__(self, command: Handle[Command], call: OutgoingCall, clock: Clock) -> None:
        self.command = command
        self.call = call
        self._clock = clock
        self.done: asyncio.Future[Command] = asyncio.get_running_loop().create_future()

    @property
    def command_id(self) -> UUID:
        return self.command.aggregate.id

    def sent(self, unique_id: str, connection_id: str) -> Handle[Command]:
        """The CALL with `unique_id` is about to leave on `connection_id`."""
        self.command.aggregate.sent(unique_id, connection_id, self._clock.now())
        return self.command

    def settle(self, ctx: MessageContext, outcome: Outcome) -> None:
        """Record the station's answer, and what it establishes about the station, in `ctx`."""
        command = self.command.aggregate
        if not isinstance(outcome, Answered):
            command.failed(outcome.code, outcome.description, outcome.details, self._clock.now())
            ctx.save(self.command)
            return
        command.answered(outcome.payload, ctx.received_at)
        ctx.save(self.command)
        facts = self.call.meaning(outcome.payload)
        for fact in facts:
            apply(ctx.station.aggregate, fact, command, ctx.received_at)
        if facts:
            ctx.save(ctx.station)

    def timed_out(self, after_seconds: float) -> Handle[Command]:
        self.command.aggregate.timed_out(after_seconds, self._clock.now())
        return self.command

    def aborted(self, reason: str) -> Handle[Command]:
        self.command.aggregate.abort(reason, self._clock.now())
        return self.command

    def finish_if_final(self) -> None:
        """Complete `done` if the command has reached a final state."""
        if self.command.aggregate.finished:
            self.finish()

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(self.command.aggregate)
