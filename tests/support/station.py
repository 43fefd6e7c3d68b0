"""A node's core on fakes, and charge points talking to it through fake sockets.

`a_node()` composes the real use cases and protocol adapters (`cs.bootstrap.compose`)
over the fakes of `tests.support.fakes`; `node.connect()` opens a station connection the
way the websocket handler does (the connection use case records it, the hub serves it
in the dialect of its subprotocol) and hands back the station's side of the socket.

One limit: the hub closes only sockets it opened itself (aiohttp's), so when it ends a
connection (a newer one replaces it, a flood, a lost record) the fake socket stays open;
`Station.ended()` says how the hub ended it (`close_as`). Disconnect a station before
connecting it again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from cs.adapters.ocppj.connection import StationConnection
from cs.app.commands.calls import CommandRequest
from cs.app.commands.view import CommandView
from cs.app.datatransfer import Handler, Key
from cs.app.stations.connections import ConnectionRequest
from cs.app.usecases import UseCases
from cs.bootstrap import Core, Ports, compose, connection_settings
from cs.config import Settings
from cs.domain.authorization import AuthorizationStatus
from cs.domain.registration import RegistrationStatus
from tests.support.fakes import (
    EventLog,
    FakeClock,
    FakeDirectory,
    FakeKeys,
    FakeLoader,
    FakeLocalLists,
    FakeTransport,
    FakeWriter,
    IdSequence,
)

TENANT = "default"
NODE = "node-1"
SUBPROTOCOL = "ocpp1.6"
RECEIVED, SENT = "cs.Connection.FrameReceived", "cs.Connection.FrameSent"
EXCHANGED = "cs.Connection.Exchanged"  # a CALL of the station and our answer, one record


@dataclass(frozen=True)
class Reply:
    """How the station answers one of our CALLs: a CALLRESULT payload or a CALLERROR."""

    result: dict[str, Any] | None = None
    error: tuple[str, str] | None = None

    def frame(self, unique_id: str) -> str:
        if self.error is not None:
            return json.dumps([4, unique_id, self.error[0], self.error[1], {}])
        return json.dumps([3, unique_id, self.result if self.result is not None else {}])


Rule = Callable[[dict[str, Any]], Reply | None]  # None: leave the CALL unanswered


@dataclass(frozen=True)
class ReceivedCall:
    """A CALL of ours as the station got it, with the log as it was when it left."""

    unique_id: str
    action: str
    payload: dict[str, Any]
    committed_before: list[str]


@dataclass
class Station:
    """A charge point connected to a node: the station's side of its socket."""

    node: Node
    charge_box_id: str
    tenant_id: str
    transport: FakeTransport
    live: StationConnection
    serving: asyncio.Task[None]
    rules: dict[str, Rule] = field(default_factory=dict)
    calls: list[ReceivedCall] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def call(
        self, action: str, payload: Any, *, unique_id: str | None = None, timeout: float = 2.0
    ) -> list[Any]:
        """Send a CALL and return the frame that answers it (CALLRESULT or CALLERROR)."""
        unique_id = unique_id or f"m{next(self._ids)}"
        return await self.send(json.dumps([2, unique_id, action, payload]), unique_id, timeout)

    async def send(self, frame: str, answered_by: str, timeout: float = 2.0) -> list[Any]:
        """Send a raw frame and return the answer carrying `answered_by` as unique id."""
        mark = len(self.transport.sent)
        self.transport.push(frame)
        return await self.transport.sent_frame(
            lambda f: f[0] in (3, 4) and f[1] == answered_by, after=mark, timeout=timeout
        )

    def answers_to(self, unique_id: str) -> list[list[Any]]:
        """Every frame sent that answers the CALL `unique_id` (should be exactly one)."""
        frames = [json.loads(text) for text in self.transport.sent]
        return [f for f in frames if f[0] in (3, 4) and f[1] == unique_id]

    # -- our CALLs, answered from the station's side ---------------------------------

    def answer(self, action: str, rule: Rule | Reply) -> None:
        """Answer our CALLs of `action` as `rule` says (nothing set: they stay unanswered)."""
        self.rules[action] = rule if callable(rule) else (lambda _payload, reply=rule: reply)

    def reply(self, unique_id: str, reply: Reply) -> None:
        """Answer a CALL of ours now (e.g. one left unanswered, or late)."""
        self.transport.push(reply.frame(unique_id))

    async def received_call(self, number: int = 1, timeout: float = 2.0) -> ReceivedCall:
        """The `number`th CALL of ours the station got (1: the first), waiting for it."""
        await self.transport.until(
            lambda: len(self.calls) >= number, timeout=timeout, what=f"CALL #{number}"
        )
        return self.calls[number - 1]

    def _on_send(self, text: str) -> None:
        frame = json.loads(text)
        if frame[0] != 2:
            return
        _, unique_id, action, payload = frame
        self.calls.append(ReceivedCall(unique_id, action, payload, self.node.log.topics()))
        rule = self.rules.get(action)
        reply = rule(payload) if rule is not None else None
        if reply is not None:
            self.reply(unique_id, reply)

    # -- the end of the connection --------------------------------------------------

    async def disconnect(self, code: int | None = 1000) -> None:
        """The station closes its socket; returns once the node has ended the connection."""
        self.transport.close(code)
        await self.ended()

    async def ended(self, timeout: float = 2.0) -> tuple[int, str] | None:
        """Wait until the node has ended this connection: how it closed it."""
        await asyncio.wait_for(asyncio.shield(self.serving), timeout)
        return self.live.close_as


