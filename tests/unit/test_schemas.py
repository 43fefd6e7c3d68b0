from __future__ import annotations

from typing import Any

import pytest

from cs.adapters.ocpp16.errors import OcppError
from cs.adapters.ocpp16.schemas import PayloadValidator
from cs.domain.ocpp16 import ChargePointErrorCode, ChargePointStatus
from tests.support.builders import a_boot_notification, a_status_notification

VALIDATOR = PayloadValidator()


def code_for(action: str, payload: dict[str, Any]) -> str | None:
    try:
        VALIDATOR.check_request(action, payload)
    except OcppError as error:
        return str(error.code)
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
