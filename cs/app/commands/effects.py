"""What a station's answer to a command establishes about it, in central-system terms.

The station's protocol version reads its answer into these facts (OCPP 1.6 section 5:
`cs.adapters.ocpp16.commands`); `apply` records each on the station's aggregate in the
unit of the answer, so the read models (configuration, reservations, local list,
charging profiles, the 2.0.1 device model) follow what the station accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cs.domain.chargebox import ChargeBox
from cs.domain.command import Command

REMOTE_START_WINDOW = timedelta(minutes=3)  # how long a remote start waits for its session


@dataclass(frozen=True)
class ConfigurationRead:
    """The station reported these configuration keys (as it holds them) and unknown keys."""

    keys: list[dict[str, Any]]
    unknown_keys: list[str]


@dataclass(frozen=True)
class ConfigurationChanged:
    """The station took a new value for a key (`status`: accepted, or needs a reboot)."""

    key: str
    value: str
    status: str


@dataclass(frozen=True)
class RemoteStartAccepted:
    """The station will start a transaction for this id tag (on this connector, if given)."""

    id_tag: str
    connector_id: int | None


@dataclass(frozen=True)
class Reserved:
    """The station holds a reservation (the id is ours) until `expiry_date`."""

    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry_date: datetime


@dataclass(frozen=True)
class ReservationCancelled:
    reservation_id: int


@dataclass(frozen=True)
class LocalListSent:
    """A local authorization list was sent; `status` is whether the station took it."""

    version: int
    update_type: str
    entries: int
    status: str


@dataclass(frozen=True)
class LocalListVersionRead:
    version: int


@dataclass(frozen=True)
class ProfileInstalled:
    """The station installed a charging profile on a connector (0: the whole station)."""

    connector_id: int
    profile: dict[str, Any]


@dataclass(frozen=True)
class ProfilesCleared:
    """The station cleared the charging profiles matching `criteria` (none: every one)."""

    criteria: dict[str, Any]


@dataclass(frozen=True)
class VariableResult:
    """One device model variable as a GetVariables / SetVariables answer gave it (2.0.1)."""

    component: dict[str, Any]
    variable: dict[str, Any]
    attribute_type: str
    value: str | None
    status: str

    def as_record(self) -> dict[str, Any]:
        evse = self.component.get("evse") or {}
        return {
            "component": self.component.get("name"),
            "component_instance": self.component.get("instance"),
            "evse_id": evse.get("id"),
            "connector_id": evse.get("connectorId"),
            "variable": self.variable.get("name"),
            "variable_instance": self.variable.get("instance"),
            "attribute_type": self.attribute_type,
            "value": self.value,
            "status": self.status,
        }


@dataclass(frozen=True)
class VariablesAnswered:
    """The station answered GetVariables (`kind` read) or SetVariables (`kind` set)."""

    kind: str
    results: list[VariableResult]


@dataclass(frozen=True)
class CertificatesAnswered:
    """What a 2.0.1 station holds: `listed` (exactly these of `certificate_types`, every
    type when empty), or one certificate `installed` or `deleted` (records as in
    `cs.domain.chargebox.certificates`)."""

    kind: str
    certificate_types: list[str]
    certificates: list[dict[str, Any]]


@dataclass(frozen=True)
class StationKeyAccepted:
    """The station took the password its command set (1.6 AuthorizationKey, 2.0.1
    BasicAuthPassword): from now on it authenticates with it (the command's hash)."""


Fact = (
    ConfigurationRead
    | ConfigurationChanged
    | RemoteStartAccepted
    | Reserved
    | ReservationCancelled
    | LocalListSent
    | LocalListVersionRead
    | ProfileInstalled
    | ProfilesCleared
    | VariablesAnswered
    | CertificatesAnswered
    | StationKeyAccepted
)


def apply(box: ChargeBox, fact: Fact, command: Command, at: datetime) -> None:
    """Record `fact`, established by the answer to `command`, on the station."""
    _APPLY[type(fact)](box, fact, command, at)


def _configuration(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.configuration_reported(fact.keys, fact.unknown_keys, command_id=str(command.id), at=at)


def _changed(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.configuration_changed(fact.key, fact.value, fact.status, command_id=str(command.id), at=at)


def _remote_start(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.remote_start_accepted(
        str(command.id), fact.id_tag, fact.connector_id, until=at + REMOTE_START_WINDOW, at=at
    )


def _reserved(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.reservation_made(
        fact.reservation_id,
        fact.connector_id,
        fact.id_tag,
        fact.parent_id_tag,
        fact.expiry_date,
        command_id=str(command.id),
        at=at,
    )


def _cancelled(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.end_reservation(fact.reservation_id, "cancelled", command_id=str(command.id), at=at)


def _local_list(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.local_list_sent(
        fact.version,
        fact.update_type,
        fact.entries,
        fact.status,
        synced_at=command.created_on,  # the registry as it was when the list was built
        command_id=str(command.id),
        at=at,
    )


def _local_list_version(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.local_list_version_reported(fact.version, command_id=str(command.id), at=at)


def _profile(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.charging_profile_set(fact.connector_id, fact.profile, command_id=str(command.id), at=at)


def _cleared(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.charging_profiles_cleared(fact.criteria, command_id=str(command.id), at=at)


def _variables(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    results = [result.as_record() for result in fact.results]
    box.variables_answered(fact.kind, results, command_id=str(command.id), at=at)


def _certificates(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    box.certificates_answered(
        fact.kind, fact.certificate_types, fact.certificates, command_id=str(command.id), at=at
    )


def _station_key(box: ChargeBox, fact: Any, command: Command, at: datetime) -> None:
    # Only a box that authenticates with a password (profiles 1 and 2) has one to
    # replace; for profiles 0 and 3 the station holds a key we do not check.
    if command.password_hash is not None and box.security_profile in (1, 2):
        box.configure_security(
            box.security_profile, command.password_hash, by=command.requested_by, at=at
        )


_APPLY: dict[type[Any], Callable[[ChargeBox, Any, Command, datetime], None]] = {
    ConfigurationRead: _configuration,
    ConfigurationChanged: _changed,
    RemoteStartAccepted: _remote_start,
    Reserved: _reserved,
    ReservationCancelled: _cancelled,
    LocalListSent: _local_list,
    LocalListVersionRead: _local_list_version,
    ProfileInstalled: _profile,
    ProfilesCleared: _cleared,
    VariablesAnswered: _variables,
    CertificatesAnswered: _certificates,
    StationKeyAccepted: _station_key,
}
