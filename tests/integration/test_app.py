"""The web app in-process, on a real PostgreSQL, driven over a real websocket."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate as validate_openapi
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from cs.bootstrap import bootstrap
from cs.config import Settings
from cs.domain.ocpp16 import ChargePointErrorCode, ChargePointStatus
from cs.http import models
from cs.http.app import init_app
from cs.http.openapi import ChargeBoxPage
from tests.integration.conftest import base, get_json
from tests.support.builders import a_boot_notification, a_status_notification
from tests.support.client import TestChargePoint
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres


async def test_a_handshake_without_a_version_we_speak_is_refused_with_a_reason(
    client: TestClient[Any, Any],
) -> None:
    for protocols in ((), ("ocpp2.0",), ("ocpp1.5",)):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await TestChargePoint.connect(base(client), "CP-1", protocols=protocols)
        assert refused.value.status == 400
    response = await client.get("/ocpp/CP-1", headers={"Sec-WebSocket-Protocol": "ocpp1.5"})
    body = await response.json()
    assert body["code"] == "unsupported_subprotocol"
    assert "ocpp2.0.1, ocpp1.6" in body["error"]


async def test_the_highest_version_offered_that_we_speak_is_chosen(
    client: TestClient[Any, Any],
) -> None:
    for offered, chosen in (
        (("ocpp1.6", "ocpp2.0.1"), "ocpp2.0.1"),
        (("ocpp1.5", "ocpp1.6"), "ocpp1.6"),
        (("ocpp2.0.1",), "ocpp2.0.1"),
    ):
        async with await TestChargePoint.connect(base(client), "CP-V", protocols=offered) as cp:
            assert cp.ws.protocol == chosen


async def test_boot_is_accepted_with_interval_and_current_time(
    client: TestClient[Any, Any],
) -> None:
    async with await TestChargePoint.connect(base(client), "CP-1") as cp:
        assert cp.ws.protocol == "ocpp1.6"
        kind, uid, payload = await cp.call("BootNotification", a_boot_notification())
        assert (kind, uid, payload["status"], payload["interval"]) == (3, "1", "Accepted", 300)
        assert payload["currentTime"].endswith("Z")
        assert "heartbeatInterval" not in payload


async def test_every_status_and_error_code_reaches_the_connector_read_model(
    client: TestClient[Any, Any],
) -> None:
    async with await TestChargePoint.connect(base(client), "CP-S", tenant_id="acme") as cp:
        for status in ChargePointStatus:
            assert (
                await cp.call("StatusNotification", a_status_notification(status=status.value))
            )[0] == 3
        for n, code in enumerate(ChargePointErrorCode):
            frame = a_status_notification(connectorId=n, errorCode=code.value, status="Faulted")
            assert (await cp.call("StatusNotification", frame))[0] == 3

        def complete(result: tuple[int, Any]) -> bool:
            return result[0] == 200 and len(result[1]["connectors"]) == len(ChargePointErrorCode)

        _, body = await eventually(
            lambda: get_json(client, "/charge-boxes/CP-S"), complete, what="connectors"
        )
        codes = {c["connector_id"]: c["error_code"] for c in body["connectors"]}
        assert codes == {n: code.value for n, code in enumerate(ChargePointErrorCode)}
        assert body["tenant_id"] == "acme"


async def test_a_charge_box_that_reconnects_without_booting_is_served(
    client: TestClient[Any, Any],
) -> None:
    async with await TestChargePoint.connect(base(client), "CP-R") as cp:
        assert (await cp.call("Heartbeat", {}))[0] == 3
        assert (await cp.call("StatusNotification", a_status_notification()))[0] == 3


async def test_unknown_ids_are_404_json_and_tenant_header_filters(
    client: TestClient[Any, Any],
) -> None:
    async with await TestChargePoint.connect(base(client), "CP-T", tenant_id="t1") as cp:
        await cp.call("BootNotification", a_boot_notification())
        await eventually(lambda: get_json(client, "/evses/CP-T"), lambda r: r[0] == 200, what="box")
        status, body = await get_json(client, "/evses/CP-T", **{"x-tenant-id": "t2"})
        assert (status, body["code"]) == (404, "not_found")
        status, body = await get_json(client, "/evses/nope")
        assert status == 404
        assert "nope" in body["error"]
        status, body = await get_json(client, "/evses/CP-T", **{"x-tenant-id": "t1"})
        assert (status, body["uid"], body["connection"]) == (200, "CP-T", "connected")


async def test_every_route_is_in_the_openapi_document(client: TestClient[Any, Any]) -> None:
    status, spec = await get_json(client, "/openapi.json")
    assert status == 200
    assert spec["openapi"].startswith("3.1")
    documented = set(spec["paths"])
    for route in client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.endswith("/remote/{operation}"):  # documented once per operation
            for name in ("reset", "get-configuration", "update-firmware"):
                assert path.replace("{operation}", name) in documented
            continue
        if path.startswith(("/ocpp/", "/ws/")):
            assert path in spec["info"]["description"]
        elif route.method != "HEAD":
            assert path in documented, f"{route.method} {path} is not documented"
            assert route.method.lower() in spec["paths"][path], f"{route.method} {path}"


async def test_the_openapi_document_is_valid_openapi_3_1(client: TestClient[Any, Any]) -> None:
    _, spec = await get_json(client, "/openapi.json")
    validate_openapi(spec)  # raises, naming the offending part, if it is not


async def test_responses_follow_their_documented_models(client: TestClient[Any, Any]) -> None:
    async with await TestChargePoint.connect(base(client), "CP-C") as cp:
        await cp.call("BootNotification", a_boot_notification())
        await cp.call("StatusNotification", a_status_notification(connectorId=0))
        await eventually(lambda: get_json(client, "/evses/CP-C"), lambda r: r[0] == 200, what="box")
        cases = [
            ("/health", models.HealthOut),
            ("/summary", models.SummaryOut),
            ("/charge-boxes", ChargeBoxPage),
            ("/charge-boxes/CP-C", models.ChargeBoxOut),
            ("/evses/CP-C", models.EvseOut),
            ("/evses/nope", models.ErrorOut),
        ]
        for path, model in cases:
            _, body = await get_json(client, path)
            model.model_validate(body)
        _, connections = await get_json(client, "/connections")
        assert set(connections) == {"CP-C"}
        models.ConnectionOut.model_validate(connections["CP-C"])


async def test_charge_box_ids_are_the_url_decoded_last_segment(
    client: TestClient[Any, Any],
) -> None:
    async with await TestChargePoint.connect(base(client), "CP%201") as cp:
        await cp.call("BootNotification", a_boot_notification())
    _status, body = await eventually(
        lambda: get_json(client, "/charge-boxes"), lambda r: len(r[1]["items"]) == 1, what="box"
    )
    assert body["items"][0]["charge_box_id"] == "CP 1"


async def test_charge_boxes_are_paginated_with_a_cursor(client: TestClient[Any, Any]) -> None:
    for n in range(5):
        async with await TestChargePoint.connect(base(client), f"CP-P{n}") as cp:
            await cp.call("Heartbeat", {})
    await eventually(
        lambda: get_json(client, "/charge-boxes?limit=100"), lambda r: len(r[1]["items"]) == 5
    )
    seen, cursor = [], None
    while True:
        _, page = await get_json(
            client, "/charge-boxes?limit=2" + (f"&cursor={cursor}" if cursor else "")
        )
        seen += [item["charge_box_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"CP-P{n}" for n in range(5)]
    status, body = await get_json(client, "/charge-boxes?cursor=garbage")
    assert (status, body["code"]) == (400, "bad_request")
    status, body = await get_json(client, "/charge-boxes?limit=0")
    assert status == 422
    assert body["problems"][0]["field"] == "limit"


class ProxyThread:
    """A TcpProxy on its own event loop: `bootstrap` blocks the test's loop while it
    connects, and the proxy must forward meanwhile."""

    def __init__(self, target_port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = 0
        self.proxy: TcpProxy | None = None
        self.target_port = target_port

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def open(self) -> None:
        self.proxy = self._run(TcpProxy(self.target_port, port=self.port).start())
        self.port = self.proxy.port

    def close(self) -> None:
        if self.proxy is not None:
            self._run(self.proxy.close())
            self.proxy = None

    def stop(self) -> None:
        self.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def test_without_the_database_health_is_degraded_and_reads_are_503(
    database_url: str, tmp_path: Path
) -> None:
    """PostgreSQL out of reach (a proxy in front of it, closed): /health answers 503
    `degraded` instead of hanging, a read answers a JSON 503 with Retry-After instead of
    a 500, and both recover by themselves when the database is back."""
    proxy = ProxyThread(int(conninfo_to_dict(database_url).get("port") or 5432))
    proxy.open()
    settings = Settings(
        database_url=make_conninfo(database_url, host="127.0.0.1", port=proxy.port),
        data_dir=tmp_path,
        node="in-process",
        projections="thread",
        api_auth="off",
    )
    try:
        async with TestClient(TestServer(init_app(bootstrap(settings)))) as client:
            status, health = await get_json(client, "/health")
            assert (status, health["status"]) == (200, "ok")
            assert health["projections"]["skipped_events"] == 0
            proxy.close()  # every link cut, nothing listens: PostgreSQL is away
            status, health = await get_json(client, "/health")
            assert (status, health["status"]) == (503, "degraded"), health
            assert health["problems"][0].startswith("database: ")
            models.HealthOut.model_validate(health)
            response = await client.get("/summary")
            assert response.status == 503
            assert (await response.json())["code"] == "database_unavailable"
            assert response.headers["Retry-After"] == "5"
            proxy.open()  # back, on the same port
            await eventually(
                lambda: get_json(client, "/health"),
                lambda r: r[0] == 200 and r[1]["status"] == "ok",
                timeout=30,
                what="healthy again",
            )
            assert (await get_json(client, "/summary"))[0] == 200
    finally:
        proxy.stop()
