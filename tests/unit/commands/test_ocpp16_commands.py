"""The OCPP 1.6 command catalogue (`cs.adapters.ocpp16.commands`) against REST's table.

Every operation REST offers (`cs.http.operations.OPERATIONS`) builds, from its documented
example, a CALL that passes the 1.6 schema; both tables name the same operations with
the same action; answers mean what OCPP 1.6 section 5 says they do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cs.adapters.ocpp16.commands import COMMANDS, catalogue
from cs.adapters.ocpp16.dialect import validator
from cs.app.commands import effects as fx
from cs.app.errors import InvalidCommand, UnsupportedOperation
from cs.http.operations import OPERATIONS

CHECKS = validator()
CATALOGUE = catalogue(CHECKS)

# What the command use case adds itself (CommandService._complete).
DECIDED_BY_US: dict[str, dict[str, Any]] = {
    "reserve-now": {"reservation_id": 500},
    "send-local-list": {
        "list_version": 3,
        "entries": [
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
        ],
    },
}


def arguments(operation: str, **overrides: Any) -> dict[str, Any]:
    """The operation's REST example as the command use case passes it on."""
    spec = OPERATIONS[operation]
    body = spec.body.model_validate({**spec.example, **overrides})
    return {**body.model_dump(mode="json", exclude_none=True), **DECIDED_BY_US.get(operation, {})}


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys(item)}
    return set()


V16_OPERATIONS = sorted(op for op, spec in OPERATIONS.items() if "ocpp1.6" in spec.versions)


def test_rest_and_the_1_6_catalogue_name_the_same_operations_with_the_same_action() -> None:
    assert set(COMMANDS) == set(V16_OPERATIONS)
    assert {op: c.action for op, c in COMMANDS.items()} == {
        op: OPERATIONS[op].action for op in V16_OPERATIONS
    }


@pytest.mark.parametrize("operation", V16_OPERATIONS)
def test_every_operations_example_becomes_a_call_the_1_6_schema_accepts(operation: str) -> None:
    call = CATALOGUE.prepare(operation, arguments(operation))
    assert call.action == OPERATIONS[operation].action
    CHECKS.check_request(call.action, call.payload)  # raises if the schema refuses it
    assert not any("_" in key for key in keys(call.payload))  # camelCase on the wire


def test_the_original_bodies_become_their_1_6_payloads() -> None:
    cases = [
        ("reset", {"type": "hard"}, {"type": "Hard"}),
        ("unlock-connector", {"connector_id": 2}, {"connectorId": 2}),
        (
            "update-firmware",
            {"location": "https://fw/x.bin", "retrieve_date": "2026-12-01T03:00:00Z"},
            {"location": "https://fw/x.bin", "retrieveDate": "2026-12-01T03:00:00.000Z"},
        ),
        (
            "remote-start-transaction",
            {"token_id": "04A2B3C4", "connector_id": 1},
            {"idTag": "04A2B3C4", "connectorId": 1},
        ),
        ("remote-stop-transaction", {"session_id": 77}, {"transactionId": 77}),
    ]
    for operation, body, payload in cases:
        spec = OPERATIONS[operation]
        passed_on = spec.body.model_validate(body).model_dump(mode="json", exclude_none=True)
        assert CATALOGUE.prepare(operation, passed_on).payload == payload, operation


def test_a_local_list_names_removed_tags_without_id_tag_info() -> None:
    payload = CATALOGUE.prepare("send-local-list", arguments("send-local-list")).payload
    assert payload == {
        "updateType": "Full",
        "listVersion": 3,
        "localAuthorizationList": [
            {
                "idTag": "L-1",
                "idTagInfo": {
                    "status": "Accepted",
                    "expiryDate": "2027-01-01T00:00:00.000Z",
                    "parentIdTag": "FLEET",
                },
            },
            {"idTag": "L-2"},  # section 7.2: no idTagInfo means remove it
        ],
    }


