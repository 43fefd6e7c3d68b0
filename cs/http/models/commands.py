"""Response models: commands sent to charge boxes, and the state they left on the box."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ocpp.charge_point import camel_to_snake_case
from pydantic import Field

from cs.http.models.base import Model, PageOut, Row
from cs.http.shapes import Computed, From, Nested


def _snake(payload: dict[str, Any] | None) -> Any:
    """An OCPP payload with snake_case keys, as the REST API shows payloads."""
    return camel_to_snake_case(payload) if payload is not None else None


# Its `From` marks name the columns of `rm_commands` (CommandRowOut); in CommandOut the
# view's `error` is already this shape.
class CommandErrorOut(Model):
    code: Annotated[str, From("error_code")] = Field(
        description="the charger's CALLERROR code, or timeout/aborted"
    )
    description: Annotated[str, From("error_description")]
    details: Annotated[dict[str, Any], From("error_details")]


def _request(command: Any) -> Any:
    return _snake(command.request)


def _answer(command: Any) -> Any:
    return _snake(command.answer)


class CommandOut(Model):
    """A command and, once it has one, its outcome."""

    # Shaped from a `cs.app.commands.view.CommandView`, attribute by attribute.
    command_id: UUID
    status: Literal["queued", "sent", "answered", "failed", "timed_out", "aborted"]
    operation: str
    action: str = Field(description="the OCPP action")
    msg_id: str | None = Field(description="the CALL's unique id, once sent")
    tenant_id: str
    charge_box_id: str
    requested_by: str | None
    requested_at: datetime
    request: Annotated[dict[str, Any], Computed(_request)] = Field(
        description="the OCPP payload sent (snake_case keys)"
    )
    answer: Annotated[dict[str, Any] | None, Computed(_answer)] = Field(
        description="the charger's answer (snake_case keys)"
    )
    error: CommandErrorOut | None
    transaction_id: int | None = Field(description="for a remote start: the session it led to")


def _row_request(row: Row) -> Any:
    return _snake(row["payload"])


def _row_answer(row: Row) -> Any:
    return _snake(row["answer"])


# A row of `rm_commands`.
class CommandRowOut(Model):
    command_id: UUID
    operation: str
    action: str
    status: str
    requested_by: str | None
    requested_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    msg_id: Annotated[str | None, From("unique_id")]
    request: Annotated[dict[str, Any], Computed(_row_request)]
    answer: Annotated[dict[str, Any] | None, Computed(_row_answer)]
    error: Annotated[CommandErrorOut | None, Nested(when="error_code")]
    transaction_id: int | None


class CommandPage(PageOut[CommandRowOut]):
    """A page of commands, newest first."""


class ConfigurationKeyOut(Model):
    key: str
    value: str | None
    readonly: bool | None
    known: bool = Field(description="false: the box said it does not know this key")
    status: str | None = Field(description="Accepted/RebootRequired after a change")
    updated_at: datetime
    command_id: str | None


class ConfigurationOut(Model):
    items: list[ConfigurationKeyOut]


class VariableOut(Model):
    """One attribute of a device model variable (OCPP 2.0.1 Part 2, 2.52 ReportDataType)."""

    component: str
    component_instance: str | None
    evse_id: int | None
    connector_id: int | None
    variable: str
    variable_instance: str | None
    attribute_type: Literal["Actual", "Target", "MinSet", "MaxSet"] | str
    value: str | None
    mutability: str | None = Field(description="ReadOnly, WriteOnly, ReadWrite (from reports)")
    persistent: bool | None
    constant: bool | None
    characteristics: dict[str, Any] | None = Field(
        description="variableCharacteristics as reported (unit, dataType, limits, valuesList)"
    )
    status: str | None = Field(description="the last GetVariables/SetVariables status")
    source: Literal["report", "read", "set"]
    request_id: int | None = Field(description="the report (GetBaseReport/GetReport) it came in")
    updated_at: datetime
    command_id: str | None


class VariablesOut(Model):
    items: list[VariableOut]


class CertificateHashOut(Model):
    """A certificate named as OCPP 2.0.1 names it (Part 2, 2.6 CertificateHashDataType)."""

    certificate_type: str
    hash_algorithm: Literal["SHA256", "SHA384", "SHA512"] | str
    issuer_name_hash: str = Field(description="hex, lower case")
    issuer_key_hash: str = Field(description="hex, lower case")
    serial_number: str = Field(description="hex, lower case, no leading zeroes")


class CertificateOut(CertificateHashOut):
    """A certificate the station holds, as its last answers told it (M03-M05)."""

    child_certificates: list[CertificateHashOut] = Field(
        description="the sub-CA certificates of a V2GCertificateChain, as listed"
    )
    source: Literal["report", "install"] = Field(
        description="report: a GetInstalledCertificateIds listing; install: an accepted "
        "InstallCertificate of a root certificate"
    )
    updated_at: datetime
    command_id: str | None


class CertificatesOut(Model):
    items: list[CertificateOut]


class ReservationOut(Model):
    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry_date: datetime
    status: Literal["active", "cancelled", "fulfilled", "expired"]
    made_at: datetime
    ended_at: datetime | None
    transaction_id: int | None
    command_id: str | None


class ReservationsOut(Model):
    items: list[ReservationOut]


class ChargingProfileOut(Model):
    connector_id: int
    charging_profile_id: int
    stack_level: int | None
    purpose: str | None
    profile: dict[str, Any] = Field(description="as installed (OCPP camelCase)")
    installed_at: datetime
    command_id: str | None


class ChargingProfilesOut(Model):
    items: list[ChargingProfileOut]
