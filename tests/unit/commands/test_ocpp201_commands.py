"""The OCPP 2.0.1 command catalogue (`cs.adapters.ocpp201.commands`) against REST's table.

Every operation REST offers for 2.0.1 builds, from its documented example, a CALL the
2.0.1 schema accepts; shared operations take 1.6's body and become 2.0.1's request
(Part 2); operations 2.0.1 lacks are refused naming the version; answers mean what
Part 2 says (a reservation held, a profile installed, variables read or set).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cs.adapters.ocpp201 import certificates
from cs.adapters.ocpp201.commands import COMMANDS, catalogue
from cs.adapters.ocpp201.dialect import validator
from cs.app.commands import effects as fx
from cs.app.commands.service import NEEDS_REQUEST_ID
from cs.app.errors import InvalidCommand, UnsupportedOperation
from cs.http.operations import OPERATIONS
from tests.support.pki import make_ca, make_csr

CHECKS = validator()
CATALOGUE = catalogue(CHECKS)
V201_OPERATIONS = sorted(op for op, spec in OPERATIONS.items() if "ocpp2.0.1" in spec.versions)

# A 2.0.1 ChargingProfileType (K01): the schedule is a list and has an id.
PROFILE_201 = {
    "id": 1,
    "stack_level": 0,
    "charging_profile_purpose": "ChargingStationMaxProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": [
        {
            "id": 1,
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
        }
    ],
}
BODY_OVERRIDES: dict[str, dict[str, Any]] = {
    "set-charging-profile": {"connector_id": 0, "cs_charging_profiles": PROFILE_201},
}
ENTRIES = [
    {
        "id_tag": "L-1",
        "registered": True,
        "status": "Accepted",
        "expiry_date": datetime(2027, 1, 1, tzinfo=UTC),
        "parent_id_tag": "FLEET",
    },
    {
        "id_tag": "L-2",
        "registered": False,
        "status": None,
        "expiry_date": None,
        "parent_id_tag": None,
    },
]


def decided_by_us(operation: str) -> dict[str, Any]:
    """What the command use case adds itself (CommandService._complete)."""
    if operation in NEEDS_REQUEST_ID:
        return {"request_id": 41}
    return {
        "reserve-now": {"reservation_id": 500},
        "remote-start-transaction": {"remote_start_id": 7},
        "remote-stop-transaction": {"station_transaction_id": "TX-9"},
        "send-local-list": {"list_version": 3, "entries": ENTRIES},
    }.get(operation, {})


def arguments(operation: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = OPERATIONS[operation]
    given = body if body is not None else BODY_OVERRIDES.get(operation, spec.example)
    model = spec.body.model_validate(given)
    return {**model.model_dump(mode="json", exclude_none=True), **decided_by_us(operation)}


def test_every_2_0_1_operation_has_a_command_with_rests_action_or_its_2_0_1_name() -> None:
    assert set(COMMANDS) == set(V201_OPERATIONS)
    renamed = {
        "remote-start-transaction": "RequestStartTransaction",
        "remote-stop-transaction": "RequestStopTransaction",
        "get-diagnostics": "GetLog",
    }
    for operation, command in COMMANDS.items():
        assert command.action == renamed.get(operation, OPERATIONS[operation].action), operation


@pytest.mark.parametrize("operation", V201_OPERATIONS)
def test_every_operations_example_becomes_a_call_the_2_0_1_schema_accepts(operation: str) -> None:
    call = CATALOGUE.prepare(operation, arguments(operation))
    CHECKS.check_request(call.action, call.payload)  # raises if the schema refuses it


def test_shared_bodies_become_their_2_0_1_requests() -> None:
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "reserve-now",
            {"connector_id": 2, "expiry_date": "2026-12-01T12:00:00Z", "id_tag": "T-1"},
            {
                "id": 500,
                "expiryDateTime": "2026-12-01T12:00:00.000Z",
                "idToken": {"idToken": "T-1", "type": "ISO14443"},
                "evseId": 2,
            },
        ),
        (
            "clear-charging-profile",
            {"connector_id": 1, "charging_profile_purpose": "ChargePointMaxProfile"},
            {
                "chargingProfileCriteria": {
                    "evseId": 1,
                    "chargingProfilePurpose": "ChargingStationMaxProfile",
                }
            },
        ),
        (
            "get-diagnostics",
            {"location": "ftp://d/up", "start_time": "2026-12-01T00:00:00Z"},
            {
                "logType": "DiagnosticsLog",
                "requestId": 41,
                "log": {
                    "remoteLocation": "ftp://d/up",
                    "oldestTimestamp": "2026-12-01T00:00:00.000Z",
                },
            },
        ),
        (
            "update-firmware",
            {"location": "https://fw/x.bin", "retrieve_date": "2026-12-01T03:00:00Z", "retries": 2},
            {
                "requestId": 41,
                "firmware": {
                    "location": "https://fw/x.bin",
                    "retrieveDateTime": "2026-12-01T03:00:00.000Z",
                },
                "retries": 2,
            },
        ),
        (
            "get-composite-schedule",
            {"connector_id": 1, "duration": 60},
            {"evseId": 1, "duration": 60},
        ),
    ]
    for operation, body, payload in cases:
        assert CATALOGUE.prepare(operation, arguments(operation, body)).payload == payload, (
            operation
        )


def test_a_2_0_1_local_list_carries_id_tokens_and_removes_without_info() -> None:
    payload = CATALOGUE.prepare("send-local-list", arguments("send-local-list")).payload
    assert payload == {
        "versionNumber": 3,
        "updateType": "Full",
        "localAuthorizationList": [
            {
                "idToken": {"idToken": "L-1", "type": "ISO14443"},
                "idTokenInfo": {
                    "status": "Accepted",
                    "cacheExpiryDateTime": "2027-01-01T00:00:00.000Z",
                    "groupIdToken": {"idToken": "FLEET", "type": "Central"},
                },
            },
            {"idToken": {"idToken": "L-2", "type": "ISO14443"}},
        ],
    }
    empty = {**arguments("send-local-list"), "entries": []}
    assert "localAuthorizationList" not in CATALOGUE.prepare("send-local-list", empty).payload


def test_a_variable_the_schema_refuses_is_named_in_rests_spelling() -> None:
    bad = {
        "set_variable_data": [
            {"component": {"name": "X" * 51}, "variable": {"name": "V"}, "attribute_value": "1"}
        ]
    }
    with pytest.raises(InvalidCommand) as invalid:
        CATALOGUE.prepare("set-variables", bad)
    (problem,) = invalid.value.details["problems"]
    assert problem["field"].startswith("set_variable_data")
    assert "component" in problem["field"]


def test_1_6_configuration_operations_are_refused_naming_the_version() -> None:
    for operation in ("change-configuration", "get-configuration"):
        with pytest.raises(UnsupportedOperation) as unsupported:
            CATALOGUE.prepare(operation, {"key": ["HeartbeatInterval"]})
        assert unsupported.value.details == {"version": "ocpp2.0.1"}
        assert "2.0.1" in str(unsupported.value)


def meaning(operation: str, answer: dict[str, Any], body: dict[str, Any] | None = None) -> Any:
    return CATALOGUE.prepare(operation, arguments(operation, body)).meaning(answer)


def test_answers_mean_what_part_2_says() -> None:
    (reserved,) = meaning("reserve-now", {"status": "Accepted"})
    assert isinstance(reserved, fx.Reserved)
    assert (reserved.reservation_id, reserved.connector_id, reserved.id_tag) == (500, 1, "04A2B3C4")
    assert meaning("reserve-now", {"status": "Occupied"}) == []
    (installed,) = meaning("set-charging-profile", {"status": "Accepted"})
    assert isinstance(installed, fx.ProfileInstalled)
    assert installed.profile["id"] == 1
    (sent,) = meaning("send-local-list", {"status": "VersionMismatch"})
    assert isinstance(sent, fx.LocalListSent)
    assert sent.status == "VersionMismatch"
    (read,) = meaning(
        "get-variables",
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeValue": "300",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
    )
    assert isinstance(read, fx.VariablesAnswered)
    assert read.kind == "read"
    assert read.results[0].as_record()["value"] == "300"
    (written,) = meaning(
        "set-variables",
        {
            "setVariableResult": [
                {
                    "attributeStatus": "RebootRequired",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
    )
    assert isinstance(written, fx.VariablesAnswered)
    assert (written.results[0].value, written.results[0].status) == ("120", "RebootRequired")


def test_set_results_in_another_order_keep_each_variables_own_value() -> None:
    body = {
        "set_variable_data": [
            {"component": {"name": "C"}, "variable": {"name": "A"}, "attribute_value": "1"},
            {"component": {"name": "C"}, "variable": {"name": "B"}, "attribute_value": "2"},
        ]
    }
    accepted = [
        {"attributeStatus": "Accepted", "component": {"name": "C"}, "variable": {"name": name}}
        for name in ("B", "A")  # the station answers in its own order
    ]
    (written,) = meaning("set-variables", {"setVariableResult": accepted}, body)
    values = {r.variable["name"]: r.value for r in written.results}
    assert values == {"A": "1", "B": "2"}


def test_a_basic_auth_password_is_sent_but_recorded_redacted() -> None:
    password = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}
    other = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    call = CATALOGUE.prepare(
        "set-variables",
        {
            "set_variable_data": [
                {**other, "attribute_value": "60"},
                {**password, "attribute_value": "s3cret-s3cret-s3cret"},
            ]
        },
    )
    assert call.secret == "s3cret-s3cret-s3cret"
    assert call.payload["setVariableData"][1]["attributeValue"] == "s3cret-s3cret-s3cret"
    values = [item["attributeValue"] for item in call.recorded_payload["setVariableData"]]
    assert values == ["60", "[redacted]"]

    def answer(status: str) -> dict[str, Any]:
        results = [
            {
                "attributeStatus": "Accepted",
                "component": other["component"],
                "variable": other["variable"],
            },
            {"attributeStatus": status, **password},
        ]
        return {"setVariableResult": results}

    accepted = call.meaning(answer("Accepted"))
    assert fx.StationKeyAccepted() in accepted
    (answered,) = [f for f in accepted if isinstance(f, fx.VariablesAnswered)]
    assert [r.value for r in answered.results] == ["60", "[redacted]"]  # no fact holds it
    assert fx.StationKeyAccepted() not in call.meaning(answer("Rejected"))


def test_a_call_without_a_password_has_nothing_redacted() -> None:
    target = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    call = CATALOGUE.prepare(
        "set-variables", {"set_variable_data": [{**target, "attribute_value": "1"}]}
    )
    assert call.secret is None
    assert call.recorded_payload is call.payload


def test_a_short_basic_auth_password_is_refused_naming_the_field() -> None:
    item = {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attribute_value": "short",
    }
    with pytest.raises(InvalidCommand) as refused:
        CATALOGUE.prepare("set-variables", {"set_variable_data": [item]})
    assert refused.value.details["problems"][0]["field"] == "set_variable_data[].attribute_value"


def test_certificate_answers_say_what_the_station_holds(tmp_path: Path) -> None:
    chain = {
        "certificateType": "V2GCertificateChain",
        "certificateHashData": {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "ABCD",
            "issuerKeyHash": "EF01",
            "serialNumber": "00A1",
        },
        "childCertificateHashData": [
            {
                "hashAlgorithm": "SHA256",
                "issuerNameHash": "12",
                "issuerKeyHash": "34",
                "serialNumber": "05",
            }
        ],
    }
    (listed,) = certificates.listed({}, {"status": "Accepted", "certificateHashDataChain": [chain]})
    assert isinstance(listed, fx.CertificatesAnswered)
    assert (listed.kind, listed.certificate_types) == ("listed", [])
    (record,) = listed.certificates
    # hex in one case, the serial without leading zeroes: a delete names it alike
    assert (record["issuer_name_hash"], record["serial_number"]) == ("abcd", "a1")
    assert record["child_certificates"][0]["serial_number"] == "5"
    (none,) = certificates.listed(
        {"certificateType": ["MORootCertificate"]}, {"status": "NotFound"}
    )
    assert isinstance(none, fx.CertificatesAnswered)
    assert (none.certificates, none.certificate_types) == ([], ["MORootCertificate"])

    root = make_ca(tmp_path)[0].read_text()
    sent = {"certificateType": "CSMSRootCertificate", "certificate": root}
    (installed,) = certificates.installed(sent, {"status": "Accepted"})
    assert isinstance(installed, fx.CertificatesAnswered)
    assert len(installed.certificates[0]["issuer_key_hash"]) == 64  # SHA256, hex
    assert certificates.installed(sent, {"status": "Rejected"}) == []
    # Not a certificate, or not a root (its issuer's key is unknown): the next listing says.
    assert (
        certificates.installed({**sent, "certificate": make_csr("X")}, {"status": "Accepted"}) == []
    )
    assert (
        certificates.deleted(
            {"certificateHashData": chain["certificateHashData"]}, {"status": "NotFound"}
        )
        == []
    )