def test_arguments_the_schema_refuses_name_the_field_in_rests_spelling() -> None:
    profile = OPERATIONS["set-charging-profile"].example["cs_charging_profiles"]
    bad = {"connector_id": 0, "cs_charging_profiles": {**profile, "charging_profile_purpose": "X"}}
    with pytest.raises(InvalidCommand) as invalid:
        CATALOGUE.prepare("set-charging-profile", bad)
    (problem,) = invalid.value.details["problems"]
    assert problem["field"] == "cs_charging_profiles.charging_profile_purpose"
    assert problem["type"] == "PropertyConstraintViolation"


def test_an_operation_1_6_does_not_have_is_unsupported_naming_the_version() -> None:
    with pytest.raises(UnsupportedOperation) as unsupported:
        CATALOGUE.prepare("install-certificate", {})
    assert unsupported.value.details == {"version": "ocpp1.6"}


# --- what answers mean --------------------------------------------------------------

MEANINGS = [
    ("change-configuration", {"status": "Accepted"}, [fx.ConfigurationChanged]),
    ("change-configuration", {"status": "RebootRequired"}, [fx.ConfigurationChanged]),
    ("change-configuration", {"status": "Rejected"}, []),
    ("get-configuration", {"configurationKey": []}, [fx.ConfigurationRead]),
    ("remote-start-transaction", {"status": "Accepted"}, [fx.RemoteStartAccepted]),
    ("remote-start-transaction", {"status": "Rejected"}, []),
    ("reserve-now", {"status": "Accepted"}, [fx.Reserved]),
    ("reserve-now", {"status": "Occupied"}, []),
    ("cancel-reservation", {"status": "Accepted"}, [fx.ReservationCancelled]),
    ("cancel-reservation", {"status": "Rejected"}, []),
    ("send-local-list", {"status": "Accepted"}, [fx.LocalListSent]),
    ("send-local-list", {"status": "VersionMismatch"}, [fx.LocalListSent]),
    ("get-local-list-version", {"listVersion": 4}, [fx.LocalListVersionRead]),
    ("set-charging-profile", {"status": "Accepted"}, [fx.ProfileInstalled]),
    ("set-charging-profile", {"status": "Rejected"}, []),
    ("clear-charging-profile", {"status": "Accepted"}, [fx.ProfilesCleared]),
    ("clear-charging-profile", {"status": "Unknown"}, []),
    ("reset", {"status": "Accepted"}, []),
    ("clear-cache", {"status": "Accepted"}, []),
]


@pytest.mark.parametrize(
    ("operation", "answer", "facts"),
    MEANINGS,
    ids=[f"{op}-{next(iter(a.values()))}" for op, a, _ in MEANINGS],
)
def test_an_answer_establishes_what_section_5_says(
    operation: str, answer: dict[str, Any], facts: list[type[Any]]
) -> None:
    call = CATALOGUE.prepare(operation, arguments(operation))
    CHECKS.check_response(call.action, answer)  # the answer itself is a valid 1.6 answer
    assert [type(fact) for fact in call.meaning(answer)] == facts


def test_the_facts_carry_what_was_sent_not_what_was_answered() -> None:
    call = CATALOGUE.prepare("reserve-now", arguments("reserve-now", parent_id_tag="FLEET"))
    (reserved,) = call.meaning({"status": "Accepted"})
    assert reserved == fx.Reserved(
        500, 1, "04A2B3C4", "FLEET", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    )
    change = CATALOGUE.prepare("change-configuration", arguments("change-configuration"))
    assert change.meaning({"status": "Accepted"}) == [
        fx.ConfigurationChanged("HeartbeatInterval", "120", "Accepted")
    ]


def test_an_authorization_key_is_sent_but_recorded_redacted() -> None:
    call = catalogue(validator()).prepare(
        "change-configuration", {"key": "AuthorizationKey", "value": "0123456789abcdef"}
    )
    assert call.secret == "0123456789abcdef"
    assert call.payload["value"] == "0123456789abcdef"
    assert call.recorded_payload == {"key": "AuthorizationKey", "value": "[redacted]"}
    facts = call.meaning({"status": "Accepted"})
    assert fx.StationKeyAccepted() in facts
    assert fx.ConfigurationChanged("AuthorizationKey", "[redacted]", "Accepted") in facts
    assert fx.StationKeyAccepted() not in call.meaning({"status": "RebootRequired"})
