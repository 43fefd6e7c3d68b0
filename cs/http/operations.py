"""The remote operations REST offers: each one's name, body model and example.

One entry per operation a central system can send (OCPP 1.6 section 5, OCPP 2.0.1
Part 2), with the versions that have it (`versions`). One body serves both versions
where the meaning is shared: the 1.6 names, with 2.0.1's extra fields optional (a field
the station's version lacks is refused, named, by its schema). Bodies keep the
original system's names where it had them (`reset {type: "soft"|"hard"}`,
`unlock-connector {connector_id}`, `get-diagnostics {location}`, `update-firmware
{location, retrieve_date}`, `change-configuration {key, value}`, `start-session
{token_id}`, `stop-session {session_id}`). The body is validated here; the station's
protocol adapter turns it into its version's CALL and checks that against the OCPP
schema too (`cs.adapters.ocpp16.commands`, `cs.adapters.ocpp201.commands`), so a bad
body is refused before anything is recorded. `action` names the OCPP action (1.6's
where both have it), for the documentation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from cs.http.operation import V16, Body, NoBody, Operation
from cs.http.operations_201 import OPERATIONS_201


class CancelReservationIn(Body):
    reservation_id: int


class ChangeAvailabilityIn(Body):
    connector_id: int = Field(ge=0, description="0: the whole charge point")
    type: Literal["Inoperative", "Operative"]


class ChangeConfigurationIn(Body):
    key: str = Field(min_length=1, max_length=50)
    value: str = Field(max_length=500)


class ClearChargingProfileIn(Body):
    """2.0.1 spells the station-wide purpose `ChargingStationMaxProfile` (either is taken)."""

    id: int | None = None
    connector_id: int | None = Field(default=None, ge=0)
    charging_profile_purpose: (
        Literal[
            "ChargePointMaxProfile",
            "ChargingStationMaxProfile",
            "ChargingStationExternalConstraints",
            "TxDefaultProfile",
            "TxProfile",
        ]
        | None
    ) = None
    stack_level: int | None = Field(default=None, ge=0)


class DataTransferIn(Body):
    vendor_id: str = Field(min_length=1, max_length=255)
    message_id: str | None = Field(default=None, max_length=50)
    data: str | None = None


class GetCompositeScheduleIn(Body):
    connector_id: int = Field(ge=0)
    duration: int = Field(gt=0, description="seconds")
    charging_rate_unit: Literal["A", "W"] | None = None


class GetConfigurationIn(Body):
    key: list[str] | None = Field(default=None, description="all keys when absent")


class GetDiagnosticsIn(Body):
    location: str = Field(min_length=1, description="a URI the charge point uploads to")
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)
    start_time: AwareDatetime | None = None
    stop_time: AwareDatetime | None = None


class RemoteStartIn(Body):
    """`token_id` is the original name of `id_tag`; one of the two is required."""

    id_tag: str | None = Field(default=None, min_length=1, max_length=20)
    token_id: str | None = Field(default=None, min_length=1, max_length=20)
    connector_id: int | None = Field(default=None, ge=1)
    charging_profile: dict[str, Any] | None = Field(
        default=None, description="an OCPP ChargingProfile (purpose TxProfile), snake_case keys"
    )

    @model_validator(mode="after")
    def _one_tag(self) -> RemoteStartIn:
        if (self.id_tag is None) == (self.token_id is None):
            raise ValueError("give exactly one of id_tag or token_id")
        return self


class RemoteStopIn(Body):
    """`session_id` is the original name of `transaction_id`; one of the two is required."""

    transaction_id: int | None = None
    session_id: int | None = None

    @model_validator(mode="after")
    def _one_id(self) -> RemoteStopIn:
        if (self.transaction_id is None) == (self.session_id is None):
            raise ValueError("give exactly one of transaction_id or session_id")
        return self


class ReserveNowIn(Body):
    """For 2.0.1 the connector is the EVSE; `id_token_type` and `connector_type` are 2.0.1's."""

    connector_id: int = Field(ge=0, description="0: any connector (2.0.1: any EVSE)")
    expiry_date: AwareDatetime
    id_tag: str = Field(min_length=1, max_length=36)
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=36)
    id_token_type: str | None = Field(
        default=None, description="OCPP 2.0.1 IdTokenEnumType (default ISO14443)"
    )
    connector_type: str | None = Field(default=None, description="OCPP 2.0.1 only, e.g. cType2")


class ResetIn(Body):
    type: Literal["soft", "hard", "Soft", "Hard"]


class SendLocalListIn(Body):
    """The list is built from the token registry (full, or changes since the last sync)."""

    update_type: Literal["Full", "Differential"]


class SetChargingProfileIn(Body):
    connector_id: int = Field(ge=0)
    cs_charging_profiles: dict[str, Any] = Field(
        description="an OCPP ChargingProfile with snake_case keys"
    )


