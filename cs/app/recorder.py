"""The one place units of work are made and committed, and the context of a station's message.

Every change the central system makes reaches the store through a `Recorder`: a
station's message with its answer, one of our CALLs, a connection opening or closing, a
change made over REST. A unit is committed atomically and in submission order by the
writer (`cs.app.ports.EventWriter`); the methods here return once it is durable, and
only then may an answer leave (DESIGN 4: durable before acknowledged).

The rule that keeps the log consistent without locks (`cs.app.uow`): between the first
change to a shared aggregate and the submission of its unit there is no `await`. A use
case therefore loads what it needs first, then decides and records; the adapter calls
the recorder right after the use case returns, in the same step of the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import Clock, EventWriter
from cs.app.uow import UnitOfWork
from cs.domain import ids
from cs.domain.chargebox import ChargeBox
from cs.domain.clock import ClockReading
from cs.domain.connection import Connection


@dataclass(slots=True)
class MessageContext:
    """A message a charging station sent: on which connection, which frame, when.

    `station` is the station's aggregate, loaded (or registered) before any use case
    runs, so each use case and the version's admission rule read the same state.
    `action` is the CALL's action; for an answer to one of our CALLs it is None and
    `response_to` names the action we sent. Use cases put the aggregates they change
    into the message's unit with `save`; nothing else of the unit is theirs to touch.
    What must wait until the station has our answer (a CALL of ours that follows from
    it, such as CertificateSigned after SignCertificate) goes in `then`: the protocol
    adapter starts each, as a task, once the answer is sent. `clock` is the CALL's own
    time against `received_at` when it carries one (set before the use case runs).
    """

    connection: Handle[Connection]
    station: Handle[ChargeBox]
    frame: str
    message_id: str
    received_at: datetime
    action: str | None
    response_to: str | None
    unit: UnitOfWork
    then: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    clock: ClockReading | None = None

    @property
    def tenant_id(self) -> str:
        return self.connection.aggregate.tenant_id

    @property
    def charge_box_id(self) -> str:
        return self.connection.aggregate.charge_box_id

    @property
    def connection_id(self) -> str:
        return str(self.connection.aggregate.id)

    def save(self, *handles: Handle[Any]) -> None:
        """Take the pending events of `handles` into this message's unit, now."""
        self.unit.save(*handles)

    def discard(self) -> None:
        """Drop what the use case recorded (it failed): those aggregates reload from the store."""
        self.unit.discard()


class Recorder:
    """Builds every unit of work and commits it; returns once it is durable.

    Promises: a received frame is recorded before the events it caused and the answer
    after them, in one unit; our CALL's frame is committed before it is sent; a unit
    that cannot be committed raises `CommitFailedError` and nothing of it is stored.
    """

    def __init__(
        self, *, cache: AggregateCache, writer: EventWriter, clock: Clock, snapshot_interval: int
    ) -> None:
        self._cache = cache
        self._writer = writer
        self._clock = clock
        self._snapshot_interval = snapshot_interval

    def unit(self) -> UnitOfWork:
        """An empty unit (the only constructor call of `UnitOfWork` outside tests)."""
        return UnitOfWork(snapshot_interval=self._snapshot_interval)

    async def begin(
        self,
        connection: Handle[Connection],
        frame: str,
        message_id: str,
        received_at: datetime,
        *,
        action: str | None = None,
        response_to: str | None = None,
    ) -> MessageContext:
        """The context of one received message, with the station's aggregate loaded."""
        aggregate = connection.aggregate
        station, new = await self.station(aggregate.tenant_id, aggregate.charge_box_id, received_at)
        unit = self.unit()
        if new:  # registered when the connection opened, unless that unit failed
            unit.save(station)
        return MessageContext(
            connection, station, frame, message_id, received_at, action, response_to, unit
        )

    async def station(
        self, tenant_id: str, charge_box_id: str, at: datetime
    ) -> tuple[Handle[ChargeBox], bool]:
        """The station's handle, and whether it was registered (in memory) just now."""
        key = ids.charge_box_id(tenant_id, charge_box_id)
        found = await get_typed(self._cache, key, ChargeBox)
        if found is not None:
            return found, False
        return self._cache.peek_or_add(ChargeBox.register(tenant_id, charge_box_id, at)), True

    async def answer(self, ctx: MessageContext, reply: str | None) -> None:
        """Commit [the frames, the use case's events] as one unit.

        A CALL and its reply are one `Exchanged` record; a frame without a reply of ours
        (an answer to one of our CALLs) one `FrameReceived`. Either comes first, so the
        log reads: what arrived, then what it caused.
        """
        connection = ctx.connection.aggregate
        if reply is None:
            connection.receive(ctx.frame, at=ctx.received_at, response_to=ctx.response_to)
        else:
            connection.exchange(
                ctx.frame,
                reply,
                action=ctx.action,
                at=ctx.received_at,
                replied_at=self._clock.now(),
                clock=ctx.clock,
            )
        ctx.unit.save_first(ctx.connection)
        await self._submit(ctx.unit)

    async def frames(
        self,
        connection: Handle[Connection],
        received: str,
        received_at: datetime,
        reply: str | None,
        *,
        action: str | None = None,
    ) -> None:
        """Commit a received frame that changes nothing but the wire record, and its reply."""
        unit = self.unit()
        if reply is None:
            connection.aggregate.receive(received, at=received_at)
        else:
            connection.aggregate.exchange(
                received, reply, action=action, at=received_at, replied_at=self._clock.now()
            )
        unit.save(connection)
        await self._submit(unit)

    async def sent(self, connection: Handle[Connection], frame: str, *handles: Handle[Any]) -> None:
        """Commit a frame we are about to send (our CALL) with what it changes."""
        unit = self.unit()
        connection.aggregate.send(frame, at=self._clock.now())
        unit.save(connection, *handles)
        await self._submit(unit)

    async def commit(self, *handles: Handle[Any], first: Handle[Any] | None = None) -> None:
        """Commit the pending events of `handles` (`first`'s before the others'), if any."""
        unit = self.unit()
        if first is not None:
            unit.save(first)
        unit.save(*handles)
        await self._submit(unit)

    async def _submit(self, unit: UnitOfWork) -> None:
        if not unit.empty:
            await self._writer.submit(unit.build())
