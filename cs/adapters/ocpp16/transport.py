"""The connection object the `ocpp` library needs (`recv`/`send`) over aiohttp's websocket."""

from __future__ import annotations

from aiohttp import WSMsgType, web


class TransportClosedError(Exception):
    """The websocket is closed (or failed); `code` is the close code when known."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class UnsupportedFrameError(Exception):
    """A frame OCPP-J does not allow (binary); OCPP-J uses text frames only."""

    def __init__(self, size: int) -> None:
        super().__init__(f"binary frame of {size} bytes")
        self.size = size


class WebSocketTransport:
    """Wraps an aiohttp `WebSocketResponse` with the `recv`/`send` pair of the library."""

    __slots__ = ("_ws",)

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws

    async def recv(self) -> str:
        message = await self._ws.receive()
        if message.type is WSMsgType.TEXT:
            text: str = message.data
            return text
        if message.type is WSMsgType.BINARY:
            raise UnsupportedFrameError(len(message.data))
        if message.type is WSMsgType.ERROR:
            raise TransportClosedError(self._ws.close_code, f"websocket error: {message.data}")
        raise TransportClosedError(self._ws.close_code, "closed by the charge point")

    async def send(self, text: str) -> None:
        await self._ws.send_str(text)

    @property
    def closed(self) -> bool:
        return self._ws.closed
