"""End to end: an OCPP 2.0.1 station built on the `ocpp` library, over a real websocket, to
a real server on a real PostgreSQL: negotiation, a whole transaction, a command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result

from tests.support.library_cp import LibraryChargePoint
from tests.support.server import ServerProcess, rest
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

Start = Callable[..., ServerProcess]
BOTH = ("ocpp1.6", "ocpp2.0.1")


class Station(ChargePoint):  # type: ignore[misc]
    """A 2.0.1 station that accepts resets, as a vendor's firmware would."""

    resets: list[str]

    @on("Reset")  # type: ignore[misc]
    def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        self.resets.append(type)
        return call_result.Reset(status="Accepted")


def meter(wh: float, at: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": at,
            "sampled_value": [
                {"value": wh, "measurand": "Energy.Active.Import.Register"},
                {"value": 7400.0, "measurand": "Power.Active.Import"},
                *(
                    {"value": 16.0, "measurand": "Current.Import", "phase": phase}
                    for phase in ("L1", "L2", "L3")
                ),
                {"value": 230.0, "measurand": "Voltage", "phase": "L1-N"},
            ],
        }
    ]


def an_event(event_type: str, seq_no: int, at: str, **fields: Any) -> call.TransactionEvent:
    return call.TransactionEvent(
        event_type=event_type,
        timestamp=at,
        trigger_reason=fields.pop("trigger", "MeterValuePeriodic"),
        seq_no=seq_no,
        transaction_info={"transaction_id": "LIB-TX-1", **fields.pop("info", {})},
        **fields,
    )


