"""End to end: charging sessions across server restarts, on a real server process."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from ocpp.v16 import call
from ocpp.v16.enums import AuthorizationStatus

from tests.support.builders import (
    a_meter_value,
    a_meter_values,
    a_sample,
    a_start_transaction,
    a_stop_transaction,
)
from tests.support.client import TestChargePoint
from tests.support.library_cp import LibraryChargePoint
from tests.support.server import ServerProcess
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
Start = Callable[..., ServerProcess]


async def get_json(server: ServerProcess, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(server.base_url + path) as response:
        return response.status, await response.json()


async def finished(server: ServerProcess, transaction_id: int) -> dict[str, Any]:
    _, body = await eventually(
        lambda: get_json(server, f"/sessions/{transaction_id}"),
        lambda r: r[0] == 200 and r[1]["status"] == "finished",
        what="finished session",
    )
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL])
async def test_a_session_survives_a_server_restart_mid_session(
    start_server: Start, stop_signal: int
) -> None:
    server = start_server(CS_UNKNOWN_ID_TAGS="accept", CS_NODE="n1")
    async with await TestChargePoint.connect(server.base_url, "CP-1") as cp:
        tx = (await cp.call("StartTransaction", a_start_transaction(meterStart=100)))[2][
            "transactionId"
        ]
        await cp.call(
            "MeterValues",
            a_meter_values(
                tx,
                a_meter_value("2026-11-25T10:10:00Z", a_sample("7.4", "Power.Active.Import", "kW")),
            ),
        )
    server.stop(stop_signal)
    restarted = start_server(CS_UNKNOWN_ID_TAGS="accept", CS_NODE="n1")
    async with await TestChargePoint.connect(restarted.base_url, "CP-1") as cp:
        await cp.call(
            "MeterValues",
            a_meter_values(
                tx,
                a_meter_value("2026-11-25T10:20:00Z", a_sample("3.0", "Power.Active.Import", "kW")),
            ),
        )
        assert (await cp.call("StopTransaction", a_stop_transaction(tx, meterStop=22100)))[0] == 3
        next_tx = (
            await cp.call("StartTransaction", a_start_transaction(timestamp="2026-11-25T12:00:00Z"))
        )[2]["transactionId"]
    assert next_tx > tx  # ids come from PostgreSQL: never reused after a restart
    session = await finished(restarted, tx)
    assert session["energy_kwh"] == 22.0
    assert session["meter"]["max_power_w"] == 7400
    assert session["meter"]["reports"] == 2


async def test_a_charge_point_built_on_the_ocpp_library_runs_a_session(start_server: Start) -> None:
    server = start_server()
    async with aiohttp.ClientSession() as http:
        response = await http.put(server.base_url + "/tokens/04A2B3C4", json={"status": "Accepted"})
        assert response.status == 201
    async with LibraryChargePoint(server.base_url, "LIB-S") as cp:
        auth = await cp.call(call.Authorize(id_tag="04a2b3c4"))
        assert auth.id_tag_info["status"] == AuthorizationStatus.accepted
        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="04a2b3c4", meter_start=0, timestamp="2026-11-25T10:00:00Z"
            )
        )
        tx = start.transaction_id
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=[
                    {
                        "timestamp": "2026-11-25T10:30:00Z",
                        "sampledValue": [{"value": "5000", "unit": "Wh"}],
                    }
                ],
            )
        )
        stop = await cp.call(
            call.StopTransaction(
                meter_stop=11000,
                timestamp="2026-11-25T11:00:00Z",
                transaction_id=tx,
                reason="EVDisconnected",
            )
        )
        assert stop.id_tag_info is None
    session = await finished(server, tx)
    assert (session["energy_kwh"], session["stop_reason"], session["meter"]["last_energy_wh"]) == (
        11.0,
        "EVDisconnected",
        5000,
    )
