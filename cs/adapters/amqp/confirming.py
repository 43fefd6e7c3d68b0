"""A lean AMQP 0-9-1 publisher: one connection, one channel in confirm mode, nothing else.

The relay publishes every frame of every charge point: tens of thousands of messages a
second on a busy cluster. Through aio-pika each message cost ~150 µs of CPU (a Message
object, pamqp marshalling of three frames, a confirm future, a write, ~75 % of the
relay's time; docs/performance.md). Here a message is three frames packed with
`struct` into one buffer, a batch is one write, and confirms are one number: the highest
delivery tag the broker acknowledged. pamqp (aio-pika's own frame codec) is used only
for the handshake and for the rare frames that are not acks.

Promises: messages go out in `publish` order on one channel; `confirm` returns only
once the broker acknowledged every message published so far (RabbitMQ confirms a
persistent message once it is safely queued), and raises `PublishFailedError` on a nack,
a closed channel or connection, or no confirm in time; messages published `mandatory`
that no queue took are counted in `returned` (with their message ids) before their
confirm arrives, as RabbitMQ sends `basic.return` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote

from pamqp import commands, frame, header
from yarl import URL

FRAME_END = b"\xce"
METHOD, HEADER, BODY, HEARTBEAT = 1, 2, 3, 8
CHANNEL = 1
_FRAME = struct.Struct("!BHI")
_PUBLISH_START = struct.pack("!HHH", 60, 40, 0)  # Basic.Publish, reserved ticket
_ACK, _NACK, _RETURN = (60, 80), (60, 120), (60, 50)
_CLASS_METHOD = struct.Struct("!HH")
_TAG = struct.Struct("!Q")
_HEADER_START = struct.pack("!HH", 60, 0)  # class Basic, weight
_SIZE = struct.Struct("!Q")
# content-type, delivery-mode, message-id, timestamp, type, app-id (AMQP 0-9-1 4.2.6.1)
_PROPERTY_FLAGS = struct.pack(
    "!H", (1 << 15) | (1 << 12) | (1 << 7) | (1 << 6) | (1 << 5) | (1 << 3)
)
_HEARTBEAT = _FRAME.pack(HEARTBEAT, 0, 0) + FRAME_END


M = TypeVar("M")


class PublishFailedError(Exception):
    """The broker did not confirm what was published: nacked, closed, or silent."""


def properties(
    *, content_type: str, message_id: str, type: str, timestamp: datetime, app_id: str
) -> bytes:
    """Encoded basic properties of a persistent message (AMQP 0-9-1 section 4.2.6.1)."""
    return b"".join(
        (
            _PROPERTY_FLAGS,
            _shortstr(content_type),
            b"\x02",  # delivery-mode 2: persistent
            _shortstr(message_id),
            _SIZE.pack(int(timestamp.timestamp())),  # AMQP timestamps are whole seconds
            _shortstr(type),
            _shortstr(app_id),
        )
    )


@dataclass
class _Confirms:
    """What the broker said about our deliveries so far."""

    published: int = 0  # the last delivery tag handed out
    acked: int = 0  # every tag up to this one is confirmed
    singles: set[int] = field(default_factory=set)  # tags confirmed alone, beyond `acked`
    returned: list[str] = field(default_factory=list)  # message ids of returned messages
    failure: str | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def ack(self, tag: int, multiple: bool) -> None:
        """AMQP 0-9-1 confirms may come alone or for every tag up to one, in any order."""
        if multiple:
            self.acked = max(self.acked, tag)
            self.singles = {t for t in self.singles if t > self.acked}
        else:
            self.singles.add(tag)
        while self.acked + 1 in self.singles:
            self.acked += 1
            self.singles.discard(self.acked)
        self.changed.set()


class ConfirmingChannel:
    """One AMQP connection with one channel in confirm mode, for publishing only."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        frame_max: int,
        heartbeat: int,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._frame_max = frame_max
        # A broker that sends nothing for two heartbeats is gone (AMQP 0-9-1 4.2.7).
        self._silence = 2.0 * heartbeat if heartbeat else None
        self._buffer: list[bytes] = []
        self._confirms = _Confirms()
        self._closed = False
        self._listener: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        connection_name: str,
        exchanges: Sequence[str] = (),
        connect_within: float = 10.0,
    ) -> ConfirmingChannel:
        """Connect, authenticate, open channel 1 in confirm mode, declare `exchanges`.

        Each is a durable direct exchange: declaring an identical existing one is a
        no-op, a different one fails (`PublishFailedError`), loudly, as it should.
        """
        target = URL(url)
        secure = target.scheme == "amqps"
        context = ssl.create_default_context() if secure else None
        port = target.port or (5671 if secure else 5672)
        async with asyncio.timeout(connect_within):
            reader, writer = await asyncio.open_connection(target.host, port, ssl=context)
            try:
                return await cls._handshake(reader, writer, target, connection_name, exchanges)
            except BaseException:
                writer.close()
                raise

    @classmethod
    async def _handshake(
        cls,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        target: URL,
        connection_name: str,
        exchanges: Sequence[str],
    ) -> ConfirmingChannel:
        writer.write(b"AMQP\x00\x00\x09\x01")
        await _expect(reader, commands.Connection.Start)
        user, password = unquote(target.user or "guest"), unquote(target.password or "guest")
        properties: dict[str, Any] = {"connection_name": connection_name, "product": "cs relay"}
        _send(writer, 0, commands.Connection.StartOk(properties, "PLAIN", f"\0{user}\0{password}"))
        tune = await _expect(reader, commands.Connection.Tune)
        frame_max = tune.frame_max or 131_072
        heartbeat = tune.heartbeat or 0
        _send(writer, 0, commands.Connection.TuneOk(tune.channel_max, frame_max, heartbeat))
        vhost = unquote(target.path[1:]) if len(target.path) > 1 else "/"
        _send(writer, 0, commands.Connection.Open(virtual_host=vhost))
        await _expect(reader, commands.Connection.OpenOk)
        _send(writer, CHANNEL, commands.Channel.Open())
        await _expect(reader, commands.Channel.OpenOk)
        _send(writer, CHANNEL, commands.Confirm.Select())
        await _expect(reader, commands.Confirm.SelectOk)
        for name in exchanges:
            declare = commands.Exchange.Declare(exchange=name, exchange_type="direct", durable=True)
            _send(writer, CHANNEL, declare)
            await _expect(reader, commands.Exchange.DeclareOk)
        channel = cls(reader, writer, frame_max, heartbeat)
        channel._start(heartbeat)
        return channel

    @property
    def closed(self) -> bool:
        return self._closed or self._confirms.failure is not None

    def publish(
        self, exchange: str, routing_key: str, body: bytes, properties: bytes, *, mandatory: bool
    ) -> None:
        """Queue one message (sent with the next `confirm`); `properties` from `properties()`."""
        method = b"".join(
            (
                _PUBLISH_START,
                _shortstr(exchange),
                _shortstr(routing_key),
                b"\x01" if mandatory else b"\x00",
            )
        )
        content_header = b"".join((_HEADER_START, _SIZE.pack(len(body)), properties))
        buffer = self._buffer
        buffer.append(_frame(METHOD, method))
        buffer.append(_frame(HEADER, content_header))
        limit = self._frame_max - 8
        for start in range(0, len(body), limit):  # an empty body has no body frame
            buffer.append(_frame(BODY, body[start : start + limit]))
        self._confirms.published += 1

    async def confirm(self, within: float) -> list[str]:
        """Send what was published and wait for all of it to be confirmed; the message ids
        the broker returned as unroutable since the last call."""
        confirms = self._confirms
        if confirms.failure is None and self._buffer:
            self._writer.write(b"".join(self._buffer))
            self._buffer.clear()
            await self._writer.drain()
        async with asyncio.timeout(within):
            while confirms.acked < confirms.published:
                if confirms.failure is not None:
                    raise PublishFailedError(confirms.failure)
                confirms.changed.clear()
                await confirms.changed.wait()
        if confirms.failure is not None:
            raise PublishFailedError(confirms.failure)
        returned, confirms.returned = confirms.returned, []
        return returned

    async def close(self) -> None:
        """Close the connection (politely if it still works)."""
        if self._closed:
            return
        self._closed = True
        for task in (self._listener, self._heartbeat):
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            if self._confirms.failure is None:
                _send(self._writer, 0, commands.Connection.Close(200, "relay stopping", 0, 0))
                await asyncio.wait_for(self._writer.drain(), 2.0)
        self._writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.wait_closed(), 2.0)

    # -- incoming -----------------------------------------------------------------------

    def _start(self, heartbeat: int) -> None:
        self._listener = asyncio.create_task(self._listen())
        if heartbeat:
            self._heartbeat = asyncio.create_task(self._beat(heartbeat))

    async def _listen(self) -> None:
        confirms = self._confirms
        try:
            while True:
                async with asyncio.timeout(self._silence):
                    kind, _channel, payload = await _read_frame(self._reader)
                if kind == METHOD:
                    await self._on_method(payload)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the connection is gone: nothing more will be confirmed
            confirms.failure = confirms.failure or f"connection lost: {error!r}"
        confirms.changed.set()

    async def _on_method(self, payload: bytes) -> None:
        confirms = self._confirms
        class_method = _CLASS_METHOD.unpack_from(payload)
        if class_method == _ACK:
            confirms.ack(_TAG.unpack_from(payload, 4)[0], bool(payload[12] & 1))
        elif class_method == _NACK:
            confirms.failure = f"the broker refused delivery {_TAG.unpack_from(payload, 4)[0]}"
            confirms.changed.set()
        elif class_method == _RETURN:
            confirms.returned.append(await self._returned_id())
        else:
            self._on_other(frame.unmarshal(_frame(METHOD, payload))[2])

    async def _returned_id(self) -> str:
        """A returned message's content follows its `basic.return`: its message id."""
        kind, _, payload = await _read_frame(self._reader)
        content = frame.unmarshal(_frame(kind, payload))[2]
        remaining = content.body_size if isinstance(content, header.ContentHeader) else 0
        while remaining > 0:
            remaining -= len((await _read_frame(self._reader))[2])
        properties = content.properties if isinstance(content, header.ContentHeader) else None
        return str(getattr(properties, "message_id", None) or "?")

    def _on_other(self, method: object) -> None:
        if isinstance(method, commands.Connection.Close | commands.Channel.Close):
            self._confirms.failure = (
                f"closed by the broker: {method.reply_code} {method.reply_text}"
            )
            self._confirms.changed.set()

    async def _beat(self, heartbeat: int) -> None:
        while True:
            await asyncio.sleep(heartbeat / 2)
            self._writer.write(_HEARTBEAT)


