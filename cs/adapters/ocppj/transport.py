"""A station's websocket as frames: `recv` and `send` text, over aiohttp (or a fake in tests)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import WebSocketError, WSCloseCode, WSMsgType, web


class Transport(Protocol):
    """What a connection needs of its socket."""

    async def recv(self) -> str:
        """The next text frame; raises TransportClosedError or RejectedFrameError."""
        ...

    async def send(self, text: str) -> None: ...

    def backlogged(self) -> bool:
        """Whether another frame has already arrived behind the one just read."""
        ...


class TransportClosedError(Exception):
    """The websocket is closed (or failed); `code` is the close code when known."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class RejectedFrameError(Exception):
    """A frame refused unread: binary (OCPP-J uses text frames only) or over the size limit.

    `close_code` is what the connection is closed with: 1003 (unsupported data) for
    binary, 1009 (message too big) for size.
    """

    def __init__(self, kind: str, size: int | None, close_code: int, excerpt: str = "") -> None:
        super().__init__(f"{kind} frame" + (f" of {size} bytes" if size is not None else ""))
        self.kind = kind
        self.size = size
        self.close_code = close_code
        self.excerpt = excerpt


class WebSocketTransport:
    """A `Transport` over an aiohttp `WebSocketResponse`."""

    __slots__ = ("_ws",)

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws

    async def recv(self) -> str:
        message = await self._ws.receive()
        if message.type is WSMsgType.TEXT:
            text: str = message.data
            return text
        if message.type is WSMsgType.BINARY:
            data: bytes = message.data
            raise RejectedFrameError("binary", len(data), 1003, data[:64].hex())
        if message.type is WSMsgType.ERROR:
            error = message.data
            if isinstance(error, WebSocketError) and error.code == WSCloseCode.MESSAGE_TOO_BIG:
                raise RejectedFrameError("oversize", None, 1009, str(error)[:200])
            raise TransportClosedError(self._ws.close_code, f"websocket error: {error}")
        raise TransportClosedError(self._ws.close_code, "closed by the charge point")

    def backlogged(self) -> bool:
        """Whether another frame has already arrived behind the one just read.

        A charge box that waits for each answer before its next CALL (OCPP-J 1.6 §4.1.1)
        has none; one that pipelines frames has. aiohttp keeps received frames in its
        reader's buffer and offers no public way to look; should that change, we assume
        a backlog (the older, stricter flood rule) rather than fail.
        """
        buffer = getattr(getattr(self._ws, "_reader", None), "_buffer", None)
        return True if buffer is None else bool(buffer)

    async def send(self, text: str) -> None:
        await self._ws.send_str(text)

    @property
    def closed(self) -> bool:
        return self._ws.closed
