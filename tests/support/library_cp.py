"""A charge point built on the `ocpp` library, as a real charger vendor would build one."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from ocpp.v16 import ChargePoint


class AiohttpClientConnection:
    """The `recv`/`send` pair the library needs, over an aiohttp client websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def recv(self) -> str:
        message = await self.ws.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"websocket closed: {message.type}")
        text: str = message.data
        return text

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)


class LibraryChargePoint:
    """Connects, runs the library's receive loop in a task, and closes cleanly."""

    def __init__(self, base_url: str, charge_box_id: str) -> None:
        self.url = f"{base_url}/ocpp/{charge_box_id}"
        self.charge_box_id = charge_box_id
        self.session: aiohttp.ClientSession | None = None
        self.cp: ChargePoint | None = None
        self._task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> ChargePoint:
        self.session = aiohttp.ClientSession()
        ws = await self.session.ws_connect(self.url, protocols=("ocpp1.6",))
        self.cp = ChargePoint(self.charge_box_id, AiohttpClientConnection(ws), response_timeout=10)
        self._task = asyncio.create_task(self.cp.start())
        return self.cp

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.cp is not None:
            await self.cp._connection.ws.close()
        if self.session is not None:
            await self.session.close()
