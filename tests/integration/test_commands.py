"""Remote operations over REST, against a live charge point that answers, on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from aiohttp.test_utils import TestClient

from cs.http import models
from cs.http.keys import HUB
from cs.http.operations import OPERATIONS
from cs.sim.commands import answer as simulated_answer
from tests.integration.conftest import base, get_json
from tests.support.builders import a_boot_notification, a_start_transaction
from tests.support.responder import Answer, Responder
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres
Client = TestClient[Any, Any]


@pytest.fixture
async def box(client: Client) -> AsyncIterator[Responder]:
    """A booted charge point that answers every command plausibly (like the simulator)."""
    responder = await Responder.connect(base(client), "CMD-1")
    config: dict[str, str] = {"HeartbeatInterval": "60", "ReadOnlyVendor": "acme"}
    for action in {op.action for op in OPERATIONS.values()}:
        responder.answer(
            action, lambda payload, a=action: Answer(result=simulated_answer(a, payload, config))
        )
    assert (await responder.call("BootNotification", a_boot_notification()))[0] == 3
    yield responder
    await responder.close()


async def post(
    client: Client, path: str, body: dict[str, Any], **headers: str
) -> tuple[int, Any, Any]:
    response = await client.post(path, json=body, headers=headers)
    return response.status, await response.json(), response.headers


V16_OPERATIONS = sorted(op for op, spec in OPERATIONS.items() if "ocpp1.6" in spec.versions)


@pytest.mark.parametrize("operation", V16_OPERATIONS)
async def test_every_operation_returns_the_chargers_answer(
    client: Client, box: Responder, operation: str
) -> None:
    example = OPERATIONS[operation].example
    if operation == "reserve-now":
        example = {**example, "expiry_date": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    status, body, _ = await post(
        client, f"/charge-boxes/CMD-1/remote/{operation}", example, **{"x-user-id": "ops"}
    )
    assert status == 200, body
    models.CommandOut.model_validate(body)
    action, _payload = box.received[-1]
    assert action == OPERATIONS[operation].action
    assert body["status"] == "answered"
    assert body["requested_by"] == "ops"
    assert body["answer"] is not None
    assert body["msg_id"]
    status, again, _ = await get_json(client, f"/commands/{body['command_id']}") + (None,)
    assert (status, again["status"], again["answer"]) == (200, "answered", body["answer"])


async def test_the_original_bodies_are_kept(client: Client, box: Responder) -> None:
    status, _, _ = await post(client, "/charge-boxes/CMD-1/remote/reset", {"type": "hard"})
    assert (status, box.received[-1]) == (200, ("Reset", {"type": "Hard"}))
    await post(client, "/charge-boxes/CMD-1/remote/unlock-connector", {"connector_id": 2})
    assert box.received[-1] == ("UnlockConnector", {"connectorId": 2})
    await post(
        client,
        "/charge-boxes/CMD-1/remote/update-firmware",
        {"location": "https://fw/x.bin", "retrieve_date": "2026-12-01T03:00:00Z"},
    )
    assert box.received[-1] == (
        "UpdateFirmware",
        {"location": "https://fw/x.bin", "retrieveDate": "2026-12-01T03:00:00.000Z"},
    )
    await post(
        client, "/evses/CMD-1/remote/start-session", {"token_id": "04A2B3C4", "connector_id": 1}
    )
    assert box.received[-1] == ("RemoteStartTransaction", {"idTag": "04A2B3C4", "connectorId": 1})
    await post(client, "/evses/CMD-1/remote/stop-session", {"session_id": 77})
    assert box.received[-1] == ("RemoteStopTransaction", {"transactionId": 77})
    await post(client, "/evses/CMD-1/remote/stop-session", {"transaction_id": 78})
    assert box.received[-1] == ("RemoteStopTransaction", {"transactionId": 78})


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/charge-boxes/CMD-1/remote/reset", {"type": "medium"}, "type"),
        (
            "/charge-boxes/CMD-1/remote/change-availability",
            {"connector_id": -1, "type": "Operative"},
            "connector_id",
        ),
        ("/charge-boxes/CMD-1/remote/change-configuration", {"key": "K"}, "value"),
        ("/charge-boxes/CMD-1/remote/unlock-connector", {"connector_id": 1, "extra": 1}, "extra"),
        ("/evses/CMD-1/remote/stop-session", {}, "(body)"),
        (
            "/charge-boxes/CMD-1/remote/set-charging-profile",
            {
                "connector_id": 0,
                "cs_charging_profiles": {
                    "charging_profile_id": 1,
                    "stack_level": 0,
                    "charging_profile_purpose": "Nonsense",
                    "charging_profile_kind": "Absolute",
                    "charging_schedule": {
                        "charging_rate_unit": "A",
                        "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
                    },
                },
            },
            "cs_charging_profiles.charging_profile_purpose",
        ),
    ],
)
async def test_an_invalid_body_is_422_naming_the_field_and_nothing_is_sent(
    client: Client, box: Responder, path: str, body: dict[str, Any], field: str
) -> None:
    sent_before = len(box.received)
    status, answer, _ = await post(client, path, body)
    assert status == 422, answer
    assert field in [problem["field"] for problem in answer["problems"]] or field in answer["error"]
    assert len(box.received) == sent_before


async def test_unknown_box_is_404_and_a_box_not_connected_is_409(
    client: Client, box: Responder
) -> None:
    status, body, _ = await post(client, "/charge-boxes/NOPE/remote/clear-cache", {})
    assert (status, body["code"]) == (404, "not_found")
    status, body, _ = await post(client, "/charge-boxes/CMD-1/remote/fly-to-the-moon", {})
    assert status == 404
    assert "reset" in body["operations"]
    await box.close()
    hub = client.app[HUB]

    async def connected() -> bool:
        return hub.get("default", "CMD-1") is not None

    await eventually(connected, lambda live: not live, what="the connection closed")
    status, body, _ = await post(client, "/charge-boxes/CMD-1/remote/clear-cache", {})
    assert (status, body["code"]) == (409, "not_connected")


# A box held to 1 message/s: 8 commands would take 7 s if their answers were throttled.
@pytest.mark.settings(cp_message_rate=1, cp_message_burst=1)
async def test_answers_to_our_commands_do_not_count_against_the_boxs_message_rate(
    client: Client, box: Responder
) -> None:
    started = asyncio.get_running_loop().time()
    for _ in range(8):
        status, body, _ = await post(client, "/charge-boxes/CMD-1/remote/reset", {"type": "soft"})
        assert (status, body["status"]) == (200, "answered")
    assert asyncio.get_running_loop().time() - started < 4
    # The box's own messages still are held to the rate.
    started = asyncio.get_running_loop().time()
    for _ in range(3):
        assert (await box.call("Heartbeat", {}))[0] == 3
    assert asyncio.get_running_loop().time() - started >= 1.5


async def test_a_callerror_answer_is_502_with_its_code_and_description(
    client: Client, box: Responder
) -> None:
    box.answer("Reset", Answer(error=("NotSupported", "no resets here")))
    status, body, _ = await post(client, "/charge-boxes/CMD-1/remote/reset", {"type": "soft"})
    assert status == 502
    assert body["status"] == "failed"
    assert (body["error"]["code"], body["error"]["description"]) == (
        "NotSupported",
        "no resets here",
    )


async def test_an_answer_that_breaks_the_schema_is_a_failure_not_a_success(
    client: Client, box: Responder
) -> None:
    box.answer("Reset", Answer(result={"status": "Maybe"}))
    status, body, _ = await post(client, "/charge-boxes/CMD-1/remote/reset", {"type": "soft"})
    assert (status, body["error"]["code"]) == (502, "InvalidAnswer")


@pytest.mark.settings(call_timeout=0.5)
async def test_no_answer_in_time_is_504_and_the_command_stays_timed_out(
    client: Client, box: Responder, database_url: str
) -> None:
    box.answer("ClearCache", Answer(silent=True))
    status, body, _ = await post(client, "/charge-boxes/CMD-1/remote/clear-cache", {})
    assert (status, body["status"]) == (504, "timed_out")
    box.answer("ClearCache", Answer(result={"status": "Accepted"}))
    status, _later, _ = await post(client, "/charge-boxes/CMD-1/remote/clear-cache", {})
    assert status == 200
    _, stored, _ = await get_json(client, f"/commands/{body['command_id']}") + (None,)
    assert stored["status"] == "timed_out"


async def test_wait_false_answers_202_at_once_and_the_command_can_be_polled(
    client: Client, box: Responder
) -> None:
    box.answer("GetLocalListVersion", Answer(result={"listVersion": 3}, delay=0.3))
    status, body, headers = await post(
        client, "/charge-boxes/CMD-1/remote/get-local-list-version?wait=false", {}
    )
    assert (status, body["status"]) == (202, "queued")
    assert headers["Location"] == f"/commands/{body['command_id']}"
    _, done = await eventually(
        lambda: get_json(client, headers["Location"]),
        lambda r: r[1]["status"] == "answered",
        what="answered",
    )
    assert done["answer"] == {"list_version": 3}
    _, listed = await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1/commands"),
        lambda r: r[1]["items"] and r[1]["items"][0]["status"] == "answered",
    )
    assert listed["items"][0]["command_id"] == body["command_id"]


@pytest.mark.settings(command_queue_size=2)
async def test_one_call_at_a_time_and_a_full_queue_is_503_with_retry_after(
    client: Client, box: Responder
) -> None:
    box.answer("ClearCache", Answer(result={"status": "Accepted"}, delay=0.3))
    results = await asyncio.gather(
        *(post(client, "/charge-boxes/CMD-1/remote/clear-cache", {}) for _ in range(4))
    )
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200, 200, 503, 503]
    refused = next(headers for status, _, headers in results if status == 503)
    assert int(refused["Retry-After"]) > 0
    assert box.max_outstanding == 1  # OCPP-J: one outstanding CALL per connection


async def test_a_command_never_blocks_the_boxs_own_messages(client: Client, box: Responder) -> None:
    box.answer("GetDiagnostics", Answer(result={"fileName": "d.log"}, delay=1.0))
    pending = asyncio.create_task(
        post(client, "/charge-boxes/CMD-1/remote/get-diagnostics", {"location": "ftp://x"})
    )
    await eventually(lambda: asyncio.sleep(0, box.outstanding), lambda n: n == 1)
    started = asyncio.get_running_loop().time()
    assert (await box.call("Heartbeat", {}))[0] == 3
    assert asyncio.get_running_loop().time() - started < 0.5
    assert (await pending)[0] == 200


async def test_a_disconnect_fails_the_commands_in_flight_at_once(
    client: Client, box: Responder
) -> None:
    box.answer("ClearCache", Answer(silent=True))
    pending = [
        asyncio.create_task(post(client, "/charge-boxes/CMD-1/remote/clear-cache", {}))
        for _ in range(3)
    ]
    await eventually(lambda: asyncio.sleep(0, box.outstanding), lambda n: n == 1)
    started = asyncio.get_running_loop().time()
    await box.close()
    results = await asyncio.gather(*pending)
    assert asyncio.get_running_loop().time() - started < 5  # not the 30 s call timeout
    for status, body, _ in results:
        assert (status, body["status"]) == (502, "aborted")
        assert "disconnected" in body["error"]["description"]


async def test_every_command_is_event_sourced_with_its_frames(
    client: Client, box: Responder, database_url: str
) -> None:
    await post(client, "/charge-boxes/CMD-1/remote/clear-cache", {})
    with psycopg.connect(database_url) as conn:
        topics = [
            r[0] for r in conn.execute("SELECT topic FROM cs_events ORDER BY notification_id")
        ]
    tail = [
        t for t in topics[topics.index("cs.Command.Requested") :] if t != "cs.Connection.Exchanged"
    ]
    assert tail == [
        "cs.Command.Requested",
        "cs.Connection.FrameSent",
        "cs.Command.Sent",
        "cs.Connection.FrameReceived",
        "cs.Command.Answered",
    ]


# --- answers that become state ----------------------------------------------------------


async def test_configuration_is_read_and_changes_are_kept(client: Client, box: Responder) -> None:
    status, _body, _ = await post(client, "/charge-boxes/CMD-1/remote/get-configuration", {})
    assert status == 200
    await post(
        client,
        "/charge-boxes/CMD-1/remote/change-configuration",
        {"key": "HeartbeatInterval", "value": "120"},
    )
    rejected = await post(
        client,
        "/charge-boxes/CMD-1/remote/change-configuration",
        {"key": "ReadOnlyVendor", "value": "x"},
    )
    assert rejected[1]["answer"] == {"status": "Rejected"}
    _, config = await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1/configuration"),
        lambda r: (
            r[0] == 200
            and any(k["key"] == "HeartbeatInterval" and k["value"] == "120" for k in r[1]["items"])
        ),
        what="configuration",
    )
    models.ConfigurationOut.model_validate(config)
    values = {k["key"]: (k["value"], k["readonly"]) for k in config["items"]}
    assert values["ReadOnlyVendor"] == ("acme", True)


async def test_a_remote_start_is_linked_to_the_session_it_causes(
    client: Client, box: Responder
) -> None:
    status, command, _ = await post(
        client, "/evses/CMD-1/remote/start-session", {"token_id": "TAG-R", "connector_id": 1}
    )
    assert status == 200
    start = await box.call("StartTransaction", a_start_transaction(idTag="tag-r", connectorId=1))
    transaction_id = start[2]["transactionId"]
    _, linked = await eventually(
        lambda: get_json(client, f"/commands/{command['command_id']}"),
        lambda r: r[1]["transaction_id"] is not None,
    )
    assert linked["transaction_id"] == transaction_id
    _, session = await eventually(
        lambda: get_json(client, f"/sessions/{transaction_id}"),
        lambda r: r[0] == 200 and r[1]["remote_start_command_id"] is not None,
    )
    assert session["remote_start_command_id"] == command["command_id"]


async def test_reservations_are_ours_fulfilled_by_their_start_and_cancellable(
    client: Client, box: Responder
) -> None:
    expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    _, first, _ = await post(
        client,
        "/charge-boxes/CMD-1/remote/reserve-now",
        {"connector_id": 1, "expiry_date": expiry, "id_tag": "TAG-V"},
    )
    reservation_id = box.received[-1][1]["reservationId"]
    assert isinstance(reservation_id, int)
    assert first["request"]["reservation_id"] == reservation_id
    await post(
        client,
        "/charge-boxes/CMD-1/remote/reserve-now",
        {"connector_id": 2, "expiry_date": expiry, "id_tag": "TAG-W"},
    )
    second_id = box.received[-1][1]["reservationId"]
    assert second_id != reservation_id
    started = await box.call(
        "StartTransaction", a_start_transaction(idTag="TAG-V", reservationId=reservation_id)
    )
    assert (
        await post(
            client, "/charge-boxes/CMD-1/remote/cancel-reservation", {"reservation_id": second_id}
        )
    )[0] == 200
    _, listed = await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1/reservations"),
        lambda r: {x["status"] for x in r[1]["items"]} == {"fulfilled", "cancelled"},
        what="reservations ended",
    )
    models.ReservationsOut.model_validate(listed)
    fulfilled = next(x for x in listed["items"] if x["status"] == "fulfilled")
    assert fulfilled["transaction_id"] == started[2]["transactionId"]


async def test_an_expired_reservation_shows_expired_and_is_not_fulfilled(
    client: Client, box: Responder
) -> None:
    expiry = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    await post(
        client,
        "/charge-boxes/CMD-1/remote/reserve-now",
        {"connector_id": 1, "expiry_date": expiry, "id_tag": "TAG-E"},
    )
    reservation_id = box.received[-1][1]["reservationId"]
    await asyncio.sleep(
        1.2
    )  # let the reservation's own expiry date pass (a date, not a wait for us)
    await box.call(
        "StartTransaction", a_start_transaction(idTag="TAG-E", reservationId=reservation_id)
    )
    _, listed = await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1/reservations"),
        lambda r: r[1]["items"] and r[1]["items"][0]["status"] == "expired",
    )
    assert listed["items"][0]["transaction_id"] is None


async def test_the_local_list_is_built_from_the_registry_full_then_differential(
    client: Client, box: Responder
) -> None:
    for tag, status in (("L-1", "Accepted"), ("L-2", "Blocked")):
        await client.put(f"/tokens/{tag}", json={"status": status, "parent_id_tag": "FLEET"})
    await eventually(lambda: get_json(client, "/tokens"), lambda r: len(r[1]["items"]) == 2)
    status, _full, _ = await post(
        client, "/charge-boxes/CMD-1/remote/send-local-list", {"update_type": "Full"}
    )
    assert status == 200
    sent = box.received[-1][1]
    assert (sent["listVersion"], sent["updateType"]) == (1, "Full")
    assert {e["idTag"]: e["idTagInfo"]["status"] for e in sent["localAuthorizationList"]} == {
        "L-1": "Accepted",
        "L-2": "Blocked",
    }
    await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1"),
        lambda r: r[1]["local_list"]["version"] == 1,
    )
    await client.put("/tokens/L-3", json={"status": "Accepted"})
    await client.delete("/tokens/L-1")
    await eventually(
        lambda: get_json(client, "/tokens"),
        lambda r: [t["id_tag"] for t in r[1]["items"]] == ["L-2", "L-3"],
    )
    await post(
        client, "/charge-boxes/CMD-1/remote/send-local-list", {"update_type": "Differential"}
    )
    diff = box.received[-1][1]
    assert (diff["listVersion"], diff["updateType"]) == (2, "Differential")
    assert {e["idTag"]: e.get("idTagInfo") for e in diff["localAuthorizationList"]} == {
        "L-1": None,
        "L-3": {"status": "Accepted"},
    }
    _, version, _ = await post(client, "/charge-boxes/CMD-1/remote/get-local-list-version", {})
    assert version["answer"] == {"list_version": 2}


async def test_charging_profiles_are_kept_until_cleared(client: Client, box: Responder) -> None:
    profile = OPERATIONS["set-charging-profile"].example
    assert (await post(client, "/charge-boxes/CMD-1/remote/set-charging-profile", profile))[
        0
    ] == 200
    assert box.received[-1][1]["csChargingProfiles"]["chargingSchedule"][
        "chargingSchedulePeriod"
    ] == [{"startPeriod": 0, "limit": 16.0}]
    _, installed = await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1/charging-profiles"),
        lambda r: len(r[1]["items"]) == 1,
    )
    models.ChargingProfilesOut.model_validate(installed)
    assert installed["items"][0]["purpose"] == "ChargePointMaxProfile"
    _, schedule, _ = await post(
        client,
        "/charge-boxes/CMD-1/remote/get-composite-schedule",
        {"connector_id": 0, "duration": 600},
    )
    assert schedule["answer"]["charging_schedule"]["charging_rate_unit"] == "A"
    assert (await post(client, "/charge-boxes/CMD-1/remote/clear-charging-profile", {}))[0] == 200
    await eventually(
        lambda: get_json(client, "/charge-boxes/CMD-1/charging-profiles"),
        lambda r: r[1]["items"] == [],
    )
