"""A charge point built on the `ocpp` library, as a real charger vendor would build one.

Speaks OCPP 1.6 (`ocpp.v16.ChargePoint`) or, given another class such as
`ocpp.v201.ChargePoint` (or a subclass with `@on` handlers), that version.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
from ocpp.charge_point import ChargePoint as AnyChargePoint
from ocpp.v16 import ChargePoint


def basic(user: str, password: str) -> dict[str, str]:
    """The HTTP Basic header a station sends (OCPP 1.6 Security Whitepaper profile 1)."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


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

    def __init__(
        self,
        base_url: str,
        charge_box_id: str,
        *,
        kind: type[AnyChargePoint] = ChargePoint,
        protocols: tuple[str, ...] = ("ocpp1.6",),
        password: str | None = None,
    ) -> None:
        self.url = f"{base_url}/ocpp/{charge_box_id}"
        self.charge_box_id = charge_box_id
        self.kind = kind
        self.protocols = protocols
        self.password = password  # HTTP Basic (security profiles 1 and 2)
        self.protocol: str | None = None  # what the server chose
        self.session: aiohttp.ClientSession | None = None
        self.cp: Any = None
        self._task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> Any:
        self.session = aiohttp.ClientSession()
        headers = {} if self.password is None else basic(self.charge_box_id, self.password)
        ws = await self.session.ws_connect(self.url, protocols=self.protocols, headers=headers)
        self.protocol = ws.protocol
        self.cp = self.kind(self.charge_box_id, AiohttpClientConnection(ws), response_timeout=10)
        self._task = asyncio.create_task(self.cp.start())
        return self.cp

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.cp is not None:
            await self.cp._connection.ws.close()
        if self.session is not None:
            await self.session.close()
