"""The simulator against the real app: realistic traffic works, abuse harms nobody."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from cs.domain.authorization import UnknownTagPolicy
from cs.sim.runner import NotLoopbackError, SimConfig, require_loopback, run
from cs.sim.stats import render
from tests.integration.conftest import base, get_json
from tests.support.builders import a_boot_notification
from tests.support.client import TestChargePoint
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres
Client = TestClient[Any, Any]


@pytest.mark.settings(unknown_id_tags=UnknownTagPolicy.ACCEPT)
async def test_simulated_sessions_are_served_and_become_finished_sessions(client: Client) -> None:
    summary = await run(
        SimConfig(
            url=base(client),
            charge_points=5,
            scenario="sessions",
            duration=20,
            max_messages=150,
            options={"meter_values": 3},
        )
    )
    assert summary["answered"] == summary["sent"] >= 150
    assert summary["call_errors"] == {}
    assert summary["timeouts"] == 0
    _, page = await eventually(
        lambda: get_json(client, "/sessions?status=finished&limit=1000"),
        lambda r: len(r[1]["items"]) >= 5,
        what="finished sessions",
    )
    assert all(s["energy_wh"] > 0 and s["flags"] == [] for s in page["items"])


@pytest.mark.settings(unknown_id_tags=UnknownTagPolicy.ACCEPT)
async def test_simulated_201_stations_make_the_same_sessions(client: Client) -> None:
    summary = await run(
        SimConfig(
            url=base(client),
            charge_points=5,
            scenario="sessions201",
            duration=20,
            max_messages=150,
            options={"meter_values": 3},
        )
    )
    assert summary["answered"] == summary["sent"] >= 150
    assert (summary["call_errors"], summary["timeouts"]) == ({}, 0)
    _, page = await eventually(
        lambda: get_json(client, "/sessions?status=finished&limit=1000"),
        lambda r: len(r[1]["items"]) >= 5,
        what="finished 2.0.1 sessions",
    )
    for found in page["items"]:
        assert found["ocpp_version"] == "ocpp2.0.1"
        # Every event in order (seqNo from 0, most recorded on their meter values'
        # report): no gap flagged, every reading counted, energy from the registers.
        assert found["flags"] == []
        assert found["meter"]["reports"] == 5  # Started, 3 Updated, Ended
        assert found["energy_wh"] == found["meter_stop"] - found["meter_start"] > 0


async def test_an_abusive_charge_point_harms_nobody(client: Client) -> None:
    summary = await run(
        SimConfig(
            url=base(client),
            charge_points=5,
            scenario="abusive",
            duration=20,
            max_messages=400,
            seed=7,
        )
    )
    assert summary["answered"] > 200
    assert summary["timeouts"] == 0
    assert set(summary["call_errors"]) <= {
        "FormationViolation",
        "NotImplemented",
        "NotSupported",
        "PropertyConstraintViolation",
        "ProtocolError",
        "TypeConstraintViolation",
        "OccurenceConstraintViolation",
    }
    async with await TestChargePoint.connect(base(client), "GOOD-1") as cp:
        assert (await cp.call("BootNotification", a_boot_notification()))[2]["status"] == "Accepted"
        assert (await cp.call("Heartbeat", {}))[0] == 3
    _, health = await get_json(client, "/health")
    assert health["writer"]["failed_units"] == 0


def test_the_simulator_only_targets_this_machine() -> None:
    require_loopback("http://127.0.0.1:8180")
    require_loopback("http://localhost:8180")
    with pytest.raises(NotLoopbackError):
        require_loopback("http://192.0.2.10:8180")


async def test_a_failed_connect_is_reported_with_its_reason(client: Client) -> None:
    summary = await run(
        SimConfig(
            url=base(client) + "/ocpp",  # the simulator adds /ocpp/{id} itself: a 404
            charge_points=2,
            scenario="idle",
            duration=1,
            max_messages=10,
        )
    )
    assert (summary["connected"], summary["connect_failures"]) == (0, 2)
    assert "404" in summary["first_connect_error"]
    assert "first failed connect:" in render(summary)
