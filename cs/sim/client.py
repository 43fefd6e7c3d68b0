"""One simulated charge point: a websocket, one outstanding CALL, answers to commands."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

from cs.sim.acklog import AckLog
from cs.sim.commands import answer
from cs.sim.stats import Stats


class CallFailedError(Exception):
    """The central system answered a CALLERROR."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code


class SimulatedChargePoint:
    """Sends CALLs (one at a time, as OCPP-J requires) and answers the central system's.

    `subprotocol` is the OCPP version offered (`ocpp1.6` or `ocpp2.0.1`);
    `on_command(action, payload)` is told about every call received, after it is answered;
    `ack_log`, if given, gets a line for every CALL of ours that was answered.
    """

    def __init__(
        self,
        url: str,
        charge_box_id: str,
        stats: Stats,
        *,
        call_timeout: float = 30.0,
        on_command: Callable[[str, dict[str, Any]], None] | None = None,
        ack_log: AckLog | None = None,
        subprotocol: str = "ocpp1.6",
    ) -> None:
        self.url = url
        self.charge_box_id = charge_box_id
        self.stats = stats
        self.call_timeout = call_timeout
        self.on_command = on_command
        self.ack_log = ack_log
        self.subprotocol = subprotocol
        self.config: dict[str, str] = {"HeartbeatInterval": "60", "NumberOfConnectors": "2"}
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def connect(self, session: aiohttp.ClientSession) -> None:
        started = time.perf_counter()
        if self.stats.first_connect_at is None:
            self.stats.first_connect_at = started
        self.ws = await session.ws_connect(
            self.url,
            protocols=(self.subprotocol,),
            autoping=True,
            heartbeat=None,
            max_msg_size=1 << 20,
        )
        self.stats.last_connect_at = time.perf_counter()
        self.stats.connect_latencies.append(self.stats.last_connect_at - started)
        self.stats.connected += 1
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def call(
        self, action: str, payload: dict[str, Any], *, since: float | None = None
    ) -> dict[str, Any]:
        """Send a CALL and wait for its answer; latency counts from `since` if given.

        Measuring from the intended send time (not the actual one) keeps a slow server
        from hiding its delay in the simulator's own waiting (coordinated omission).
        """
        return await self.send_frame(
            action, [2, str(next(self._ids)), action, payload], since=since
        )

    async def send_frame(
        self, action: str, frame: list[Any] | str, *, since: float | None = None
    ) -> dict[str, Any]:
        if self.ws is None or self.ws.closed:
            raise ConnectionError("not connected")
        unique_id = str(frame[1]) if isinstance(frame, list) else ""
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = future
        start = since if since is not None else time.perf_counter()
        text = frame if isinstance(frame, str) else orjson.dumps(frame).decode()
        self.stats.sent += 1
        try:
            await self.ws.send_str(text)
            reply = await asyncio.wait_for(future, self.call_timeout)
        except TimeoutError:
            self.stats.timeouts += 1
            raise
        finally:
            self._pending.pop(unique_id, None)
        self.stats.record(action, time.perf_counter() - start)
        if self.ack_log is not None:
            self.ack_log.record(self.charge_box_id, unique_id, action, reply)
        if reply[0] == 4:
            self.stats.call_errors[str(reply[2])] += 1
            raise CallFailedError(str(reply[2]), str(reply[3]))
        result: dict[str, Any] = reply[2]
        return result

    async def send_raw(self, text: str) -> None:
        """Send anything, expecting nothing (for frames that must be ignored)."""
        if self.ws is not None and not self.ws.closed:
            self.stats.sent += 1
            await self.ws.send_str(text)

    async def _read(self) -> None:
        if self.ws is None:
            return
        async for message in self.ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            try:
                frame = orjson.loads(message.data)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(frame, list) or len(frame) < 3:
                continue
            if frame[0] in (3, 4):
                future = self._pending.get(str(frame[1]))
                if future is not None and not future.done():
                    future.set_result(frame)
            elif frame[0] == 2 and len(frame) == 4:
                await self._answer_command(frame)
        self.stats.disconnects += 1
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("connection closed"))

    async def _answer_command(self, frame: list[Any]) -> None:
        _, unique_id, action, payload = frame
        result = answer(str(action), payload if isinstance(payload, dict) else {}, self.config)
        if result is None:
            reply: list[Any] = [4, unique_id, "NotImplemented", f"{action} is not known", {}]
        else:
            reply = [3, unique_id, result]
        if self.ws is None:
            return
        await self.ws.send_str(orjson.dumps(reply).decode())
        self.stats.commands_answered += 1
        if self.on_command is not None:
            self.on_command(str(action), payload)
