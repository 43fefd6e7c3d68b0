"""Who may open a websocket: security profiles 0 and 1, unknown boxes, limits, floods.

Over a real websocket to the in-process app, on a real PostgreSQL. TLS profiles (2, 3)
need a TLS listener: tests/e2e/test_tls.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import aiohttp
import psycopg
import pytest
from aiohttp.test_utils import TestClient

from tests.integration.conftest import base, get_json
from tests.support.builders import a_boot_notification
from tests.support.client import TestChargePoint
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres
Client = TestClient[Any, Any]
KEY = "s3cret-key-0123456789"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
    "Sec-WebSocket-Protocol": "ocpp1.6",
}


async def handshake(
    client: Client, charge_box_id: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One websocket upgrade request: (101, None) when accepted, else (status, JSON body)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{base(client)}/ocpp/{charge_box_id}", headers={**UPGRADE, **(headers or {})}
        ) as response,
    ):
        if response.status == 101:
            return 101, None
        return response.status, await response.json()


async def register(client: Client, charge_box_id: str, **body: Any) -> tuple[int, Any]:
    response = await client.put(f"/charge-boxes/{charge_box_id}/security", json=body)
    return response.status, await response.json()


def opened_profiles(database_url: str, charge_box_id: str) -> list[int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT state FROM cs_events WHERE topic = 'cs.Connection.Opened' "
            "ORDER BY notification_id"
        ).fetchall()
    states = [json.loads(bytes(row[0])) for row in rows]
    return [s["security_profile"] for s in states if s["charge_box_id"] == charge_box_id]


async def refusals(client: Client, charge_box_id: str, count: int) -> list[dict[str, Any]]:
    _, body = await eventually(
        lambda: get_json(client, f"/access-refusals?charge_box_id={charge_box_id}"),
        lambda r: r[0] == 200 and len(r[1]["items"]) >= count,
        what=f"{count} refusals recorded",
    )
    return body["items"]  # type: ignore[no-any-return]


# --- security profile 1: HTTP Basic --------------------------------------------------------


async def test_profile_1_lets_in_only_the_right_password(client: Client, database_url: str) -> None:
    status, body = await register(client, "SEC-1", security_profile=1, authorization_key=KEY)
    assert status == 201, body
    assert body == {
        "tenant_id": "default",
        "charge_box_id": "SEC-1",
        "security_profile": 1,
        "has_authorization_key": True,
        "created": True,
    }

    status, refused = await handshake(client, "SEC-1")
    assert status == 401
    assert refused["code"] == "no_password"
    status, refused = await handshake(client, "SEC-1", basic("SEC-1", "wrong-password-000"))
    assert (status, refused["code"]) == (401, "bad_password")
    status, refused = await handshake(client, "SEC-1", basic("SEC-2", KEY))
    assert (status, refused["code"]) == (401, "bad_password")  # user must be the box id
    status, _ = await handshake(client, "SEC-1", basic("SEC-1", KEY))
    assert status == 101
    assert opened_profiles(database_url, "SEC-1") == [1]

    recorded = await refusals(client, "SEC-1", 3)
    assert sorted(r["reason"] for r in recorded) == ["bad_password", "bad_password", "no_password"]
    assert all(r["status"] == 401 and r["remote_address"] == "127.0.0.1" for r in recorded)
    _, box = await eventually(
        lambda: get_json(client, "/charge-boxes/SEC-1"),
        lambda r: r[0] == 200 and r[1]["security"]["refused_handshakes"] == 3,
        what="refusals counted on the box",
    )
    assert box["security"]["security_profile"] == 1
    assert box["security"]["has_authorization_key"] is True


async def test_the_challenge_names_basic_authentication(client: Client) -> None:
    await register(client, "SEC-CH", security_profile=1, authorization_key=KEY)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base(client)}/ocpp/SEC-CH", headers=UPGRADE) as response,
    ):
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


async def test_a_new_key_replaces_the_old_one_at_once(client: Client) -> None:
    await register(client, "SEC-ROT", security_profile=1, authorization_key=KEY)
    assert (await handshake(client, "SEC-ROT", basic("SEC-ROT", KEY)))[0] == 101
    status, body = await register(
        client, "SEC-ROT", security_profile=1, authorization_key="another-key-9876543210"
    )
    assert (status, body["created"]) == (200, False)
    assert (await handshake(client, "SEC-ROT", basic("SEC-ROT", KEY)))[0] == 401
    assert (await handshake(client, "SEC-ROT", basic("SEC-ROT", "another-key-9876543210")))[
        0
    ] == 101
    # Profile changes keep the key unless a new one is given.
    status, body = await register(client, "SEC-ROT", security_profile=0)
    assert body["has_authorization_key"] is False
    assert (await handshake(client, "SEC-ROT"))[0] == 101


async def test_bad_registrations_are_422_naming_the_field(client: Client) -> None:
    status, body = await register(client, "SEC-BAD", security_profile=1)
    assert status == 422
    assert body["problems"][0]["field"] == "authorization_key"
    status, body = await register(client, "SEC-BAD", security_profile=1, authorization_key="short")
    assert status == 422
    assert "authorization_key" in body["error"]
    status, body = await register(client, "SEC-BAD", security_profile=7)
    assert status == 422
    assert "security_profile" in body["error"]
    status, _ = await get_json(client, "/charge-boxes/SEC-BAD")
    assert status == 404  # nothing was registered by a refused request


async def test_the_key_is_never_shown_not_even_in_the_history(client: Client) -> None:
    await register(client, "SEC-HIST", security_profile=1, authorization_key=KEY)
    _, history = await eventually(
        lambda: get_json(client, "/charge-boxes/SEC-HIST/history"),
        lambda r: r[0] == 200,
        what="history",
    )
    configured = [e for e in history["events"] if e["type"] == "cs.ChargeBox.SecurityConfigured"]
    assert configured[0]["data"]["password_hash"] == "[redacted]"
    assert configured[0]["data"]["security_profile"] == 1
    assert KEY not in json.dumps(history)


# --- transports a profile needs --------------------------------------------------------------


@pytest.mark.parametrize("profile", [2, 3])
async def test_tls_profiles_are_refused_over_plain_websockets(client: Client, profile: int) -> None:
    body: dict[str, Any] = {"security_profile": profile}
    if profile == 2:
        body["authorization_key"] = KEY
    await register(client, f"SEC-TLS{profile}", **body)
    status, refused = await handshake(client, f"SEC-TLS{profile}", basic(f"SEC-TLS{profile}", KEY))
    assert (status, refused["code"]) == (403, "tls_required")


# --- unknown charge boxes ---------------------------------------------------------------------


@pytest.mark.settings(unknown_charge_boxes="reject")
async def test_unknown_boxes_are_404_under_the_reject_policy(client: Client) -> None:
    status, refused = await handshake(client, "NOBODY")
    assert (status, refused["code"]) == (404, "unknown_charge_box")
    await register(client, "SOMEBODY", security_profile=0)
    assert (await handshake(client, "SOMEBODY"))[0] == 101  # registered: let in
    recorded = await refusals(client, "NOBODY", 1)
    assert recorded[0]["reason"] == "unknown_charge_box"
    assert recorded[0]["status"] == 404


async def test_unknown_boxes_are_let_in_under_the_accept_policy(
    client: Client, database_url: str
) -> None:
    async with await TestChargePoint.connect(base(client), "NEWCOMER") as cp:
        assert (await cp.call("BootNotification", a_boot_notification()))[0] == 3
    assert opened_profiles(database_url, "NEWCOMER") == [0]


# --- failures from one address -----------------------------------------------------------


@pytest.mark.settings(unknown_charge_boxes="reject", auth_failures_before_block=6)
async def test_repeated_failures_are_slowed_down_then_blocked(client: Client) -> None:
    took = []
    for _ in range(6):
        started = time.monotonic()
        status, _ = await handshake(client, "GUESS")
        took.append(time.monotonic() - started)
        assert status == 404
    # After 3 failures each answer waits 0.25 s, doubling: 0.25, 0.5, 1.0.
    assert max(took[:3]) < 0.25
    assert took[3] >= 0.25
    assert took[4] >= 0.5
    assert took[5] >= 1.0
    status, refused = await handshake(client, "GUESS")
    assert (status, refused["code"]) == (429, "too_many_failures")


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.settings(max_connections=2)
async def test_connections_beyond_the_limit_are_503(client: Client) -> None:
    first = await TestChargePoint.connect(base(client), "LIM-1")
    second = await TestChargePoint.connect(base(client), "LIM-2")
    try:
        status, refused = await handshake(client, "LIM-3")
        assert (status, refused["code"]) == (503, "too_many_connections")
    finally:
        await first.close()
        await second.close()
    await eventually(lambda: handshake(client, "LIM-3"), lambda r: r[0] == 101, what="room again")


@pytest.mark.settings(cp_message_rate=20, cp_message_burst=20, cp_flood_seconds=1)
async def test_a_box_emptying_its_offline_queue_one_call_at_a_time_is_paced_not_cut_off(
    client: Client,
) -> None:
    """It waits for each answer (OCPP-J 1.6 4.1.1), so it is slowed to the rate for as
    long as it takes, however far past the flood limit, and never disconnected."""
    async with await TestChargePoint.connect(base(client), "FLUSH") as box:
        started = time.monotonic()
        for n in range(80):  # burst 20, then 60 at 20/s: 3 s throttled, limit 1 s
            kind, unique_id, _ = await box.call("Heartbeat", {}, unique_id=f"h{n}")
            assert (kind, unique_id) == (3, f"h{n}")
        took = time.monotonic() - started
        assert not box.ws.closed
    assert took >= 60 / 20 * 0.9, f"80 CALLs in {took:.2f} s: not throttled"


@pytest.mark.settings(cp_message_rate=20, cp_message_burst=20, cp_flood_seconds=2)
async def test_a_flooding_box_is_throttled_then_disconnected_and_others_are_unaffected(
    client: Client, database_url: str
) -> None:
    flooder = await TestChargePoint.connect(base(client), "FLOOD")
    calm = await TestChargePoint.connect(base(client), "CALM")
    try:
        answered = 0
        first_answer_at = None

        async def flood() -> None:
            nonlocal answered, first_answer_at
            for n in range(2_000):  # bounded; OCPP-J says one CALL at a time, this ignores it
                try:
                    await flooder.send_raw(json.dumps([2, f"f{n}", "Heartbeat", {}]))
                except (ConnectionError, RuntimeError):
                    return
            while True:
                message = await flooder.ws.receive(timeout=10)
                if message.type is not aiohttp.WSMsgType.TEXT:
                    return
                answered += 1
                first_answer_at = first_answer_at or time.monotonic()

        flooding = asyncio.create_task(flood())
        latencies = []
        started = time.monotonic()
        while not flooding.done() and time.monotonic() - started < 15:
            sent = time.monotonic()
            kind, _, _ = await calm.call("Heartbeat", {})
            assert kind == 3
            latencies.append(time.monotonic() - sent)
            await asyncio.sleep(0.05)
        await asyncio.wait_for(flooding, 5)
        flood_seconds = time.monotonic() - started
    finally:
        await flooder.close()
        await calm.close()
    assert flooder.ws.close_code == 1008
    # Throttled: about the burst plus 20/s until the flood limit, never the 2,000 sent.
    assert 20 <= answered <= 20 + 20 * (flood_seconds + 1)
    assert max(latencies) < 0.5, f"the calm box waited {max(latencies):.3f}s"
    with psycopg.connect(database_url) as conn:
        closes = conn.execute(
            "SELECT state FROM cs_events WHERE topic = 'cs.Connection.Closed'"
        ).fetchall()
    reasons = [json.loads(bytes(row[0])) for row in closes]
    assert any(r["code"] == 1008 and "rate" in r["reason"] for r in reasons)
