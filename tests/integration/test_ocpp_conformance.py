"""OCPP-J 1.6 conformance over a real websocket: every charge-point message, every error.

Each test names the rule it proves; docs/ocpp-conformance.md lists them.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import psycopg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from cs.app.access import UnknownChargeBoxes
from cs.app.datatransfer import DataTransferAnswer, DataTransferRequest, DataTransferStatus
from cs.bootstrap import bootstrap
from cs.config import Settings
from cs.http.app import init_app
from tests.integration.conftest import base, get_json
from tests.support.builders import a_boot_notification, a_status_notification
from tests.support.client import TestChargePoint
from tests.support.responder import Answer, Responder
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres
Client = TestClient[Any, Any]


def topics(database_url: str, *prefixes: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT topic FROM cs_events ORDER BY notification_id").fetchall()
    return [r[0] for r in rows if not prefixes or r[0].startswith(prefixes)]


async def assert_no_answer(cp: TestChargePoint) -> None:
    """Nothing answered the last frame: the next frame is the answer to a fresh Heartbeat."""
    probe = f"probe-{time.monotonic_ns()}"
    await cp.send_raw(json.dumps([2, probe, "Heartbeat", {}]))
    frame = await cp.receive()
    assert frame[:2] == [3, probe], f"unexpected frame {frame}"


# --- messages a charge point sends ------------------------------------------------------


async def test_data_transfer_from_an_unknown_vendor_is_answered_unknown_vendor_id(
    client: Client, database_url: str
) -> None:
    async with await TestChargePoint.connect(base(client), "DT-1") as cp:
        _, _, answer = await cp.call(
            "DataTransfer", {"vendorId": "com.nobody", "messageId": "x", "data": "{}"}
        )
    assert answer == {"status": "UnknownVendorId"}
    assert "cs.ChargeBox.DataTransferred" in topics(database_url)


async def test_plugged_in_vendor_handlers_answer_their_messages(
    database_url: str, tmp_path: Any
) -> None:
    seen: list[DataTransferRequest] = []

    async def price(request: DataTransferRequest) -> DataTransferAnswer:
        seen.append(request)
        return DataTransferAnswer(DataTransferStatus.ACCEPTED, '{"price": 0.42}')

    settings = Settings(database_url=database_url, data_dir=tmp_path, projections="thread")
    app = init_app(bootstrap(settings, data_transfer_handlers={("com.acme", "GetPrice"): price}))
    async with (
        TestClient(TestServer(app)) as client,
        await TestChargePoint.connect(base(client), "DT-2") as cp,
    ):
        _, _, priced = await cp.call(
            "DataTransfer", {"vendorId": "com.acme", "messageId": "GetPrice", "data": "c1"}
        )
        _, _, unknown = await cp.call("DataTransfer", {"vendorId": "com.acme", "messageId": "Nope"})
        _, _, echoed = await cp.call(
            "DataTransfer", {"vendorId": "org.chargegrid", "messageId": "echo", "data": "hi"}
        )
    assert priced == {"status": "Accepted", "data": '{"price": 0.42}'}
    assert (seen[0].charge_box_id, seen[0].data) == ("DT-2", "c1")
    assert unknown == {"status": "UnknownMessageId"}
    assert echoed == {"status": "Accepted", "data": "hi"}


async def test_diagnostics_and_firmware_status_are_shown_on_the_charge_box(client: Client) -> None:
    async with await TestChargePoint.connect(base(client), "FW-1") as cp:
        assert (await cp.call("FirmwareStatusNotification", {"status": "Downloading"}))[2] == {}
        assert (await cp.call("FirmwareStatusNotification", {"status": "Installed"}))[0] == 3
        assert (await cp.call("DiagnosticsStatusNotification", {"status": "Uploaded"}))[0] == 3
    _, box = await eventually(
        lambda: get_json(client, "/charge-boxes/FW-1"),
        lambda r: r[0] == 200 and r[1]["diagnostics"]["status"] == "Uploaded",
    )
    assert box["firmware"]["status"] == "Installed"
    assert box["firmware"]["at"] is not None


async def test_security_whitepaper_messages_are_recorded_and_shown(client: Client) -> None:
    async with await TestChargePoint.connect(base(client), "SEC-1") as cp:
        event = {"type": "FirmwareUpdated", "timestamp": "2026-11-25T10:00:00Z", "techInfo": "v2"}
        assert (await cp.call("SecurityEventNotification", event))[0] == 3
        assert (
            await cp.call(
                "SignedFirmwareStatusNotification", {"status": "SignatureVerified", "requestId": 7}
            )
        )[0] == 3
        assert (await cp.call("LogStatusNotification", {"status": "Uploading", "requestId": 8}))[
            0
        ] == 3
        _, _, signed = await cp.call(
            "SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----"}
        )
    assert signed == {"status": "Rejected"}  # no certificate authority configured
    _, box = await eventually(
        lambda: get_json(client, "/charge-boxes/SEC-1"),
        lambda r: r[0] == 200 and r[1]["security"]["certificate_requests"] == 1,
    )
    assert box["security"]["last_event_type"] == "FirmwareUpdated"
    assert (box["firmware"]["signed_status"], box["firmware"]["signed_request_id"]) == (
        "SignatureVerified",
        7,
    )
    assert (box["logs"]["status"], box["logs"]["request_id"]) == ("Uploading", 8)
    _, events = await get_json(client, "/charge-boxes/SEC-1/security-events")
    assert [(e["event_type"], e["tech_info"]) for e in events["items"]] == [
        ("FirmwareUpdated", "v2")
    ]


# --- OCPP-J framing (section 4) ---------------------------------------------------------

ANSWERED = [
    ('[2, "f1", "Heartbeat", {', "f1", "FormationViolation"),  # not JSON, id readable
    ('[2, "f2", "Heartbeat"]', "f2", "FormationViolation"),  # wrong length
    ('[2, "f3", 5, {}]', "f3", "FormationViolation"),  # action not a string
    ('[2, "f4", "Heartbeat", []]', "f4", "FormationViolation"),  # payload not an object
    ('["2", "f5", "Heartbeat", {}]', "f5", "FormationViolation"),  # type id not an integer
    (json.dumps([2, "x" * 37, "Heartbeat", {}]), "x" * 37, "FormationViolation"),  # id > 36
    ('[2, "f6", "FancyVendorThing", {}]', "f6", "NotImplemented"),  # unknown action
    ('[2, "f7", "Reset", {"type": "Hard"}]', "f7", "NotSupported"),  # only a CS sends it
    (
        '[2, "f8", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", "status": "Available"}]',
        "f8",
        "TypeConstraintViolation",
    ),
    (
        '[2, "f9", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Occupied"}]',
        "f9",
        "PropertyConstraintViolation",
    ),
    (
        '[2, "fa", "StatusNotification", {"errorCode": "NoError", "status": "Available"}]',
        "fa",
        "ProtocolError",
    ),
    ('[2, "fb", "Heartbeat", {"extra": 1}]', "fb", "FormationViolation"),
    (
        '[2, "fc", "Authorize", {"idTag": "ABCDEFGHIJKLMNOPQRSTU"}]',
        "fc",
        "TypeConstraintViolation",
    ),  # > 20
    (
        '[2, "fd", "StartTransaction", {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "not-a-date"}]',
        "fd",
        "TypeConstraintViolation",
    ),
    (
        '[2, "fe", "MeterValues", {"connectorId": 1, "meterValue": []}]',
        "fe",
        "OccurenceConstraintViolation",
    ),
    (
        '[2, "ff", "StatusNotification", {"connectorId": -1, "errorCode": "NoError", "status": "Available"}]',
        "ff",
        "PropertyConstraintViolation",
    ),
]


@pytest.mark.parametrize(("frame", "unique_id", "code"), ANSWERED, ids=[c for _, _, c in ANSWERED])
async def test_malformed_calls_get_the_callerror_ocpp_j_1_6_names(
    client: Client, frame: str, unique_id: str, code: str
) -> None:
    async with await TestChargePoint.connect(base(client), "FR-1") as cp:
        await cp.send_raw(frame)
        answer = await cp.receive()
        assert answer[:3] == [4, unique_id, code]
        assert isinstance(answer[3], str)
        assert isinstance(answer[4], dict)
        assert (await cp.call("Heartbeat", {}))[0] == 3  # the connection goes on


UNANSWERABLE = [
    "garbage",  # no unique id can be read
    '{"not": "an array"}',
    "[]",
    '[9, "u1", "Heartbeat", {}]',  # unknown message type id: ignored (section 4.1.3)
    '[3, "nobody-asked", {}]',  # a result for a call we never made: recorded, ignored
    '[4, "nobody-asked", "GenericError", "x", {}]',
    "[" * 10_000 + "]" * 10_000,  # deeply nested: refused by the parser, not a crash
]


@pytest.mark.parametrize("frame", UNANSWERABLE, ids=range(len(UNANSWERABLE)))
async def test_frames_that_cannot_be_answered_are_ignored_and_recorded(
    client: Client, database_url: str, frame: str
) -> None:
    async with await TestChargePoint.connect(base(client), "FR-2") as cp:
        await cp.send_raw(frame)
        await assert_no_answer(cp)
    stored = topics(database_url)
    # The boot and our answer are one Exchanged record; the unanswerable frame stands alone.
    assert stored.count("cs.Connection.Exchanged") == 1
    assert stored.count("cs.Connection.FrameReceived") == 1
    assert stored.count("cs.Connection.FrameSent") == 0


async def test_a_null_payload_is_accepted_as_empty(client: Client) -> None:
    async with await TestChargePoint.connect(base(client), "FR-3") as cp:
        await cp.send_raw('[2, "n1", "Heartbeat", null]')
        kind, unique_id, payload = await cp.receive()
    assert (kind, unique_id) == (3, "n1")
    assert "currentTime" in payload


async def test_every_rejected_input_is_recorded_with_its_answer(
    client: Client, database_url: str
) -> None:
    async with await TestChargePoint.connect(base(client), "FR-4") as cp:
        for frame, _, _ in ANSWERED[:5]:
            await cp.send_raw(frame)
            await cp.receive()
    stored = topics(database_url, "cs.Connection.")
    # Each bad CALL and the CALLERROR that answered it: one Exchanged record.
    assert stored.count("cs.Connection.Exchanged") == 5
    assert "cs.Connection.FrameReceived" not in stored


# --- robustness -------------------------------------------------------------------------


async def test_a_retried_call_gets_the_same_answer_and_its_effect_is_recorded_once(
    client: Client, database_url: str
) -> None:
    async with await TestChargePoint.connect(base(client), "RT-1") as cp:
        first = await cp.call("StatusNotification", a_status_notification(), unique_id="same")
        again = await cp.call("StatusNotification", a_status_notification(), unique_id="same")
        boot = await cp.call("BootNotification", a_boot_notification(), unique_id="b")
        boot_again = await cp.call("BootNotification", a_boot_notification(), unique_id="b")
    assert first == again
    assert boot == boot_again  # even the currentTime: it is the same answer
    stored = topics(database_url)
    assert stored.count("cs.ChargeBox.StatusNotified") == 1
    assert stored.count("cs.ChargeBox.Booted") == 1
    assert stored.count("cs.Connection.Exchanged") == 4  # every frame is recorded


async def test_a_binary_frame_is_refused_with_close_1003_and_recorded(
    client: Client, database_url: str
) -> None:
    cp = await TestChargePoint.connect(base(client), "BIN-1")
    try:
        await cp.ws.send_bytes(b"\x00\x01binary")
        closing = await cp.ws.receive(timeout=10)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert cp.ws.close_code == 1003
    finally:
        await cp.close()
    await eventually(
        lambda: asyncio.sleep(0, topics(database_url)), lambda t: "cs.Connection.FrameRejected" in t
    )


@pytest.mark.settings(ws_max_message_size=2048)
async def test_a_frame_above_the_size_limit_is_refused_with_close_1009_and_recorded(
    client: Client, database_url: str
) -> None:
    cp = await TestChargePoint.connect(base(client), "BIG-1")
    try:
        await cp.send_raw(
            json.dumps([2, "big", "DataTransfer", {"vendorId": "v", "data": "x" * 5000}])
        )
        closing = await cp.ws.receive(timeout=10)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert cp.ws.close_code == 1009
    finally:
        await cp.close()
    await eventually(
        lambda: asyncio.sleep(0, topics(database_url)), lambda t: "cs.Connection.FrameRejected" in t
    )


async def test_a_box_answered_rejected_may_only_boot_again(client: Client) -> None:
    response = await client.put("/charge-boxes/REJ-1/registration", json={"status": "Rejected"})
    assert response.status == 200
    async with await TestChargePoint.connect(base(client), "REJ-1") as cp:
        assert (await cp.call("BootNotification", a_boot_notification()))[2]["status"] == "Rejected"
        refused = await cp.call("Heartbeat", {})
        assert refused[:3] == [4, refused[1], "SecurityError"]
        assert (
            await client.put("/charge-boxes/REJ-1/registration", json={"status": "Accepted"})
        ).status == 200
        assert (await cp.call("BootNotification", a_boot_notification()))[2]["status"] == "Accepted"
        assert (await cp.call("Heartbeat", {}))[0] == 3
    bad = await client.put("/charge-boxes/REJ-1/registration", json={"status": "Maybe"})
    assert bad.status == 422


@pytest.mark.settings(unknown_charge_boxes=UnknownChargeBoxes.PENDING)
async def test_a_new_box_waits_pending_until_an_operator_approves_it(client: Client) -> None:
    # OCPP 1.6 section 4.2: while Pending the central system sends no RemoteStart/Stop.
    responder = await Responder.connect(base(client), "NEW-1")
    starts: list[dict[str, Any]] = []

    def remote_start(payload: dict[str, Any]) -> Answer:
        starts.append(payload)
        return Answer(result={"status": "Accepted"})

    responder.answer("RemoteStartTransaction", remote_start)
    try:
        boot = await responder.call("BootNotification", a_boot_notification())
        assert boot[2]["status"] == "Pending"
        assert boot[2]["interval"] > 0  # when to boot again
        start = {"connector_id": 1, "id_tag": "TAG-1"}
        refused = await client.post(
            "/charge-boxes/NEW-1/remote/remote-start-transaction", json=start
        )
        assert refused.status == 409
        assert (await refused.json())["code"] == "station_pending"
        assert starts == []  # nothing was sent
        approved = await client.put("/charge-boxes/NEW-1/registration", json={"status": "Accepted"})
        assert approved.status == 200
        boot = await responder.call("BootNotification", a_boot_notification())
        assert boot[2]["status"] == "Accepted"
        sent = await client.post("/charge-boxes/NEW-1/remote/remote-start-transaction", json=start)
        assert sent.status == 200, await sent.text()
        assert [p["idTag"] for p in starts] == ["TAG-1"]
    finally:
        await responder.close()
    # A box an operator registered beforehand (its security profile) needs no approval.
    registered = await client.put("/charge-boxes/KNOWN-1/security", json={"security_profile": 0})
    assert registered.status in (200, 201), await registered.text()
    async with await TestChargePoint.connect(base(client), "KNOWN-1") as cp:
        assert (await cp.call("BootNotification", a_boot_notification()))[2]["status"] == "Accepted"


# Unthrottled (the worst case): throttling has its own test in test_charge_box_access.py.
@pytest.mark.settings(cp_message_rate=0)
async def test_a_flood_from_one_connection_does_not_starve_another(client: Client) -> None:
    async with (
        await TestChargePoint.connect(base(client), "FLOOD") as flood,
        await TestChargePoint.connect(base(client), "CALM") as calm,
    ):
        for n in range(1500):  # sent without waiting for answers
            await flood.send_raw(json.dumps([2, f"f{n}", "Heartbeat", {}]))
        latencies = []
        for _ in range(20):
            started = time.perf_counter()
            assert (await calm.call("Heartbeat", {}))[0] == 3
            latencies.append(time.perf_counter() - started)
        answered = [await flood.receive(timeout=30) for _ in range(1500)]
    assert [frame[1] for frame in answered] == [f"f{n}" for n in range(1500)]  # in order
    assert max(latencies) < 0.5, latencies


async def test_a_u0000_in_a_string_is_kept_in_the_log_and_stalls_no_read_model(
    client: Client, database_url: str
) -> None:
    """JSON allows U+0000; PostgreSQL text does not. A charger sending one must not
    stall the projections of every other charger behind it."""
    async with await TestChargePoint.connect(base(client), "NUL-1") as cp:
        boot = a_boot_notification(chargePointVendor="A\u0000B")
        assert (await cp.call("BootNotification", boot))[0] == 3
        info = a_status_notification(info="x\u0000y")
        assert (await cp.call("StatusNotification", info))[0] == 3
    async with await TestChargePoint.connect(base(client), "AFTER-1") as cp:
        assert (await cp.call("BootNotification", a_boot_notification()))[0] == 3
    _, boxes = await eventually(
        lambda: get_json(client, "/charge-boxes"),
        lambda r: {"NUL-1", "AFTER-1"} <= {b["charge_box_id"] for b in r[1]["items"]},
        what="both boxes projected",
    )
    nul = next(b for b in boxes["items"] if b["charge_box_id"] == "NUL-1")
    assert nul["boot"]["charge_point_vendor"] == "A\ufffdB"  # the read model's stand-in
    with psycopg.connect(database_url) as conn:
        frames = [
            row[0]
            for row in conn.execute(
                "SELECT convert_from(state, 'UTF8') FROM cs_events "
                "WHERE topic IN ('cs.Connection.FrameReceived', 'cs.Connection.Exchanged')"
            )
        ]
    assert any("A\\\\u0000B" in frame for frame in frames)  # the log kept what was sent


async def test_path_values_postgresql_cannot_take_are_4xx_not_500(client: Client) -> None:
    for path, expected in (
        ("/charge-boxes/%00", 400),
        ("/sessions/99999999999999999999", 404),
        ("/sessions/99999999999999999999/history", 404),
        ("/sessions/0", 404),
    ):
        status, body = await get_json(client, path)
        assert (status, "error" in body) == (expected, True), (path, body)
