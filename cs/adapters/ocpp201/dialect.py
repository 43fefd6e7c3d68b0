"""OCPP 2.0.1 as a `Dialect`: subprotocol `ocpp2.0.1`, its schemas, actions and commands."""

from __future__ import annotations

from pathlib import Path

import ocpp
from ocpp.v201.enums import Action

from cs.adapters.ocpp201.actions.authorize import Authorize
from cs.adapters.ocpp201.actions.boot_notification import BootNotification
from cs.adapters.ocpp201.actions.data_transfer import DataTransfer
from cs.adapters.ocpp201.actions.firmware_status_notification import FirmwareStatusNotification
from cs.adapters.ocpp201.actions.meter_values import MeterValues
from cs.adapters.ocpp201.actions.notifications import ACKNOWLEDGED, Acknowledged
from cs.adapters.ocpp201.actions.notify_report import NotifyReport
from cs.adapters.ocpp201.actions.status_notification import StatusNotification
from cs.adapters.ocpp201.actions.transaction_event import TransactionEvent
from cs.adapters.ocpp201.commands import catalogue
from cs.adapters.ocppj.dialect import ActionHandler, Dialect
from cs.adapters.ocppj.schemas import PayloadValidator
from cs.adapters.ocppj.shared_actions import (
    Heartbeat,
    LogStatusNotification,
    SecurityEventNotification,
    SignCertificate,
)
from cs.app.usecases import MessageUseCases
from cs.domain.chargebox import ChargeBox
from cs.domain.registration import RegistrationStatus

SUBPROTOCOL = "ocpp2.0.1"
SCHEMA_DIR = Path(ocpp.__file__).parent / "v201" / "schemas"
KNOWN_ACTIONS = frozenset(action.value for action in Action)


def validator() -> PayloadValidator:
    """The 2.0.1 schemas (`<Action>Request.json`), with 32-bit integers as for 1.6."""
    return PayloadValidator(SCHEMA_DIR, request_suffix="Request", int32=" (OCPP 2.0.1 integer)")


def admits(station: ChargeBox, action: str) -> str | None:
    """OCPP 2.0.1 B02.FR.09 / B03.FR.08: until a boot is Accepted, only BootNotification."""
    if action == "BootNotification":
        return None
    if station.registration_status != RegistrationStatus.ACCEPTED.value:
        state = station.registration_status or "not received"
        return f"BootNotification is {state}: send BootNotification and wait for Accepted"
    return None


def actions(use: MessageUseCases) -> dict[str, ActionHandler]:
    """Every action a 2.0.1 station sends that we serve, with the use case each calls."""
    served: dict[str, ActionHandler] = {
        "Authorize": Authorize(use.authorizations),
        "BootNotification": BootNotification(use.boots),
        "DataTransfer": DataTransfer(use.data_transfers),
        "FirmwareStatusNotification": FirmwareStatusNotification(use.reports),
        "Heartbeat": Heartbeat(use.boots),
        "LogStatusNotification": LogStatusNotification(use.reports),
        "MeterValues": MeterValues(use.meter_values),
        "NotifyEVChargingNeeds": Acknowledged({"status": "Rejected"}),  # no smart charging yet
        "NotifyReport": NotifyReport(use.reports),
        "SecurityEventNotification": SecurityEventNotification(use.reports),
        "SignCertificate": SignCertificate(use.reports),
        "StatusNotification": StatusNotification(use.statuses),
        "TransactionEvent": TransactionEvent(use.transaction_events),
    }
    served.update({action: Acknowledged() for action in ACKNOWLEDGED})
    return served


def dialect(use: MessageUseCases, schemas: PayloadValidator | None = None) -> Dialect:
    """OCPP 2.0.1 on OCPP-J, serving `use`'s use cases (error codes spelled as in 2.0.1)."""
    checks = schemas or validator()
    return Dialect(
        subprotocol=SUBPROTOCOL,
        validator=checks,
        actions=actions(use),
        known_actions=KNOWN_ACTIONS,
        commands=catalogue(checks),
        admits=admits,
        spelling={},
        answers_unknown_message_types=True,
    )
