"""The web app in-process, on a real PostgreSQL, driven over a real websocket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from cs.bootstrap import bootstrap
from cs.config import Settings
from cs.domain.ocpp16 import ChargePointErrorCode, ChargePointStatus
from cs.http.app import init_app
from tests.support.builders import a_boot_notification, a_status_notification
from tests.support.client import TestChargePoint
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres


@pytest.fixture
async def client(database_url: str, tmp_path: Any) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(database_url=database_url, data_dir=tmp_path, node="in-process")
    app = init_app(bootstrap(settings))
    async with TestClient(TestServer(app)) as client:
        yield client


def base(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("")).rstrip("/")


async def get_json(client: TestClient[Any, Any], path: str, **headers: str) -> tuple[int, Any]:
    response = await client.get(path, headers=headers)
    return response.status, await response.json()


async def test_a_handshake_without_ocpp16_is_refused_with_a_reason(
    client: TestClient[Any, Any],
) -> None:
    for protocols in ((), ("ocpp2.0.1",), ("ocpp1.5",)):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await TestChargePoint.connect(base(client), "CP-1", protocols=protocols)
        assert refused.value.status == 400
    response = await client.get("/ocpp/CP-1", headers={"Sec-WebSocket-Protocol": "ocpp1.5"})
    body = await response.json()
    assert body["code"] == "unsupported_subprotocol"
    assert "ocpp1.6" in body["error"]


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
