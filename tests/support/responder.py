"""A charge point for command tests: answers the central system's CALLs as told."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Answer:
    """How to answer a CALL: a result, a CALLERROR, or nothing; after `delay` seconds."""

    result: dict[str, Any] | None = None
    error: tuple[str, str] | None = None
    silent: bool = False
    delay: float = 0.0


Rule = Callable[[dict[str, Any]], Answer]


@dataclass
class Responder:
    """A websocket charge point whose answers tests choose per action."""

    session: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse
    rules: dict[str, Rule] = field(default_factory=dict)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    outstanding: int = 0
    max_outstanding: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _replies: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    async def connect(cls, base_url: str, charge_box_id: str) -> Responder:
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(f"{base_url}/ocpp/{charge_box_id}", protocols=("ocpp1.6",))
        responder = cls(session, ws)
        responder._reader = asyncio.create_task(responder._read())
        return responder

    def answer(self, action: str, rule: Rule | Answer) -> None:
        self.rules[action] = rule if callable(rule) else (lambda _payload, a=rule: a)

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send our own CALL (e.g. StartTransaction) while commands flow."""
        unique_id = f"cp-{next(self._ids)}"
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._replies[unique_id] = future
        await self.ws.send_str(json.dumps([2, unique_id, action, payload]))
        return await asyncio.wait_for(future, 10)

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            if frame[0] == 2:
                self.outstanding += 1
                self.max_outstanding = max(self.max_outstanding, self.outstanding)
                self.received.append((frame[2], frame[3]))
                task = asyncio.create_task(self._respond(frame))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif frame[0] in (3, 4) and frame[1] in self._replies:
                self._replies.pop(frame[1]).set_result(frame)

    async def _respond(self, frame: list[Any]) -> None:
        _, unique_id, action, payload = frame
        rule = self.rules.get(action, lambda _p: Answer(result={"status": "Accepted"}))
        answer = rule(payload)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.silent:
            return  # never answered: it stays outstanding for the central system
        if answer.error is not None:
            reply: list[Any] = [4, unique_id, answer.error[0], answer.error[1], {}]
        else:
            reply = [3, unique_id, answer.result if answer.result is not None else {}]
        self.outstanding -= 1
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(json.dumps(reply))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if not self.ws.closed:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.session.close()

    async def __aenter__(self) -> Responder:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
