"""Command routing between nodes: a REST call reaches any node, the command runs on the
node that holds the charge box's websocket (docs/adr/0013-command-routing.md).

Each node consumes its own queue `cs.commands.<node>` (exclusive: it goes away with the
node), bound to the durable direct exchange `cs.commands` with the node name as routing
key, and an exclusive reply queue. `forward()` publishes a request to the node named by
the read models as holding the box (mandatory: a node that is gone returns it at once)
and waits for the reply: the command as the owner left it, or the `CommandError` the
owner raised (by code). Messages carry `"v": 2` (v1 carried the owner's HTTP reply).

A request is acknowledged on receipt and never redelivered: a command to a charger must
not run twice because a node or the broker failed mid-way (at most once; the caller
sees 504 or 503 and the command, if it ran, is recorded on the owner).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
)
from aiormq.abc import DeliveredMessage

from cs.adapters.amqp.relay import masked_url
from cs.app.commands.calls import CommandRequest
from cs.app.commands.view import CommandView
from cs.app.errors import CommandError, NoReply, StationNotConnected, StationUnreachable

log = logging.getLogger(__name__)

EXCHANGE = "cs.commands"
QUEUE_PREFIX = "cs.commands."


VERSION = 2
Execute = Callable[[CommandRequest, bool], Awaitable[CommandView]]
Refresh = Callable[[str, str], None]


class RoutingUnavailableError(Exception):
    """This node has no working broker connection now."""


class CommandBus:
    """Sends commands to other nodes and runs the ones other nodes send here (`CommandRouter`).

    `execute(request, wait)` runs a command on this node's connection (the command use
    case's `run_here`). The bus connects in the background and reconnects by itself
    (also after a broker restart); while it is not connected, `forward` raises
    `StationUnreachable` and local commands are unaffected.
    """

    def __init__(
        self,
        *,
        amqp_url: str,
        node: str,
        execute: Execute,
        refresh: Refresh,
        connect_timeout: float = 10.0,
        retry_max: float = 10.0,
    ) -> None:
        self._amqp_url = amqp_url
        self.node = node
        self._execute = execute
        self._refresh = refresh
        self._connect_timeout = connect_timeout
        self._retry_max = retry_max
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._reply_queue: AbstractQueue | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._connector: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopping = False

    @property
    def ready(self) -> bool:
        """Whether requests can be forwarded and received now."""
        connection, channel = self._connection, self._channel
        return (
            self._ready.is_set()
            and connection is not None
            and not connection.is_closed
            and channel is not None
            and not channel.is_closed
        )

    def start(self) -> None:
        """Connect in the background (a broker that is down does not hold up the node)."""
        self._connector = asyncio.create_task(self._connect_until_done(), name="cs-command-bus")

    async def stop(self) -> None:
        """Stop consuming, fail the forwards still waiting, close the connection."""
        self._stopping = True
        if self._connector is not None:
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
        self._fail_pending("this node is stopping")
        for task in list(self._running):
            task.cancel()
        self._ready.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5.0)

    # -- sending ----------------------------------------------------------------------

    async def forward(
        self, node: str, request: CommandRequest, *, wait: bool, reply_within: float
    ) -> CommandView:
        """Run `request` on `node`: the command as that node left it, or its `CommandError`."""
        owner = node
        try:
            reply = await self._forward(owner, request, wait=wait, reply_within=reply_within)
        except RoutingUnavailableError as unavailable:
            raise StationUnreachable(
                f"charge box {request.charge_box_id!r} is connected to node {owner!r}, which "
                f"cannot be reached now: {unavailable}",
                node=owner,
            ) from None
        if "error" in reply:
            raise CommandError.from_dict(reply["error"])
        return CommandView.from_dict(reply["view"])

    async def _forward(
        self, owner: str, request: CommandRequest, *, wait: bool, reply_within: float
    ) -> dict[str, Any]:
        exchange, reply_queue = self._exchange, self._reply_queue
        if not self.ready or exchange is None or reply_queue is None:
            raise RoutingUnavailableError("this node is not connected to RabbitMQ now")
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            body = orjson.dumps({"v": VERSION, "request": request.as_dict(), "wait": wait})
            try:
                result = await exchange.publish(
                    aio_pika.Message(
                        body,
                        content_type="application/json",
                        correlation_id=correlation_id,
                        reply_to=reply_queue.name,
                        # A request nobody took within the timeout must not run later.
                        expiration=reply_within,
                        app_id="cs",
                    ),
                    routing_key=owner,
                    mandatory=True,
                )
            except Exception as error:  # the connection failed under the publish
                raise RoutingUnavailableError(f"could not publish: {error}") from None
            if isinstance(result, DeliveredMessage):  # returned: no queue for that node
                raise StationNotConnected(
                    f"charge box {request.charge_box_id!r} is not connected; "
                    f"node {owner!r} is not running",
                    charge_box_id=request.charge_box_id,
                    node=owner,
                )
            try:
                async with asyncio.timeout(reply_within):
                    return await future
            except TimeoutError:
                raise NoReply(
                    f"node {owner!r} did not reply within {reply_within:g} s", node=owner
                ) from None
        finally:
            self._pending.pop(correlation_id, None)

    async def refresh(self, node: str, tenant_id: str, charge_box_id: str) -> None:
        """Tell `node` to reload a charge box (this node changed it). Best effort."""
        owner = node
        exchange = self._exchange
        if not self.ready or exchange is None:
            return
        body = orjson.dumps({"refresh": {"tenant_id": tenant_id, "charge_box_id": charge_box_id}})
        try:
            await exchange.publish(
                aio_pika.Message(body, content_type="application/json", app_id="cs"),
                routing_key=owner,
            )
        except Exception as error:  # the holder's next write conflicts once instead
            log.warning("command routing: could not tell %s to reload %s: %s", owner, body, error)

    # -- receiving --------------------------------------------------------------------

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        # Acknowledged on receipt (no_ack): at most once, see the module docstring.
        if message.reply_to is None:  # a notice, not a request
            with contextlib.suppress(Exception):
                notice = orjson.loads(message.body)["refresh"]
                tenant_id, charge_box_id = str(notice["tenant_id"]), str(notice["charge_box_id"])
                self._refresh(tenant_id, charge_box_id)
                log.info(
                    "reloading charge box %s/%s: changed on another node", tenant_id, charge_box_id
                )
            return
        task = asyncio.create_task(self._serve(message))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _serve(self, message: AbstractIncomingMessage) -> None:
        reply: dict[str, Any]
        try:
            data = orjson.loads(message.body)
            request = CommandRequest.from_dict(data["request"])
            view = await self._execute(request, bool(data.get("wait", True)))
            reply = {"v": VERSION, "view": view.as_dict()}
        except asyncio.CancelledError:
            raise
        except CommandError as error:
            reply = {"v": VERSION, "error": error.as_dict()}
        except Exception as error:
            log.exception("forwarded command %s failed", message.correlation_id)
            reply = {"v": VERSION, "error": CommandError(f"internal error: {error}").as_dict()}
        channel = self._channel
        if channel is None or message.reply_to is None:
            return
        with contextlib.suppress(Exception):  # the requester may be gone; nothing to do
            await channel.default_exchange.publish(
                aio_pika.Message(
                    orjson.dumps(reply),
                    content_type="application/json",
                    correlation_id=message.correlation_id,
                    app_id="cs",
                ),
                routing_key=message.reply_to,
            )

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is None or future.done():
            return  # too late: the caller got 504 already
        try:
            future.set_result(orjson.loads(message.body))
        except orjson.JSONDecodeError as error:
            future.set_exception(RoutingUnavailableError(f"unreadable reply: {error}"))

    # -- connecting -------------------------------------------------------------------

    async def _connect_until_done(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                delay = min(self._retry_max, 0.5 * 2**attempt)
                attempt += 1
                log.warning(
                    "command routing: cannot connect to RabbitMQ at %s (%s); retrying in %.1fs "
                    "(commands for boxes on other nodes get 503 meanwhile)",
                    masked_url(self._amqp_url),
                    error,
                    delay,
                )
                if self._connection is not None:
                    with contextlib.suppress(Exception):
                        await self._connection.close()
                    self._connection = None
                await asyncio.sleep(delay)

    def _fail_pending(self, why: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(RoutingUnavailableError(why))
        self._pending.clear()

    def _on_lost(self, _sender: object, error: BaseException | None) -> None:
        """The broker connection closed: stop routing, reconnect (unless stopping).

        Not aio-pika's robust connection: after a broker restart it failed to restore
        its channel (aio-pika 10.2.1), leaving the node deaf; reconnecting from scratch
        declares everything anew (the relay does the same).
        """
        self._ready.clear()
        self._channel = self._exchange = self._reply_queue = None
        if self._stopping:
            return
        log.warning("command routing: lost RabbitMQ (%s); reconnecting", error)
        self._fail_pending("the connection to RabbitMQ was lost")
        if self._connector is None or self._connector.done():
            self.start()

    async def _connect(self) -> None:
        connection = await aio_pika.connect(
            self._amqp_url,
            timeout=self._connect_timeout,
            client_properties={"connection_name": f"cs commands {self.node}"},
        )
        self._connection = connection
        connection.close_callbacks.add(self._on_lost)
        channel = await connection.channel(publisher_confirms=True, on_return_raises=False)
        await channel.set_qos(prefetch_count=100)
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True
        )
        inbox = await channel.declare_queue(
            QUEUE_PREFIX + self.node, exclusive=True, auto_delete=True
        )
        await inbox.bind(exchange, routing_key=self.node)
        await inbox.consume(self._on_request, no_ack=True)
        replies = await channel.declare_queue(exclusive=True, auto_delete=True)
        await replies.consume(self._on_reply, no_ack=True)
        self._channel, self._exchange, self._reply_queue = channel, exchange, replies
        self._ready.set()
        log.info(
            "command routing: node %r takes commands for its charge boxes from other nodes "
            "(RabbitMQ at %s)",
            self.node,
            masked_url(self._amqp_url),
        )