async def test_a_2_0_1_station_boots_charges_and_is_billed(start_server: Start) -> None:
    server = start_server()
    await rest(server, "PUT", "/tokens/RFID-1", {"status": "Accepted"})
    station = LibraryChargePoint(server.base_url, "V2-1", kind=ChargePoint, protocols=BOTH)
    async with station as cp:
        assert station.protocol == "ocpp2.0.1"  # the highest version both speak
        boot = await cp.call(
            call.BootNotification(
                charging_station={"model": "KC-P30", "vendor_name": "Keba"}, reason="PowerUp"
            )
        )
        assert boot.status == "Accepted"
        await cp.call(
            call.StatusNotification(
                timestamp="2026-12-07T10:00:00Z",
                connector_status="Occupied",
                evse_id=1,
                connector_id=1,
            )
        )
        token = {"id_token": "RFID-1", "type": "ISO14443"}
        assert (await cp.call(call.Authorize(id_token=token))).id_token_info["status"] == "Accepted"
        started = await cp.call(
            an_event(
                "Started",
                0,
                "2026-12-07T10:00:05Z",
                trigger="Authorized",
                evse={"id": 1, "connector_id": 1},
                id_token=token,
                meter_value=meter(1000.0, "2026-12-07T10:00:05Z"),
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        await cp.call(
            an_event(
                "Updated",
                1,
                "2026-12-07T10:15:00Z",
                meter_value=meter(3500.0, "2026-12-07T10:15:00Z"),
            )
        )
        await cp.call(
            an_event(
                "Ended",
                2,
                "2026-12-07T10:30:00Z",
                trigger="EVDeparted",
                info={"stopped_reason": "EVDisconnected"},
                meter_value=meter(5000.0, "2026-12-07T10:30:00Z"),
            )
        )

        def finished(result: tuple[int, Any]) -> bool:
            status, body = result
            return (
                status == 200 and bool(body["items"]) and body["items"][0]["status"] == "finished"
            )

        _, sessions = await eventually(
            lambda: rest(server, "GET", "/sessions?charge_box_id=V2-1"), finished, what="session"
        )
        session = sessions["items"][0]
        assert (session["id_tag"], session["connector_id"]) == ("RFID-1", 1)
        assert (session["station_transaction_id"], session["ocpp_version"]) == (
            "LIB-TX-1",
            "ocpp2.0.1",
        )
        assert (session["meter_start"], session["meter_stop"], session["energy_wh"]) == (
            1000,
            5000,
            4000,
        )
        _, connections = await rest(server, "GET", "/connections")
        assert connections["V2-1"]["subprotocol"] == "ocpp2.0.1"


async def test_commands_to_a_2_0_1_station_return_its_answer_or_name_its_version(
    start_server: Start,
) -> None:
    server = start_server()
    station = LibraryChargePoint(server.base_url, "V2-2", kind=Station, protocols=("ocpp2.0.1",))
    async with station as cp:
        cp.resets = []
        await cp.call(
            call.BootNotification(
                charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
            )
        )
        status, answer = await rest(
            server, "POST", "/charge-boxes/V2-2/remote/reset", {"type": "soft"}
        )
        assert status == 200, answer
        assert answer["answer"] == {"status": "Accepted"}
        assert answer["action"] == "Reset"
        assert cp.resets == ["OnIdle"]
        status, refused = await rest(
            server, "POST", "/charge-boxes/V2-2/remote/get-configuration", {}
        )
        assert status == 422, refused
        assert "2.0.1" in str(refused)


async def test_a_session_plugged_in_first_is_billed_to_the_driver_who_authorized(
    start_server: Start,
) -> None:
    server = start_server()
    await rest(server, "PUT", "/tokens/LATE-1", {"status": "Accepted"})
    station = LibraryChargePoint(server.base_url, "V2-3", kind=ChargePoint, protocols=BOTH)
    async with station as cp:
        boot = call.BootNotification(
            charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
        )
        await cp.call(boot)
        at = "2026-12-07T12:00:00Z"
        plugged = an_event(
            "Started", 0, at, trigger="CablePluggedIn", evse={"id": 1, "connector_id": 1}
        )
        await cp.call(plugged)
        token = {"id_token": "LATE-1", "type": "ISO14443"}
        authorized = await cp.call(an_event("Updated", 1, at, trigger="Authorized", id_token=token))
        assert authorized.id_token_info["status"] == "Accepted"
        await cp.call(an_event("Ended", 2, at, trigger="EVDeparted", meter_value=meter(900.0, at)))

        def tagged(result: tuple[int, Any]) -> bool:
            items = result[1]["items"]
            return bool(items) and items[0]["status"] == "finished"

        _, sessions = await eventually(
            lambda: rest(server, "GET", "/sessions?charge_box_id=V2-3"), tagged, what="session"
        )
        assert (sessions["items"][0]["id_tag"], sessions["items"][0]["id_tag_status"]) == (
            "LATE-1",
            "Accepted",
        )


async def test_a_skipped_number_and_offline_events_are_flagged_on_the_session(
    start_server: Start,
) -> None:
    server = start_server()
    station = LibraryChargePoint(server.base_url, "V2-GAP", kind=ChargePoint, protocols=BOTH)
    async with station as cp:
        boot = call.BootNotification(
            charging_station={"model": "KC-P30", "vendor_name": "Keba"}, reason="PowerUp"
        )
        assert (await cp.call(boot)).status == "Accepted"
        info = {"info": {"transaction_id": "GAP-1"}}
        events = [
            an_event("Started", 0, "2026-12-07T10:00:00Z", trigger="CablePluggedIn", **info),
            # seqNo 1 never arrives (lost while offline), then the rest comes late
            an_event(
                "Updated",
                2,
                "2026-12-07T10:10:00Z",
                meter_value=meter(2000.0, "2026-12-07T10:10:00Z"),
                **info,
            ),
            an_event(
                "Ended",
                3,
                "2026-12-07T10:20:00Z",
                offline=True,
                meter_value=meter(2500.0, "2026-12-07T10:20:00Z"),
                info={"transaction_id": "GAP-1", "stopped_reason": "EVDisconnected"},
            ),
        ]
        for event in events:
            await cp.call(event)

    def flagged(result: tuple[int, Any]) -> bool:
        status, body = result
        return status == 200 and bool(body["items"]) and body["items"][0]["status"] == "finished"

    _, sessions = await eventually(
        lambda: rest(server, "GET", "/sessions?charge_box_id=V2-GAP"), flagged, what="session"
    )
    session = sessions["items"][0]
    assert set(session["flags"]) >= {"seq_no_gap", "offline"}
    assert (session["meter_stop"], session["meter"]["reports"]) == (2500, 2)


async def test_an_evse_with_two_connectors_shows_each_and_the_one_in_use(
    start_server: Start,
) -> None:
    server = start_server()
    station = LibraryChargePoint(server.base_url, "V2-DC", kind=ChargePoint, protocols=BOTH)

    def status(connector: int, value: str, at: str) -> call.StatusNotification:
        return call.StatusNotification(
            timestamp=at, connector_status=value, evse_id=1, connector_id=connector
        )

    async def evse(expected: str) -> dict[str, Any]:
        def shows(result: tuple[int, Any]) -> bool:
            status_code, body = result
            rows = [c for c in body.get("connectors", []) if c["connector_id"] == 1]
            return status_code == 200 and bool(rows) and rows[0]["status"] == expected

        _, body = await eventually(
            lambda: rest(server, "GET", "/charge-boxes/V2-DC"), shows, what=f"EVSE {expected}"
        )
        (row,) = [c for c in body["connectors"] if c["connector_id"] == 1]
        return dict(row)

    async with station as cp:
        boot = call.BootNotification(
            charging_station={"model": "DC-150", "vendor_name": "V"}, reason="PowerUp"
        )
        await cp.call(boot)
        # A DC charger: CCS (1) and CHAdeMO (2) on one EVSE. The CCS cable goes in: the
        # CHAdeMO becomes Unavailable, and it reports last.
        await cp.call(status(1, "Available", "2026-12-07T10:00:00Z"))
        await cp.call(status(2, "Available", "2026-12-07T10:00:00Z"))
        await cp.call(status(1, "Occupied", "2026-12-07T10:05:00Z"))
        await cp.call(status(2, "Unavailable", "2026-12-07T10:05:01Z"))
        row = await evse("Occupied")
        assert {k: v["status"] for k, v in row["evse_connectors"].items()} == {
            "1": "Occupied",
            "2": "Unavailable",
        }
        await cp.call(status(1, "Available", "2026-12-07T11:00:00Z"))
        await cp.call(status(2, "Available", "2026-12-07T11:00:01Z"))
        row = await evse("Available")
        assert row["evse_connectors"]["1"]["status"] == "Available"
