from __future__ import annotations

from typing import Any

import pytest

from cs.adapters.ocpp16.dialect import validator
from cs.adapters.ocpp16.errors import code
from cs.adapters.ocppj.errors import RpcError
from cs.domain.ocpp16 import ChargePointErrorCode, ChargePointStatus
from tests.support.builders import a_boot_notification, a_status_notification

VALIDATOR = validator()


def code_for(action: str, payload: dict[str, Any]) -> str | None:
    try:
        VALIDATOR.check_request(action, payload)
    except RpcError as error:
        return code(error)
    return None


@pytest.mark.parametrize("status", list(ChargePointStatus))
def test_every_status_is_accepted(status: ChargePointStatus) -> None:
    assert code_for("StatusNotification", a_status_notification(status=status.value)) is None


@pytest.mark.parametrize("error_code", list(ChargePointErrorCode))
def test_every_error_code_is_accepted(error_code: ChargePointErrorCode) -> None:
    assert code_for("StatusNotification", a_status_notification(errorCode=error_code.value)) is None


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (a_status_notification(connectorId="1"), "TypeConstraintViolation"),
        (a_status_notification(status="Occupied"), "PropertyConstraintViolation"),
        (a_status_notification(timestamp="not-a-date"), "TypeConstraintViolation"),
        (a_status_notification(timestamp="2026-13-45T99:00:00Z"), "TypeConstraintViolation"),
        (a_status_notification(info="x" * 51), "TypeConstraintViolation"),
        (a_status_notification(extra=1), "FormationViolation"),
        ({"errorCode": "NoError", "status": "Available"}, "ProtocolError"),
        # OCPP 1.6 integers are 32 bits: larger ones would not fit the read models.
        (a_status_notification(connectorId=2**31), "TypeConstraintViolation"),
        (a_status_notification(connectorId=-(2**31) - 1), "TypeConstraintViolation"),
        # A valid date-time that is not one in UTC (before year 1 or after 9999).
        (a_status_notification(timestamp="0001-01-01T00:00:00+14:00"), "TypeConstraintViolation"),
        (a_status_notification(timestamp="9999-12-31T23:59:59-14:00"), "TypeConstraintViolation"),
    ],
)
def test_schema_violations_get_the_ocpp_j_1_6_error_code(
    payload: dict[str, Any], code: str
) -> None:
    assert code_for("StatusNotification", payload) == code


def test_a_boot_notification_with_all_fields_is_valid() -> None:
    assert code_for("BootNotification", a_boot_notification()) is None


def test_a_timestamp_without_offset_is_accepted_as_utc() -> None:
    assert (
        code_for("StatusNotification", a_status_notification(timestamp="2026-11-25T10:00:00"))
        is None
    )


def test_32_bit_integers_at_the_edges_are_accepted() -> None:
    for value in (2**31 - 1, 0):
        assert code_for("StatusNotification", a_status_notification(connectorId=value)) is None
    start = {
        "connectorId": 1,
        "idTag": "T",
        "meterStart": 2**31 - 1,
        "timestamp": "2026-11-25T10:00:00Z",
    }
    assert code_for("StartTransaction", start) is None
    assert code_for("StartTransaction", {**start, "meterStart": 2**64 - 1}) == (
        "TypeConstraintViolation"
    )
