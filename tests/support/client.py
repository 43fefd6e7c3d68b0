"""A minimal OCPP-J 1.6 charge point for tests: raw frames over a real websocket."""

from __future__ import annotations

import itertools
import json
from typing import Any

import aiohttp


class TestChargePoint:
    """Sends CALLs and reads frames exactly as they come off the wire."""

    __test__ = False  # not a pytest test class

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self.session = session
        self.ws = ws
        self._ids = itertools.count(1)

    @classmethod
    async def connect(
        cls,
        base_url: str,
        charge_box_id: str,
        *,
        tenant_id: str | None = None,
        protocols: tuple[str, ...] = ("ocpp1.6",),
    ) -> TestChargePoint:
        session = aiohttp.ClientSession()
        path = f"/ws/{tenant_id}/{charge_box_id}" if tenant_id else f"/ocpp/{charge_box_id}"
        try:
            ws = await session.ws_connect(base_url + path, protocols=protocols, autoping=True)
        except BaseException:
            await session.close()
            raise
        return cls(session, ws)

    async def call(
        self, action: str, payload: dict[str, Any], *, unique_id: str | None = None
    ) -> list[Any]:
        """Send a CALL and return the frame that answers it (CALLRESULT or CALLERROR)."""
        unique_id = unique_id or str(next(self._ids))
        await self.ws.send_str(json.dumps([2, unique_id, action, payload]))
        return await self.receive()

    async def send_raw(self, text: str) -> None:
        await self.ws.send_str(text)

    async def receive(self, timeout: float = 10.0) -> list[Any]:
        message = await self.ws.receive(timeout=timeout)
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"expected a text frame, got {message.type}: {message.data!r}")
        frame: list[Any] = json.loads(message.data)
        return frame

    async def close(self) -> None:
        if not self.ws.closed:
            await self.ws.close()
        await self.session.close()

    async def __aenter__(self) -> TestChargePoint:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
