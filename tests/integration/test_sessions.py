"""Charging sessions and authorization over a real websocket, on a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from aiohttp.test_utils import TestClient

from cs.domain.authorization import UnknownTagPolicy
from cs.http import models
from cs.http.openapi import SessionPage
from tests.integration.conftest import base, get_json
from tests.support.builders import (
    a_boot_notification,
    a_meter_value,
    a_meter_values,
    a_sample,
    a_start_transaction,
    a_stop_transaction,
)
from tests.support.client import TestChargePoint
from tests.support.waiting import eventually

pytestmark = pytest.mark.postgres
Client = TestClient[Any, Any]


async def register(client: Client, id_tag: str, **body: Any) -> None:
    response = await client.put(f"/tokens/{id_tag}", json={"status": "Accepted", **body})
    assert response.status in (200, 201), await response.text()


async def session_when(client: Client, transaction_id: int, status: str) -> dict[str, Any]:
    def done(result: tuple[int, Any]) -> bool:
        return result[0] == 200 and result[1]["status"] == status

    _, body = await eventually(
        lambda: get_json(client, f"/sessions/{transaction_id}"), done, what=status
    )
    return body  # type: ignore[no-any-return]


def stored_topics(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [r[0] for r in conn.execute("SELECT topic FROM cs_events ORDER BY notification_id")]


async def started(cp: TestChargePoint, **overrides: Any) -> int:
    kind, _, payload = await cp.call("StartTransaction", a_start_transaction(**overrides))
    assert kind == 3
    transaction_id = payload["transactionId"]
    assert isinstance(transaction_id, int)
    assert 0 < transaction_id < 2**31
    return transaction_id  # type: ignore[no-any-return]


async def test_a_full_session_is_shown_finished_with_exact_energy(client: Client) -> None:
    await register(client, "TAG-1")
    async with await TestChargePoint.connect(base(client), "CP-1") as cp:
        await cp.call("BootNotification", a_boot_notification())
        _, _, auth = await cp.call("Authorize", {"idTag": "TAG-1"})
        assert auth == {"idTagInfo": {"status": "Accepted"}}
        tx = await started(cp)
        for minute, (energy, power, soc) in enumerate([(2000, "7.2", "20"), (4500, "11.0", "35")]):
            frame = a_meter_values(
                tx,
                a_meter_value(
                    f"2026-11-25T10:{10 + minute}:00Z",
                    a_sample(str(energy), "Energy.Active.Import.Register", "Wh"),
                    a_sample(power, "Power.Active.Import", "kW"),
                    a_sample(soc, "SoC", "Percent", location="EV"),
                ),
            )
            assert (await cp.call("MeterValues", frame))[0] == 3
        data = [
            a_meter_value(
                "2026-11-25T11:30:00Z", a_sample("8.5", unit="kWh", context="Transaction.End")
            )
        ]
        _, _, stop = await cp.call("StopTransaction", a_stop_transaction(tx, transactionData=data))
        assert stop == {"idTagInfo": {"status": "Accepted"}}
    session = await session_when(client, tx, "finished")
    models.SessionOut.model_validate(session)
    assert (session["meter_start"], session["meter_stop"], session["energy_kwh"]) == (
        1000,
        8500,
        7.5,
    )
    assert session["duration_seconds"] == 90 * 60
    assert session["meter"]["max_power_w"] == 11000
    assert session["meter"]["last_soc"] == 35
    assert session["meter"]["last_energy_wh"] == 8500
    assert session["meter"]["reports"] == 3
    assert (session["stop_reason"], session["flags"]) == ("Local", [])


async def test_a_stop_for_an_unknown_transaction_is_still_confirmed_and_recorded(
    client: Client, database_url: str
) -> None:
    async with await TestChargePoint.connect(base(client), "CP-U") as cp:
        kind, _, payload = await cp.call("StopTransaction", a_stop_transaction(999_999, idTag=None))
    assert (kind, payload) == (3, {})
    assert "cs.ChargeBox.UnknownTransactionStopped" in stored_topics(database_url)


async def test_a_repeated_stop_is_confirmed_and_changes_nothing(client: Client) -> None:
    await register(client, "TAG-1")
    async with await TestChargePoint.connect(base(client), "CP-R") as cp:
        tx = await started(cp)
        assert (await cp.call("StopTransaction", a_stop_transaction(tx)))[0] == 3
        assert (await cp.call("StopTransaction", a_stop_transaction(tx, meterStop=99999)))[0] == 3
    await eventually(
        lambda: get_json(client, f"/sessions/{tx}"), lambda r: r[1].get("repeated_stops") == 1
    )
    session = await session_when(client, tx, "finished")
    assert session["meter_stop"] == 8500


async def test_a_retried_start_gets_the_same_transaction_and_no_second_session(
    client: Client,
) -> None:
    await register(client, "TAG-1")
    async with await TestChargePoint.connect(base(client), "CP-D") as cp:
        first = await started(cp)
    async with await TestChargePoint.connect(base(client), "CP-D") as cp:  # after a reconnect
        again = await started(cp)
        same_id = await cp.call("StartTransaction", a_start_transaction(), unique_id="77")
        repeat = await cp.call("StartTransaction", a_start_transaction(), unique_id="77")
    assert again == first
    assert same_id[2]["transactionId"] == repeat[2]["transactionId"] == first
    _, page = await eventually(
        lambda: get_json(client, "/charge-boxes/CP-D/sessions"),
        # Two repeats by content; the second "77" is a retried CALL, replayed, not repeated.
        lambda r: r[0] == 200 and r[1]["items"] and r[1]["items"][0]["repeated_starts"] == 2,
    )
    assert [s["transaction_id"] for s in page["items"]] == [first]


async def test_a_tag_in_an_active_session_is_concurrent_until_it_stops(client: Client) -> None:
    await register(client, "TAG-C")
    async with await TestChargePoint.connect(base(client), "CP-C") as cp:
        tx = await started(cp, idTag="TAG-C")
        assert (await cp.call("Authorize", {"idTag": "tag-c"}))[2]["idTagInfo"][
            "status"
        ] == "ConcurrentTx"
        await cp.call("StopTransaction", a_stop_transaction(tx, idTag="TAG-C"))
        assert (await cp.call("Authorize", {"idTag": "TAG-C"}))[2]["idTagInfo"][
            "status"
        ] == "Accepted"


@pytest.mark.parametrize(
    ("registration", "expected"),
    [
        ({"status": "Accepted", "expiry_date": "2020-01-01T00:00:00Z"}, "Expired"),
        ({"status": "Blocked"}, "Blocked"),
        ({"status": "Invalid"}, "Invalid"),
        (None, "Invalid"),  # unknown tag, default policy: reject
    ],
)
async def test_expired_blocked_and_unknown_tags_are_refused(
    client: Client, registration: dict[str, Any] | None, expected: str
) -> None:
    if registration is not None:
        assert (await client.put("/tokens/TAG-X", json=registration)).status == 201
    async with await TestChargePoint.connect(base(client), "CP-X") as cp:
        info = (await cp.call("Authorize", {"idTag": "TAG-X"}))[2]["idTagInfo"]
        assert info["status"] == expected
        start = (await cp.call("StartTransaction", a_start_transaction(idTag="TAG-X")))[2]
        assert start["idTagInfo"]["status"] == expected
        assert start["transactionId"] > 0  # still answered: the charger decides what to do


@pytest.mark.settings(unknown_id_tags=UnknownTagPolicy.ACCEPT)
async def test_the_accept_policy_accepts_unknown_tags_but_not_blocked_ones(client: Client) -> None:
    await client.put("/tokens/BAD", json={"status": "Blocked"})
    async with await TestChargePoint.connect(base(client), "CP-P") as cp:
        assert (await cp.call("Authorize", {"idTag": "ANYONE"}))[2]["idTagInfo"][
            "status"
        ] == "Accepted"
        assert (await cp.call("Authorize", {"idTag": "BAD"}))[2]["idTagInfo"]["status"] == "Blocked"


async def test_negative_energy_is_kept_and_flagged(client: Client) -> None:
    await register(client, "TAG-1")
    async with await TestChargePoint.connect(base(client), "CP-N") as cp:
        tx = await started(cp, meterStart=5000)
        await cp.call("StopTransaction", a_stop_transaction(tx, meterStop=4000))
    session = await session_when(client, tx, "finished")
    assert session["energy_wh"] == -1000
    assert session["flags"] == ["negative_energy"]


async def test_a_meter_going_backwards_is_kept_and_flagged(client: Client) -> None:
    await register(client, "TAG-1")
    async with await TestChargePoint.connect(base(client), "CP-B") as cp:
        tx = await started(cp)
        for t, value in (("10:10", "3000"), ("10:20", "2000")):
            await cp.call(
                "MeterValues",
                a_meter_values(tx, a_meter_value(f"2026-11-25T{t}:00Z", a_sample(value))),
            )
        await cp.call("StopTransaction", a_stop_transaction(tx))
    session = await session_when(client, tx, "finished")
    assert session["flags"] == ["meter_backwards"]
    assert session["meter"]["last_energy_wh"] == 2000  # kept as reported, not corrected
    assert session["energy_kwh"] == 7.5  # billing still uses meterStart/meterStop


async def test_a_start_on_a_busy_connector_abandons_the_older_session(client: Client) -> None:
    await register(client, "TAG-1")
    await register(client, "TAG-2")
    async with await TestChargePoint.connect(base(client), "CP-A") as cp:
        old = await started(cp, idTag="TAG-1")
        new = await started(cp, idTag="TAG-2", timestamp="2026-11-25T10:30:00Z")
        assert (await cp.call("Authorize", {"idTag": "TAG-1"}))[2]["idTagInfo"][
            "status"
        ] == "Accepted"
    assert new != old
    abandoned = await session_when(client, old, "abandoned")
    assert abandoned["replaced_by"] == new
    _, _box = await eventually(
        lambda: get_json(client, "/charge-boxes/CP-A"),
        lambda r: (
            r[0] == 200 and any(c["active_transaction_id"] == new for c in r[1]["connectors"])
        ),
        what="connector shows the new session",
    )
    _, evse = await get_json(client, "/evses/CP-A")
    assert evse["connectors"]["1"]["active_transaction_id"] == new


def a_day_of_meter_data(entries: int) -> list[dict[str, Any]]:
    """`transactionData` as a charger sends it after a long session: 5 measurands each."""
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    data = []
    for n in range(entries):
        at = (start + timedelta(minutes=2 * n)).isoformat().replace("+00:00", "Z")
        more = {"context": "Sample.Periodic", "location": "Outlet", "format": "Raw"}
        data.append(
            a_meter_value(
                at,
                a_sample(str(1000 + 100 * n), "Energy.Active.Import.Register", "Wh", **more),
                a_sample("7200", "Power.Active.Import", "W", **more),
                a_sample("31.3", "Current.Import", "A", phase="L1", **more),
                a_sample("230.1", "Voltage", "V", phase="L1-N", **more),
                a_sample(str(20 + n % 80), "SoC", "Percent", **{**more, "location": "EV"}),
            )
        )
    return data


async def test_the_stop_of_a_day_long_session_with_all_its_meter_data_is_confirmed(
    client: Client, database_url: str
) -> None:
    """StopTransaction.req carries `transactionData` (OCPP 1.6 §6.49): after a long
    session it is far larger than any other frame, and a charger retries an unconfirmed
    stop forever, so the default frame limit must let it in."""
    await register(client, "TAG-1")
    data = a_day_of_meter_data(720)  # a day sampled every 2 minutes
    frame = a_stop_transaction(0, meterStop=1000 + 100 * 719, transactionData=data)
    assert len(json.dumps(frame)) > 500_000
    async with await TestChargePoint.connect(base(client), "CP-LONG") as cp:
        tx = await started(cp, meterStart=1000, timestamp="2026-11-24T12:00:00Z")
        frame["transactionId"] = tx
        kind, _, answer = await cp.call("StopTransaction", frame)
        assert (kind, answer["idTagInfo"]["status"]) == (3, "Accepted")
    session = await session_when(client, tx, "finished")
    assert session["energy_wh"] == 100 * 719
    assert session["meter"]["last_energy_wh"] == 1000 + 100 * 719
    assert session["meter"]["last_sample_at"].startswith("2026-11-25T11:58:00")


async def test_meter_values_without_a_transaction_and_on_connector_0_are_kept(
    client: Client, database_url: str
) -> None:
    async with await TestChargePoint.connect(base(client), "CP-M") as cp:
        frame = a_meter_values(
            None,
            a_meter_value("2026-11-25T10:00:00Z", a_sample("230", "Voltage", "V", phase="L1-N")),
            connector_id=0,
        )
        assert (await cp.call("MeterValues", frame))[0] == 3
        assert (
            await cp.call(
                "MeterValues",
                a_meter_values(424242, a_meter_value("2026-11-25T10:00:00Z", a_sample("1"))),
            )
        )[0] == 3
    assert stored_topics(database_url).count("cs.ChargeBox.MeterValuesReported") == 2


async def test_sessions_are_listed_newest_first_with_filters_and_a_cursor(client: Client) -> None:
    await register(client, "TAG-1")
    await register(client, "TAG-2")
    async with await TestChargePoint.connect(base(client), "CP-L") as cp:
        txs = []
        for n in range(5):
            tx = await started(
                cp,
                connectorId=1 + n % 2,
                idTag=f"TAG-{1 + n % 2}",
                timestamp=f"2026-11-25T1{n}:00:00Z",
            )
            txs.append(tx)
            if n < 3:
                await cp.call(
                    "StopTransaction", a_stop_transaction(tx, timestamp=f"2026-11-25T1{n}:30:00Z")
                )
    await eventually(
        lambda: get_json(client, "/sessions?limit=100"), lambda r: len(r[1]["items"]) == 5
    )
    seen, cursor = [], None
    while True:
        _, page = await get_json(
            client, "/sessions?limit=2" + (f"&cursor={cursor}" if cursor else "")
        )
        SessionPage.model_validate(page)
        seen += [item["transaction_id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == list(reversed(txs))
    _, active = await get_json(client, "/sessions?status=active")
    assert {s["transaction_id"] for s in active["items"]} == set(txs[3:])
    _, by_tag = await get_json(client, "/sessions?id_tag=tag-2&status=finished")
    assert [s["transaction_id"] for s in by_tag["items"]] == [txs[1]]
    _, window = await get_json(
        client, "/sessions?started_from=2026-11-25T11:00:00%2B00:00&started_to=2026-11-25T13:00:00Z"
    )
    assert [s["transaction_id"] for s in window["items"]] == [txs[2], txs[1]]
    _, connector = await get_json(client, "/evses/CP-L/sessions?connector_id=2")
    assert [s["transaction_id"] for s in connector["items"]] == [txs[3], txs[1]]
    _, summary = await get_json(client, "/summary")
    assert summary["active_sessions"] == 2
    status, bad = await get_json(client, "/sessions?status=running")
    assert status == 422
    assert bad["problems"][0]["field"] == "status"
    status, bad = await get_json(client, "/sessions?started_from=yesterday")
    assert status == 422
    assert bad["problems"][0]["field"] == "started_from"


async def test_the_token_registry_over_rest(client: Client) -> None:
    response = await client.put(
        "/tokens/Card-1",
        json={"status": "Blocked", "parent_id_tag": "FLEET"},
        headers={"x-user-id": "ops"},
    )
    assert response.status == 201
    assert (await response.json())["status"] == "Blocked"
    assert (await client.put("/tokens/Card-1", json={"status": "Accepted"})).status == 200
    status, token = await get_json(client, "/tokens/CARD-1")
    assert (status, token["status"], token["parent_id_tag"]) == (200, "Accepted", None)
    models.TokenOut.model_validate(token)
    bad = await client.put("/tokens/Card-2", json={"status": "Maybe"})
    assert bad.status == 422
    assert (await bad.json())["problems"][0]["field"] == "status"
    too_long = await client.put("/tokens/" + "X" * 21, json={"status": "Accepted"})
    assert too_long.status == 422
    not_json = await client.put(
        "/tokens/Card-3", data=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status == 422
    for n in range(3):
        await client.put(f"/tokens/T-{n}", json={"status": "Accepted"})
    # The list is a read model: wait until all four tokens are projected, not just a page.
    await eventually(
        lambda: get_json(client, "/tokens?limit=10"), lambda r: len(r[1]["items"]) == 4
    )
    _, page = await get_json(client, "/tokens?limit=2")
    _, rest = await get_json(client, f"/tokens?limit=2&cursor={page['next_cursor']}")
    assert [t["id_tag"] for t in page["items"] + rest["items"]] == ["Card-1", "T-0", "T-1", "T-2"]
    assert (await client.delete("/tokens/card-1")).status == 204
    assert (await client.delete("/tokens/card-1")).status == 404
    assert (await get_json(client, "/tokens/Card-1"))[0] == 404
    _, other_tenant = await get_json(client, "/tokens", **{"x-tenant-id": "elsewhere"})
    assert other_tenant["items"] == []
