"""The live station connections of this node, one per station, in whichever version each speaks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any
from uuid import uuid4

from aiohttp import web

from cs.adapters.ocppj.connection import ConnectionSettings, StationConnection
from cs.adapters.ocppj.dialect import Dialect
from cs.adapters.ocppj.throttle import FloodError
from cs.adapters.ocppj.transport import RejectedFrameError, TransportClosedError, WebSocketTransport
from cs.adapters.ocppj.wire import SessionEndedError
from cs.app.ports import Clock
from cs.app.recorder import Recorder
from cs.app.stations.connections import ConnectionRequest, ConnectionService

log = logging.getLogger(__name__)

Key = tuple[str, str]


class StationHub:
    """Opens, serves, replaces and closes station connections; the node's `StationLinks`.

    Promises: at most one live connection per (tenant, station) on this node, the
    newest; the opening and the closing of every connection are recorded, the opening
    before the handshake completes (so a store that is down refuses the connection).
    """

    def __init__(
        self,
        *,
        dialects: Sequence[Dialect],
        connections: ConnectionService,
        recorder: Recorder,
        clock: Clock,
        node: str,
        settings: ConnectionSettings,
    ) -> None:
        self._dialects: Mapping[str, Dialect] = {d.subprotocol: d for d in dialects}
        self._connections = connections
        self._recorder = recorder
        self._clock = clock
        self._node = node
        self._settings = settings
        self._live: dict[Key, StationConnection] = {}
        self._sockets: dict[StationConnection, web.WebSocketResponse] = {}
        self._serving: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def subprotocols(self) -> tuple[str, ...]:
        """The OCPP-J subprotocols this node speaks, most preferred first."""
        return tuple(self._dialects)

    def dialect(self, subprotocol: str) -> Dialect:
        """The dialect served for `subprotocol` (KeyError if we do not speak it)."""
        return self._dialects[subprotocol]

    def __len__(self) -> int:
        return len(self._live)

    def get(self, tenant_id: str, charge_box_id: str) -> StationConnection | None:
        return self._live.get((tenant_id, charge_box_id))

    def link(self, tenant_id: str, charge_box_id: str) -> StationConnection | None:
        """The station's live connection on this node (`StationLinks`)."""
        return self.get(tenant_id, charge_box_id)

    async def open(
        self,
        ws: web.WebSocketResponse,
        *,
        tenant_id: str,
        charge_box_id: str,
        remote_address: str | None,
        subprotocol: str,
        security_profile: int = 0,
    ) -> StationConnection:
        """Record the new connection; raises CommitFailedError if it cannot be stored."""
        request = ConnectionRequest(
            connection_id=uuid4(),
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            remote_address=remote_address,
            subprotocol=subprotocol,
            node=self._node,
            security_profile=security_profile,
        )
        connection = await self._connections.open(request)
        live = StationConnection(
            transport=WebSocketTransport(ws),
            connection=connection,
            dialect=self._dialects[subprotocol],
            recorder=self._recorder,
            clock=self._clock,
            settings=self._settings,
        )
        self._sockets[live] = ws
        return live

    async def serve(self, live: StationConnection) -> None:
        """Serve `live` until its socket closes, replacing any older connection first."""
        task = asyncio.current_task()
        if task is not None:
            self._serving.add(task)
        key = (live.tenant_id, live.charge_box_id)
        older = self._live.get(key)
        self._live[key] = live
        if older is not None:
            # In the background: the newer connection is served while the older closes.
            self._background(self._close_socket(older, 1000, "replaced by a newer connection"))
        code, reason = await _served(live)
        if self._live.get(key) is live:
            del self._live[key]
        if live.close_as is not None:
            code, reason = live.close_as
        # Its own task, awaited shielded: a handler cancelled now (aiohttp may cancel one
        # whose client went away) still aborts its commands and records its close.
        ending = self._background(self._end(live, code, reason))
        try:
            await asyncio.shield(ending)
        finally:
            if task is not None:
                self._serving.discard(task)

    def _background(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return task

    async def _end(self, live: StationConnection, code: int | None, reason: str) -> None:
        ws = self._sockets.get(live)
        await self._close_socket(live, code or 1000, reason)
        await live.abort_commands(f"charge box disconnected ({reason})")
        await self._record_closed(live, code if code is not None else _close_code(ws), reason)
        self._sockets.pop(live, None)

    async def abandon(self, live: StationConnection, reason: str) -> None:
        """Record the end of a connection that never started serving."""
        await self._record_closed(live, None, reason)
        self._sockets.pop(live, None)

    async def close_all(self, code: int = 1001, reason: str = "server shutting down") -> None:
        """Close every connection and wait until each closing is recorded."""
        for live in list(self._live.values()):
            await self._close_socket(live, code, reason)
        pending = [task for task in (*self._serving, *self._closing) if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=10)

    async def _close_socket(self, live: StationConnection, code: int, reason: str) -> None:
        if live.close_as is None:
            live.close_as = (code, reason)
        ws = self._sockets.get(live)
        if ws is not None and not ws.closed:
            try:
                await ws.close(code=code, message=reason.encode()[:120])
            except Exception as error:  # the peer may be gone already
                log.debug("%s: close failed: %s", live.charge_box_id, error)

    async def _record_closed(self, live: StationConnection, code: int | None, reason: str) -> None:
        if not live.connection.usable:
            log.warning(
                "%s: connection record failed earlier; close not recorded", live.charge_box_id
            )
            return
        try:
            await self._connections.close(live.connection, code=code, reason=reason)
        except Exception as failure:  # CommitFailedError: the store is away
            log.error("%s: close not recorded: %s", live.charge_box_id, failure)


async def _served(live: StationConnection) -> tuple[int | None, str]:
    """Serve until the connection ends: (close code, reason) of how it ended."""
    try:
        await live.serve()
    except TransportClosedError as closed:
        return closed.code, closed.reason
    except RejectedFrameError as rejected:
        if rejected.kind == "binary":
            return rejected.close_code, f"OCPP-J allows text frames only ({rejected})"
        return rejected.close_code, "frame larger than this central system accepts"
    except SessionEndedError as ended:
        return 1011, f"could not record a message: {ended}"
    except FloodError as flood:
        log.warning("disconnecting %s/%s: %s", live.tenant_id, live.charge_box_id, flood)
        return flood.close_code, f"message rate exceeded: {flood}"
    except asyncio.CancelledError:
        return 1001, "server shutting down"
    return None, "closed by the charge point"


def _close_code(ws: web.WebSocketResponse | None) -> int | None:
    return ws.close_code if ws is not None else None
