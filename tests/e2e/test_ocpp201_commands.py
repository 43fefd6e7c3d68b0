"""End to end: every OCPP 2.0.1 command REST offers, sent to a station built on the `ocpp`
library over a real websocket, answered by it; the device model assembled from its
NotifyReport parts and kept current by GetVariables / SetVariables answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import after, on
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint, call, call_result

from tests.support.library_cp import LibraryChargePoint
from tests.support.pki import chain_of, make_ca, make_csr
from tests.support.server import ServerProcess, rest
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

Start = Callable[..., ServerProcess]
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
HASH = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "aa",
    "issuer_key_hash": "bb",
    "serial_number": "01",
}


def component(name: str, variable: str, value: str, **attribute: Any) -> dict[str, Any]:
    return {
        "component": {"name": name},
        "variable": {"name": variable},
        "variable_attribute": [{"value": value, **attribute}],
        "variable_characteristics": {"data_type": "integer", "supports_monitoring": False},
    }


class Station(ChargePoint):  # type: ignore[misc]
    """A 2.0.1 station that answers every command as a vendor's firmware would, and keeps
    what it was sent (snake_case, as the library hands it over)."""

    def received(self, action: str, fields: dict[str, Any]) -> None:
        self.requests.setdefault(action, []).append(fields)

    @on("GetVariables")  # type: ignore[misc]
    def get_variables(self, **fields: Any) -> call_result.GetVariables:
        self.received("GetVariables", fields)
        results = []
        for item in fields["get_variable_data"]:
            known = item["variable"]["name"] == "HeartbeatInterval"
            results.append(
                {
                    "attribute_status": "Accepted" if known else "UnknownVariable",
                    "component": item["component"],
                    "variable": item["variable"],
                    **({"attribute_value": "300"} if known else {}),
                }
            )
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")  # type: ignore[misc]
    def set_variables(self, **fields: Any) -> call_result.SetVariables:
        self.received("SetVariables", fields)
        return call_result.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in fields["set_variable_data"]
            ]
        )

    @on("GetBaseReport")  # type: ignore[misc]
    def get_base_report(self, **fields: Any) -> call_result.GetBaseReport:
        self.received("GetBaseReport", fields)
        return call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")  # type: ignore[misc]
    async def send_report(self, request_id: int, **_: Any) -> None:
        # B07.FR.02: the report in parts, numbered from 0, `tbc` on all but the last
        parts = [
            [
                component("OCPPCommCtrlr", "HeartbeatInterval", "60"),
                component("SecurityCtrlr", "SecurityProfile", "1", mutability="ReadOnly"),
            ],
            [component("EVSE", "Power", "22000", mutability="ReadOnly")],
        ]
        for seq_no, data in enumerate(parts):
            await self.call(
                call.NotifyReport(
                    request_id=request_id,
                    generated_at="2026-12-07T10:00:00Z",
                    seq_no=seq_no,
                    report_data=data,
                    tbc=seq_no < len(parts) - 1,
                )
            )

    @on("ReserveNow")  # type: ignore[misc]
    def reserve_now(self, **fields: Any) -> call_result.ReserveNow:
        self.received("ReserveNow", fields)
        return call_result.ReserveNow(status="Accepted")

    @on("SendLocalList")  # type: ignore[misc]
    def send_local_list(self, **fields: Any) -> call_result.SendLocalList:
        self.received("SendLocalList", fields)
        return call_result.SendLocalList(status="Accepted")

    @on("SetChargingProfile")  # type: ignore[misc]
    def set_charging_profile(self, **fields: Any) -> call_result.SetChargingProfile:
        self.received("SetChargingProfile", fields)
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")  # type: ignore[misc]
    def clear_charging_profile(self, **fields: Any) -> call_result.ClearChargingProfile:
        self.received("ClearChargingProfile", fields)
        return call_result.ClearChargingProfile(status="Accepted")

    @on("GetLog")  # type: ignore[misc]
    def get_log(self, **fields: Any) -> call_result.GetLog:
        self.received("GetLog", fields)
        return call_result.GetLog(status="Accepted", filename="diag.tgz")

    @on("UpdateFirmware")  # type: ignore[misc]
    def update_firmware(self, **fields: Any) -> call_result.UpdateFirmware:
        self.received("UpdateFirmware", fields)
        return call_result.UpdateFirmware(status="Accepted")

    @on("GetTransactionStatus")  # type: ignore[misc]
    def get_transaction_status(self, **fields: Any) -> call_result.GetTransactionStatus:
        self.received("GetTransactionStatus", fields)
        return call_result.GetTransactionStatus(messages_in_queue=False, ongoing_indicator=False)

    @on("CertificateSigned")  # type: ignore[misc]
    def certificate_signed(self, **fields: Any) -> call_result.CertificateSigned:
        self.received("CertificateSigned", fields)
        return call_result.CertificateSigned(status="Accepted")

    @on("GetInstalledCertificateIds")  # type: ignore[misc]
    def installed(self, **fields: Any) -> call_result.GetInstalledCertificateIds:
        self.received("GetInstalledCertificateIds", fields)
        return call_result.GetInstalledCertificateIds(status="NotFound")

    @on("DeleteCertificate")  # type: ignore[misc]
    def delete_certificate(self, **fields: Any) -> call_result.DeleteCertificate:
        self.received("DeleteCertificate", fields)
        return call_result.DeleteCertificate(status="NotFound")

    @on("SetNetworkProfile")  # type: ignore[misc]
    def set_network_profile(self, **fields: Any) -> call_result.SetNetworkProfile:
        self.received("SetNetworkProfile", fields)
        return call_result.SetNetworkProfile(status="Rejected")


def a_station(server: ServerProcess, box: str) -> LibraryChargePoint:
    """A 2.0.1 `Station` for `box` (connects, and boots, in the test)."""
    return LibraryChargePoint(server.base_url, box, kind=Station, protocols=("ocpp2.0.1",))


async def command(server: ServerProcess, box: str, operation: str, body: Any) -> dict[str, Any]:
    status, answer = await rest(server, "POST", f"/charge-boxes/{box}/remote/{operation}", body)
    assert status == 200, (operation, answer)
    return dict(answer)


async def test_the_device_model_is_assembled_from_report_parts_and_follows_answers(
    start_server: Start,
) -> None:
    server = start_server()
    async with a_station(server, "DM-1") as cp:
        cp.requests = {}
        boot = call.BootNotification(
            charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
        )
        await cp.call(boot)
        answer = await command(server, "DM-1", "get-base-report", {"report_base": "FullInventory"})
        (asked,) = cp.requests["GetBaseReport"]
        assert asked["report_base"] == "FullInventory"
        assert asked["request_id"] == answer["request"]["request_id"] > 0  # ours, recorded

        def whole(result: tuple[int, Any]) -> bool:
            return result[0] == 200 and len(result[1]["items"]) == 3

        _, model = await eventually(
            lambda: rest(server, "GET", "/charge-boxes/DM-1/variables"), whole, what="report"
        )
        rows = {(row["component"], row["variable"]): row for row in model["items"]}
        heartbeat = rows[("OCPPCommCtrlr", "HeartbeatInterval")]
        assert (heartbeat["value"], heartbeat["mutability"], heartbeat["source"]) == (
            "60",
            "ReadWrite",
            "report",
        )
        assert heartbeat["request_id"] == asked["request_id"]
        assert heartbeat["characteristics"] == {"dataType": "integer", "supportsMonitoring": False}
        assert rows[("EVSE", "Power")]["mutability"] == "ReadOnly"  # from the second part

        target = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
        answer = await command(
            server,
            "DM-1",
            "set-variables",
            {"set_variable_data": [{**target, "attribute_value": "120"}]},
        )
        assert answer["answer"]["set_variable_result"][0]["attribute_status"] == "Accepted"
        assert cp.requests["SetVariables"][0]["set_variable_data"][0]["attribute_value"] == "120"

        def set_to(value: str) -> Callable[[tuple[int, Any]], bool]:
            def check(result: tuple[int, Any]) -> bool:
                items = result[1]["items"]
                return bool(items) and items[0]["value"] == value

            return check

        filtered = "/charge-boxes/DM-1/variables?component=OCPPCommCtrlr&variable=HeartbeatInterval"
        _, after_set = await eventually(
            lambda: rest(server, "GET", filtered), set_to("120"), what="set"
        )
        assert after_set["items"][0]["status"] == "Accepted"
        assert after_set["items"][0]["source"] == "set"
        assert after_set["items"][0]["mutability"] == "ReadWrite"  # the report's, kept

        unknown = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}}
        answer = await command(
            server, "DM-1", "get-variables", {"get_variable_data": [target, unknown]}
        )
        statuses = [r["attribute_status"] for r in answer["answer"]["get_variable_result"]]
        assert statuses == ["Accepted", "UnknownVariable"]
        await eventually(lambda: rest(server, "GET", filtered), set_to("300"), what="read")
        _, everything = await rest(server, "GET", "/charge-boxes/DM-1/variables")
        assert "Nope" not in {row["variable"] for row in everything["items"]}  # not invented

        status, refused = await rest(server, "GET", "/charge-boxes/DM-1/variables?evse_id=-1")
        assert status == 422
        assert "evse_id" in str(refused)


async def test_every_2_0_1_command_reaches_the_station_as_its_request(start_server: Start) -> None:
    server = start_server()
    await rest(server, "PUT", "/tokens/LIST-1", {"status": "Accepted"})

    def listed(result: tuple[int, Any]) -> bool:
        return any(item["id_tag"] == "LIST-1" for item in result[1]["items"])

    await eventually(lambda: rest(server, "GET", "/tokens"), listed, what="token projected")
    async with a_station(server, "CMD-1") as cp:
        cp.requests = {}
        boot = call.BootNotification(
            charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
        )
        await cp.call(boot)

        answer = await command(
            server,
            "CMD-1",
            "reserve-now",
            {"connector_id": 1, "expiry_date": "2030-01-01T00:00:00Z", "id_tag": "LIST-1"},
        )
        (reserve,) = cp.requests["ReserveNow"]
        assert reserve["id_token"] == {"id_token": "LIST-1", "type": "ISO14443"}
        assert (reserve["evse_id"], reserve["id"]) == (1, answer["request"]["id"])

        await command(server, "CMD-1", "send-local-list", {"update_type": "Full"})
        (local_list,) = cp.requests["SendLocalList"]
        assert local_list["version_number"] == 1
        tokens = [entry["id_token"]["id_token"] for entry in local_list["local_authorization_list"]]
        assert "LIST-1" in tokens

        profile = {
            "id": 5,
            "stack_level": 0,
            "charging_profile_purpose": "TxDefaultProfile",
            "charging_profile_kind": "Absolute",
            "charging_schedule": [
                {
                    "id": 1,
                    "charging_rate_unit": "W",
                    "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}],
                }
            ],
        }
        await command(
            server,
            "CMD-1",
            "set-charging-profile",
            {"connector_id": 1, "cs_charging_profiles": profile},
        )
        assert cp.requests["SetChargingProfile"][0]["charging_profile"]["id"] == 5

        def profiles(count: int) -> Callable[[tuple[int, Any]], bool]:
            return lambda result: len(result[1]["items"]) == count

        installed = "/charge-boxes/CMD-1/charging-profiles"
        _, listed = await eventually(
            lambda: rest(server, "GET", installed), profiles(1), what="profile"
        )
        assert (listed["items"][0]["charging_profile_id"], listed["items"][0]["connector_id"]) == (
            5,
            1,
        )
        await command(
            server,
            "CMD-1",
            "clear-charging-profile",
            {"charging_profile_purpose": "TxDefaultProfile"},
        )
        assert cp.requests["ClearChargingProfile"] == [
            {"charging_profile_criteria": {"charging_profile_purpose": "TxDefaultProfile"}}
        ]
        await eventually(lambda: rest(server, "GET", installed), profiles(0), what="cleared")

        answer = await command(
            server,
            "CMD-1",
            "get-log",
            {"log_type": "SecurityLog", "remote_location": "https://l/up"},
        )
        assert answer["answer"]["filename"] == "diag.tgz"
        await command(server, "CMD-1", "get-diagnostics", {"location": "ftp://d/up"})
        assert [r["log_type"] for r in cp.requests["GetLog"]] == ["SecurityLog", "DiagnosticsLog"]

        await command(
            server,
            "CMD-1",
            "update-firmware",
            {
                "location": "https://fw/2.bin",
                "retrieve_date": "2026-12-08T03:00:00Z",
                "install_date": "2026-12-08T04:00:00Z",
            },
        )
        firmware = cp.requests["UpdateFirmware"][0]["firmware"]
        assert firmware["install_date_time"].startswith("2026-12-08T04:00:00")

        answer = await command(
            server, "CMD-1", "get-transaction-status", {"transaction_id": "TX-1"}
        )
        assert answer["answer"] == {"messages_in_queue": False, "ongoing_indicator": False}
        await command(server, "CMD-1", "certificate-signed", {"certificate_chain": PEM})
        answer = await command(
            server,
            "CMD-1",
            "get-installed-certificate-ids",
            {"certificate_type": ["CSMSRootCertificate"]},
        )
        assert answer["answer"]["status"] == "NotFound"
        await command(server, "CMD-1", "delete-certificate", {"certificate_hash_data": HASH})
        answer = await command(
            server,
            "CMD-1",
            "set-network-profile",
            {
                "configuration_slot": 1,
                "connection_data": {
                    "ocpp_version": "OCPP20",
                    "ocpp_transport": "JSON",
                    "ocpp_csms_url": "wss://c/ocpp",
                    "message_timeout": 30,
                    "security_profile": 2,
                    "ocpp_interface": "Wired0",
                },
            },
        )
        assert answer["answer"]["status"] == "Rejected"
        for action in (
            "GetTransactionStatus",
            "CertificateSigned",
            "GetInstalledCertificateIds",
            "DeleteCertificate",
            "SetNetworkProfile",
        ):
            assert len(cp.requests[action]) == 1, action

        def reserved(result: tuple[int, Any]) -> bool:
            return bool(result[1]["items"])

        _, reservations = await eventually(
            lambda: rest(server, "GET", "/charge-boxes/CMD-1/reservations"),
            reserved,
            what="reservation",
        )
        assert reservations["items"][0]["id_tag"] == "LIST-1"

        # bad input: named in REST's spelling, nothing sent
        status, refused = await rest(
            server,
            "POST",
            "/charge-boxes/CMD-1/remote/set-charging-profile",
            {
                "connector_id": 1,
                "cs_charging_profiles": {**profile, "charging_profile_kind": "Sometimes"},
            },
        )
        assert status == 422, refused
        assert "cs_charging_profiles.charging_profile_kind" in str(refused)
        assert len(cp.requests["SetChargingProfile"]) == 1


async def test_an_operation_of_the_other_version_is_refused_naming_the_station_version(
    start_server: Start,
) -> None:
    server = start_server()
    v16 = LibraryChargePoint(server.base_url, "OLD-1")
    async with v16 as cp:
        await cp.call(call16.BootNotification(charge_point_vendor="V", charge_point_model="M"))
        status, refused = await rest(
            server,
            "POST",
            "/charge-boxes/OLD-1/remote/get-base-report",
            {"report_base": "FullInventory"},
        )
        assert status == 422, refused
        assert "ocpp1.6" in str(refused)
        assert "get-base-report" in str(refused)
        _, commands = await rest(server, "GET", "/charge-boxes/OLD-1/commands")
        assert commands["items"] == []  # nothing recorded for a refused request


class SecureStation(ChargePoint):  # type: ignore[misc]
    """A 2.0.1 station that asks for a certificate and installs the chain it is sent."""

    @on("CertificateSigned")  # type: ignore[misc]
    def certificate_signed(self, certificate_chain: str, **_: Any) -> call_result.CertificateSigned:
        self.chains.append(certificate_chain)
        return call_result.CertificateSigned(status="Accepted")


async def test_a_csr_is_signed_by_the_operators_ca_and_the_chain_sent(
    start_server: Start, tmp_path: Path
) -> None:
    ca_cert, ca_key = make_ca(tmp_path)
    server = start_server(CS_CA_CERT_FILE=str(ca_cert), CS_CA_KEY_FILE=str(ca_key))
    station = LibraryChargePoint(
        server.base_url, "PKI-1", kind=SecureStation, protocols=("ocpp2.0.1",)
    )
    async with station as cp:
        cp.chains = []
        boot = call.BootNotification(
            charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
        )
        await cp.call(boot)
        refused = await cp.call(call.SignCertificate(csr=make_csr("SOMEONE-ELSE")))
        assert refused.status == "Rejected"  # not in its own name
        answer = await cp.call(
            call.SignCertificate(
                csr=make_csr("PKI-1"), certificate_type="ChargingStationCertificate"
            )
        )
        assert answer.status == "Accepted"
        await eventually(
            lambda: asyncio.sleep(0.05, cp.chains), lambda chains: bool(chains), what="chain"
        )
        (chain,) = cp.chains
        leaf, ca = chain_of(chain)
        leaf.verify_directly_issued_by(ca)
        assert "PKI-1" in leaf.subject.rfc4514_string()

        def answered(result: tuple[int, Any]) -> bool:
            return any(row["status"] == "answered" for row in result[1]["items"])

        _, commands = await eventually(
            lambda: rest(server, "GET", "/charge-boxes/PKI-1/commands"), answered, what="command"
        )
        (sent,) = commands["items"]
        assert (sent["operation"], sent["requested_by"]) == (
            "certificate-signed",
            "cs:SignCertificate",
        )
        assert sent["request"]["certificate_type"] == "ChargingStationCertificate"
