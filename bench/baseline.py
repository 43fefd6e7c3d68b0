"""The baseline: a plain in-memory central system on the `ocpp` library, as its docs show.

Default library settings (schema validation on, in the thread pool), no database, no
event log: what a typical central system built on `ocpp` does per message. Served over
aiohttp like ours (the same transport), or with `--server websockets` over the
`websockets` library, as the `ocpp` library's own examples do (the reference issue 14
measured against).

    python -m bench.baseline --port 9000 [--server websockets]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

_transaction_ids = itertools.count(1)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Connection:
    """`recv`/`send` for the library over an aiohttp websocket."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def recv(self) -> str:
        message = await self.ws.receive()
        if message.type is not WSMsgType.TEXT:
            raise ConnectionError("closed")
        text: str = message.data
        return text

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)


class BaselineChargePoint(ChargePoint):  # type: ignore[misc]
    """Keeps what it learns in memory only."""

    sessions: dict[int, dict[str, Any]] = {}

    @on(Action.boot_notification)  # type: ignore[untyped-decorator]
    def on_boot(self, charge_point_vendor: str, charge_point_model: str, **_: Any) -> Any:
        return call_result.BootNotification(
            current_time=_now(), interval=60, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)  # type: ignore[untyped-decorator]
    def on_heartbeat(self, **_: Any) -> Any:
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)  # type: ignore[untyped-decorator]
    def on_status(self, **_: Any) -> Any:
        return call_result.StatusNotification()

    @on(Action.authorize)  # type: ignore[untyped-decorator]
    def on_authorize(self, id_tag: str, **_: Any) -> Any:
        return call_result.Authorize(id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action.start_transaction)  # type: ignore[untyped-decorator]
    def on_start(self, connector_id: int, id_tag: str, meter_start: int, **_: Any) -> Any:
        transaction_id = next(_transaction_ids)
        self.sessions[transaction_id] = {"box": self.id, "meter_start": meter_start}
        return call_result.StartTransaction(
            transaction_id=transaction_id, id_tag_info={"status": AuthorizationStatus.accepted}
        )

    @on(Action.meter_values)  # type: ignore[untyped-decorator]
    def on_meter_values(self, **_: Any) -> Any:
        return call_result.MeterValues()

    @on(Action.stop_transaction)  # type: ignore[untyped-decorator]
    def on_stop(self, transaction_id: int, meter_stop: int, **_: Any) -> Any:
        self.sessions.pop(transaction_id, None)
        return call_result.StopTransaction()


async def websocket(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=("ocpp1.6",))
    await ws.prepare(request)
    cp = BaselineChargePoint(request.match_info["charge_box_id"], Connection(ws))
    with contextlib.suppress(ConnectionError):
        await cp.start()
    return ws


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "connections": 0})


async def _serve_websockets(port: int) -> None:
    """The `ocpp` library's example server: `websockets`, one ChargePoint per connection."""
    import asyncio
    from http import HTTPStatus

    from websockets.asyncio.server import ServerConnection, serve
    from websockets.http11 import Request, Response

    async def handler(connection: ServerConnection) -> None:
        charge_box_id = (connection.request.path if connection.request else "/x").rsplit("/")[-1]
        with contextlib.suppress(Exception):  # the charge point went away
            await BaselineChargePoint(charge_box_id, connection).start()

    def health(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/health":
            return connection.respond(HTTPStatus.OK, '{"status": "ok", "connections": 0}\n')
        return None

    async with serve(
        handler,
        "127.0.0.1",
        port,
        subprotocols=["ocpp1.6"],
        process_request=health,  # type: ignore[list-item]
    ):
        await asyncio.Future()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--server", choices=["aiohttp", "websockets"], default="aiohttp")
    args = parser.parse_args()
    if args.server == "websockets":
        import asyncio

        asyncio.run(_serve_websockets(args.port))
        return
    app = web.Application()
    app.router.add_get("/ocpp/{charge_box_id}", websocket)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None, backlog=1024)


if __name__ == "__main__":
    main()
