"""The remote operations OCPP 2.0.1 brought (Part 2): the device model, reports, logs,
network profiles and certificates (certificate-signed is in 1.6's Security Whitepaper
too). Each body is the 2.0.1 request in snake_case, less the ids the central system
draws itself (`requestId`); the version's schema checks it again when the CALL is built
(`cs.adapters.ocpp201.commands`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from cs.http.operation import BOTH, V201, Body, Operation


class EvseIn(Body):
    id: int = Field(ge=0)
    connector_id: int | None = Field(default=None, ge=0)


class ComponentIn(Body):
    name: str = Field(min_length=1, max_length=50)
    instance: str | None = Field(default=None, max_length=50)
    evse: EvseIn | None = None


class VariableIn(Body):
    name: str = Field(min_length=1, max_length=50)
    instance: str | None = Field(default=None, max_length=50)


AttributeType = Literal["Actual", "Target", "MinSet", "MaxSet"]


class GetVariableIn(Body):
    component: ComponentIn
    variable: VariableIn
    attribute_type: AttributeType | None = None


class GetVariablesIn(Body):
    get_variable_data: list[GetVariableIn] = Field(min_length=1)


class SetVariableIn(Body):
    component: ComponentIn
    variable: VariableIn
    attribute_value: str = Field(max_length=1000)
    attribute_type: AttributeType | None = None


class SetVariablesIn(Body):
    set_variable_data: list[SetVariableIn] = Field(min_length=1)


class GetBaseReportIn(Body):
    """The station answers, then sends the report in NotifyReport parts (B07)."""

    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"]


class ComponentVariableIn(Body):
    component: ComponentIn
    variable: VariableIn | None = None


class GetReportIn(Body):
    component_variable: list[ComponentVariableIn] | None = None
    component_criteria: list[Literal["Active", "Available", "Enabled", "Problem"]] | None = None


class GetTransactionStatusIn(Body):
    transaction_id: str | None = Field(
        default=None, max_length=36, description="the station's id; absent: queued messages"
    )


class GetChargingProfilesIn(Body):
    evse_id: int | None = Field(default=None, ge=0)
    charging_profile: dict[str, Any] = Field(
        default_factory=dict,
        description="ChargingProfileCriterionType, snake_case keys (empty: every profile)",
    )


class GetLogIn(Body):
    log_type: Literal["DiagnosticsLog", "SecurityLog"]
    remote_location: str = Field(min_length=1, max_length=512)
    oldest_timestamp: AwareDatetime | None = None
    latest_timestamp: AwareDatetime | None = None
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)


class SetNetworkProfileIn(Body):
    configuration_slot: int
    connection_data: dict[str, Any] = Field(
        description="NetworkConnectionProfileType, snake_case keys"
    )


CertificateUse = Literal[
    "V2GRootCertificate",
    "MORootCertificate",
    "CSMSRootCertificate",
    "V2GCertificateChain",
    "ManufacturerRootCertificate",
]


class CertificateSignedIn(Body):
    """`certificate_type` is 2.0.1's; 1.6 (Security Whitepaper) sends the chain alone."""

    certificate_chain: str = Field(min_length=1, max_length=10000, description="PEM")
    certificate_type: Literal["ChargingStationCertificate", "V2GCertificate"] | None = None


class InstallCertificateIn(Body):
    certificate_type: Literal[
        "V2GRootCertificate",
        "MORootCertificate",
        "CSMSRootCertificate",
        "ManufacturerRootCertificate",
    ]
    certificate: str = Field(min_length=1, max_length=5500, description="PEM")


class GetInstalledCertificateIdsIn(Body):
    certificate_type: list[CertificateUse] | None = None


class CertificateHashDataIn(Body):
    hash_algorithm: Literal["SHA256", "SHA384", "SHA512"]
    issuer_name_hash: str = Field(max_length=128)
    issuer_key_hash: str = Field(max_length=128)
    serial_number: str = Field(max_length=40)


class DeleteCertificateIn(Body):
    certificate_hash_data: CertificateHashDataIn


OPERATIONS_201: tuple[Operation, ...] = (
    Operation(
        "get-variables",
        "GetVariables",
        GetVariablesIn,
        {
            "get_variable_data": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
        "Read device model variables, kept as a read model (2.0.1)",
        V201,
    ),
    Operation(
        "set-variables",
        "SetVariables",
        SetVariablesIn,
        {
            "set_variable_data": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attribute_value": "120",
                }
            ]
        },
        "Set device model variables; accepted values update the read model (2.0.1)",
        V201,
    ),
    Operation(
        "get-base-report",
        "GetBaseReport",
        GetBaseReportIn,
        {"report_base": "FullInventory"},
        "Ask for the device model; it arrives as NotifyReport parts (2.0.1)",
        V201,
    ),
    Operation(
        "get-report",
        "GetReport",
        GetReportIn,
        {"component_criteria": ["Problem"]},
        "Ask for part of the device model (2.0.1)",
        V201,
    ),
    Operation(
        "get-transaction-status",
        "GetTransactionStatus",
        GetTransactionStatusIn,
        {"transaction_id": "TX-0001"},
        "Whether a transaction is ongoing and has queued messages (2.0.1)",
        V201,
    ),
    Operation(
        "get-charging-profiles",
        "GetChargingProfiles",
        GetChargingProfilesIn,
        {"evse_id": 1, "charging_profile": {"charging_profile_purpose": "TxDefaultProfile"}},
        "Ask for installed profiles; they arrive as ReportChargingProfiles (2.0.1)",
        V201,
    ),
    Operation(
        "get-log",
        "GetLog",
        GetLogIn,
        {"log_type": "SecurityLog", "remote_location": "https://logs.example.com/upload"},
        "Ask for a log upload (2.0.1)",
        V201,
    ),
    Operation(
        "set-network-profile",
        "SetNetworkProfile",
        SetNetworkProfileIn,
        {
            "configuration_slot": 1,
            "connection_data": {
                "ocpp_version": "OCPP20",
                "ocpp_transport": "JSON",
                "ocpp_csms_url": "wss://csms.example.com/ocpp",
                "message_timeout": 30,
                "security_profile": 2,
                "ocpp_interface": "Wired0",
            },
        },
        "Store a connection profile in a slot (2.0.1)",
        V201,
    ),
    Operation(
        "certificate-signed",
        "CertificateSigned",
        CertificateSignedIn,
        {"certificate_chain": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----"},
        "Send the certificate signed for the station's CSR (1.6 Security Whitepaper, 2.0.1)",
        BOTH,
    ),
    Operation(
        "install-certificate",
        "InstallCertificate",
        InstallCertificateIn,
        {
            "certificate_type": "CSMSRootCertificate",
            "certificate": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----",
        },
        "Install a root certificate; once accepted it joins the read model (2.0.1)",
        V201,
    ),
    Operation(
        "get-installed-certificate-ids",
        "GetInstalledCertificateIds",
        GetInstalledCertificateIdsIn,
        {"certificate_type": ["CSMSRootCertificate"]},
        "List the certificates the station has installed; kept as a read model (2.0.1)",
        V201,
    ),
    Operation(
        "delete-certificate",
        "DeleteCertificate",
        DeleteCertificateIn,
        {
            "certificate_hash_data": {
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "0f1e2d",
                "issuer_key_hash": "3c4b5a",
                "serial_number": "01",
            }
        },
        "Delete an installed certificate (2.0.1)",
        V201,
    ),
)