# -- frames ---------------------------------------------------------------------------------


def _shortstr(value: str) -> bytes:
    data = value.encode()
    if len(data) > 255:
        raise ValueError(f"AMQP short string longer than 255 bytes: {value[:40]!r}...")
    return bytes((len(data),)) + data


def _frame(kind: int, payload: bytes) -> bytes:
    return b"".join((_FRAME.pack(kind, CHANNEL, len(payload)), payload, FRAME_END))


def _send(writer: asyncio.StreamWriter, channel: int, value: object) -> None:
    writer.write(frame.marshal(value, channel))  # type: ignore[arg-type]


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, int, bytes]:
    kind, channel, size = _FRAME.unpack(await reader.readexactly(7))
    payload = await reader.readexactly(size + 1)
    if payload[-1:] != FRAME_END:
        raise PublishFailedError("malformed frame from the broker")
    return kind, channel, payload[:-1]


async def _expect(reader: asyncio.StreamReader, kind: type[M]) -> M:
    """The next method frame, which must be `kind` (heartbeats in between are skipped)."""
    while True:
        frame_type, _channel, payload = await _read_frame(reader)
        if frame_type == HEARTBEAT:
            continue
        method = frame.unmarshal(_frame(frame_type, payload))[2]
        if isinstance(method, kind):
            return method
        if isinstance(method, commands.Connection.Close | commands.Channel.Close):
            raise PublishFailedError(
                f"refused by the broker: {method.reply_code} {method.reply_text}"
            )
        raise PublishFailedError(f"unexpected {type(method).__name__} from the broker")