@dataclass
class Node:
    """One node's core composed over fakes, with the fakes at hand."""

    settings: Settings
    clock: FakeClock
    log: EventLog
    writer: FakeWriter
    loader: FakeLoader
    transaction_ids: IdSequence
    reservation_ids: IdSequence
    local_lists: FakeLocalLists
    directory: FakeDirectory
    core: Core
    stations: list[Station] = field(default_factory=list)

    @property
    def use(self) -> UseCases:
        return self.core.use

    async def connect(
        self,
        charge_box_id: str = "CP-1",
        *,
        tenant_id: str = TENANT,
        subprotocol: str = SUBPROTOCOL,
    ) -> Station:
        """Open a connection as the websocket handler does: recorded first, then served
        in the dialect of `subprotocol` (ocpp1.6 unless told)."""
        request = ConnectionRequest(
            connection_id=uuid4(),
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            remote_address="192.0.2.1",
            subprotocol=subprotocol,
            node=self.settings.node_name(),
        )
        connection = await self.use.connections.open(request)
        transport = FakeTransport()
        live = StationConnection(
            transport=transport,
            connection=connection,
            dialect=self.core.hub.dialect(subprotocol),
            recorder=self.use.recorder,
            clock=self.clock,
            settings=connection_settings(self.settings),
        )
        serving = asyncio.ensure_future(self.core.hub.serve(live))
        station = Station(self, charge_box_id, tenant_id, transport, live, serving)
        transport.on_send = station._on_send
        self.stations.append(station)
        await asyncio.sleep(0)  # the hub now knows the connection (commands find it)
        return station

    async def register(
        self, charge_box_id: str, status: RegistrationStatus, *, tenant_id: str = TENANT
    ) -> None:
        """What the registry answers the station's next boot (as an operator sets it)."""
        await self.use.registry.set_registration(tenant_id, charge_box_id, status, by="ops")

    async def register_tag(
        self,
        id_tag: str,
        status: str = "Accepted",
        *,
        expiry_date: datetime | None = None,
        parent_id_tag: str | None = None,
        tenant_id: str = TENANT,
    ) -> None:
        """Put a token in the registry (as an operator does over REST)."""
        await self.use.tokens.put(
            tenant_id,
            id_tag,
            AuthorizationStatus(status),
            expiry_date=expiry_date,
            parent_id_tag=parent_id_tag,
            by="ops",
        )

    async def command(
        self,
        charge_box_id: str,
        operation: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        wait: bool = True,
        tenant_id: str = TENANT,
    ) -> CommandView:
        """Run a remote operation as REST does (`CommandService.run`)."""
        request = CommandRequest(tenant_id, charge_box_id, operation, arguments or {}, "ops")
        return await self.use.commands.run(request, wait=wait)

    async def until(
        self, condition: Callable[[], bool], *, timeout: float = 2.0, what: str = "condition"
    ) -> None:
        """Wait until `condition()` holds (checked every millisecond); fail at the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"{what}: not within {timeout}s; units: {self.units()}")
            await asyncio.sleep(0.001)

    def units(self) -> list[list[str]]:
        """The topics of every committed unit, in commit order."""
        return [unit.topics for unit in self.writer.units]

    def last_unit(self) -> list[str]:
        return self.writer.units[-1].topics

    def last_unit_events(self) -> list[Any]:
        """The events of the last committed unit, as stored (decoded again)."""
        return self.log.at(self.writer.units[-1].positions)

    async def __aenter__(self) -> Node:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """End every connection still served (the stations close their sockets)."""
        for station in self.stations:
            if not station.serving.done():
                station.transport.close()
        await asyncio.gather(*(s.serving for s in self.stations), return_exceptions=True)


def a_node(*, data_transfer_handlers: Mapping[Key, Handler] | None = None, **settings: Any) -> Node:
    """A node's core over fresh fakes; `settings` override `Settings` fields."""
    # The fake clock stands still while a test's frames carry the times of a session's
    # hours: a day's tolerance keeps clock flags out of tests not about the clock
    # (tests/unit/test_clock_trust.py sets its own).
    values: dict[str, Any] = {
        "node": NODE,
        "call_timeout": 2.0,
        "clock_tolerance": 86_400.0,
        **settings,
    }
    config = Settings(**values)
    clock, log = FakeClock(), EventLog()
    writer, loader = FakeWriter(log), FakeLoader(log)
    transaction_ids, reservation_ids = IdSequence(), IdSequence(start=500)
    local_lists, directory = FakeLocalLists(), FakeDirectory()
    ports = Ports(
        clock=clock,
        writer=writer,
        loader=loader,
        transaction_ids=transaction_ids,
        reservation_ids=reservation_ids,
        local_lists=local_lists,
        directory=directory,
        keys=FakeKeys(),
    )
    core = compose(config, ports, data_transfer_handlers=data_transfer_handlers)
    return Node(
        config,
        clock,
        log,
        writer,
        loader,
        transaction_ids,
        reservation_ids,
        local_lists,
        directory,
        core,
    )
