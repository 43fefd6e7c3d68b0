"""A loopback TCP proxy for fault tests: forwards to a target, and cuts on demand.

Cutting aborts both sides of every open link (an RST, as when a network path or a
load balancer drops a connection) while the proxy keeps listening, so a client that
reconnects gets through again. `cut_after_upstream` cuts automatically once the
client has sent that many more bytes: for a publisher, in the middle of its publishes.
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards `127.0.0.1:port` to `target_host:target_port`, one upstream per client."""

    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1", port: int = 0):
        if target_host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the test proxy only forwards to loopback")
        self.target = (target_host, target_port)
        self.port = port
        self.upstream_bytes = 0  # client -> target, all links
        self.accepted = 0
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cut_at: int | None = None
        self.cut_done = asyncio.Event()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def cut(self) -> int:
        """Abort every open link now; return how many were cut. New clients still get in."""
        links = list(self._links)
        for client, upstream in links:
            for writer in (client, upstream):
                writer.transport.abort()
        self._links.clear()
        self.cuts += 1
        self.cut_done.set()
        return len(links)

    def cut_after_upstream(self, more_bytes: int) -> None:
        """Cut every link once the clients have sent `more_bytes` more bytes upstream."""
        self.cut_done.clear()
        self._cut_at = self.upstream_bytes + more_bytes

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def __aenter__(self) -> TcpProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self._links.add(link)
        tasks = [
            asyncio.create_task(self._pump(reader, up_writer, upstream=True)),
            asyncio.create_task(self._pump(up_reader, writer, upstream=False)),
        ]
        self._tasks.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            self._tasks.difference_update(tasks)
            self._links.discard(link)
            for w in link:
                w.transport.abort()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if upstream:
                    self.upstream_bytes += len(data)
                    if self._cut_at is not None and self.upstream_bytes >= self._cut_at:
                        self._cut_at = None
                        self.cut()  # this chunk never arrives: the cut lands inside a batch
                        return
                writer.write(data)
                await writer.drain()
