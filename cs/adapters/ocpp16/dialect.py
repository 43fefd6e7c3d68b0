"""OCPP 1.6-J as a `Dialect`: subprotocol `ocpp1.6`, its schemas, actions and commands."""

from __future__ import annotations

from pathlib import Path

import ocpp
from ocpp.v16.enums import Action

from cs.adapters.ocpp16 import errors
from cs.adapters.ocpp16.actions.authorize import Authorize
from cs.adapters.ocpp16.actions.boot_notification import BootNotification
from cs.adapters.ocpp16.actions.data_transfer import DataTransfer
from cs.adapters.ocpp16.actions.diagnostics_status_notification import (
    DiagnosticsStatusNotification,
)
from cs.adapters.ocpp16.actions.firmware_status_notification import FirmwareStatusNotification
from cs.adapters.ocpp16.actions.meter_values import MeterValues
from cs.adapters.ocpp16.actions.signed_firmware_status_notification import (
    SignedFirmwareStatusNotification,
)
from cs.adapters.ocpp16.actions.start_transaction import StartTransaction
from cs.adapters.ocpp16.actions.status_notification import StatusNotification
from cs.adapters.ocpp16.actions.stop_transaction import StopTransaction
from cs.adapters.ocpp16.commands import catalogue
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

SUBPROTOCOL = "ocpp1.6"
SCHEMA_DIR = Path(ocpp.__file__).parent / "v16" / "schemas"
KNOWN_ACTIONS = frozenset(action.value for action in Action)


def validator() -> PayloadValidator:
    """The 1.6 schemas, with 32-bit integers (xs:int in its WSDL)."""
    return PayloadValidator(SCHEMA_DIR, int32=" (xs:int in OCPP 1.6)")


def admits(station: ChargeBox, action: str) -> str | None:
    """OCPP 1.6 section 4.2: a charge point answered Rejected sends nothing but a new boot."""
    if action != "BootNotification" and station.rejected:
        return "This charge box's BootNotification was rejected; send BootNotification first"
    return None


def actions(use: MessageUseCases) -> dict[str, ActionHandler]:
    """Every action a 1.6 charge point sends that we serve, with the use case each calls."""
    return {
        "Authorize": Authorize(use.authorizations),
        "BootNotification": BootNotification(use.boots),
        "DataTransfer": DataTransfer(use.data_transfers),
        "DiagnosticsStatusNotification": DiagnosticsStatusNotification(use.reports),
        "FirmwareStatusNotification": FirmwareStatusNotification(use.reports),
        "Heartbeat": Heartbeat(use.boots),
        "LogStatusNotification": LogStatusNotification(use.reports),
        "MeterValues": MeterValues(use.meter_values),
        "SecurityEventNotification": SecurityEventNotification(use.reports),
        "SignCertificate": SignCertificate(use.reports),
        "SignedFirmwareStatusNotification": SignedFirmwareStatusNotification(use.reports),
        "StartTransaction": StartTransaction(use.starts),
        "StatusNotification": StatusNotification(use.statuses),
        "StopTransaction": StopTransaction(use.stops),
    }


def dialect(use: MessageUseCases, schemas: PayloadValidator | None = None) -> Dialect:
    """OCPP 1.6-J, serving `use`'s use cases."""
    checks = schemas or validator()
    return Dialect(
        subprotocol=SUBPROTOCOL,
        validator=checks,
        actions=actions(use),
        known_actions=KNOWN_ACTIONS,
        commands=catalogue(checks),
        admits=admits,
        spelling=errors.SPELLING,
    )