class TriggerMessageIn(Body):
    """1.6's messages and 2.0.1's (F06); the station's version refuses the other's."""

    requested_message: Literal[
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
        "LogStatusNotification",
        "SignChargingStationCertificate",
        "SignV2GCertificate",
        "SignCombinedCertificate",
        "TransactionEvent",
        "PublishFirmwareStatusNotification",
    ]
    connector_id: int | None = Field(default=None, ge=0)


class UnlockConnectorIn(Body):
    connector_id: int = Field(ge=1)


class UpdateFirmwareIn(Body):
    """`install_date`, `signing_certificate` and `signature` are OCPP 2.0.1's (L01)."""

    location: str = Field(min_length=1)
    retrieve_date: AwareDatetime
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)
    install_date: AwareDatetime | None = None
    signing_certificate: str | None = None
    signature: str | None = None


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        *OPERATIONS_201,
        Operation(
            "cancel-reservation",
            "CancelReservation",
            CancelReservationIn,
            {"reservation_id": 17},
            "Cancel a reservation",
        ),
        Operation(
            "change-availability",
            "ChangeAvailability",
            ChangeAvailabilityIn,
            {"connector_id": 1, "type": "Inoperative"},
            "Make a connector (or the box) available or not",
        ),
        Operation(
            "change-configuration",
            "ChangeConfiguration",
            ChangeConfigurationIn,
            {"key": "HeartbeatInterval", "value": "120"},
            "Change one configuration key (1.6; 2.0.1: set-variables)",
            V16,
        ),
        Operation("clear-cache", "ClearCache", NoBody, {}, "Clear the authorization cache"),
        Operation(
            "clear-charging-profile",
            "ClearChargingProfile",
            ClearChargingProfileIn,
            {"connector_id": 1},
            "Clear charging profiles (all when no criteria)",
        ),
        Operation(
            "data-transfer",
            "DataTransfer",
            DataTransferIn,
            {"vendor_id": "com.acme", "message_id": "Ping", "data": "{}"},
            "Vendor-specific data",
        ),
        Operation(
            "get-composite-schedule",
            "GetCompositeSchedule",
            GetCompositeScheduleIn,
            {"connector_id": 1, "duration": 3600, "charging_rate_unit": "A"},
            "The schedule the box will apply",
        ),
        Operation(
            "get-configuration",
            "GetConfiguration",
            GetConfigurationIn,
            {"key": ["HeartbeatInterval"]},
            "Read configuration keys, kept as a read model (1.6; 2.0.1: get-variables)",
            V16,
        ),
        Operation(
            "get-diagnostics",
            "GetDiagnostics",
            GetDiagnosticsIn,
            {"location": "ftp://diag.example.com/upload"},
            "Ask for a diagnostics upload (2.0.1: GetLog of a DiagnosticsLog)",
        ),
        Operation(
            "get-local-list-version",
            "GetLocalListVersion",
            NoBody,
            {},
            "The version of the box's local authorization list",
        ),
        Operation(
            "remote-start-transaction",
            "RemoteStartTransaction",
            RemoteStartIn,
            {"id_tag": "04A2B3C4", "connector_id": 1},
            "Start a session remotely (linked to the session it causes)",
        ),
        Operation(
            "remote-stop-transaction",
            "RemoteStopTransaction",
            RemoteStopIn,
            {"transaction_id": 1234},
            "Stop a session remotely",
        ),
        Operation(
            "reserve-now",
            "ReserveNow",
            ReserveNowIn,
            {"connector_id": 1, "expiry_date": "2026-12-01T12:00:00Z", "id_tag": "04A2B3C4"},
            "Reserve a connector (the reservation id is allocated by the central system)",
        ),
        Operation("reset", "Reset", ResetIn, {"type": "soft"}, "Reset the charge box"),
        Operation(
            "send-local-list",
            "SendLocalList",
            SendLocalListIn,
            {"update_type": "Full"},
            "Send the local authorization list, built from the token registry",
        ),
        Operation(
            "set-charging-profile",
            "SetChargingProfile",
            SetChargingProfileIn,
            {
                "connector_id": 0,
                "cs_charging_profiles": {
                    "charging_profile_id": 1,
                    "stack_level": 0,
                    "charging_profile_purpose": "ChargePointMaxProfile",
                    "charging_profile_kind": "Absolute",
                    "charging_schedule": {
                        "charging_rate_unit": "A",
                        "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
                    },
                },
            },
            "Install a charging profile",
        ),
        Operation(
            "trigger-message",
            "TriggerMessage",
            TriggerMessageIn,
            {"requested_message": "StatusNotification", "connector_id": 1},
            "Ask the box to send a message now",
        ),
        Operation(
            "unlock-connector",
            "UnlockConnector",
            UnlockConnectorIn,
            {"connector_id": 1},
            "Unlock a connector",
        ),
        Operation(
            "update-firmware",
            "UpdateFirmware",
            UpdateFirmwareIn,
            {"location": "https://fw.example.com/v2.bin", "retrieve_date": "2026-12-01T03:00:00Z"},
            "Install new firmware",
        ),
    )
}
