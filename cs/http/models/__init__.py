"""Response models of the REST API: the contract, the OpenAPI schemas, and the shapes.

Each model is the one declaration of a body: `cs.http.shapes.Shape(model)` builds the
plain dict it documents (fast, via orjson), `cs.http.openapi` turns it into a schema,
and the contract tests validate real responses against it. One module per concern;
everything is importable from here.
"""

from __future__ import annotations

from cs.http.models.base import ErrorOut, Model, PageOut, Row
from cs.http.models.chargeboxes import (
    BootOut,
    ChargeBoxOut,
    ChargeBoxPage,
    ChargeBoxSummaryOut,
    ConnectorOut,
    DataTransfersOut,
    EvseOut,
    FirmwareOut,
    LiveConnectionOut,
    LocalListOut,
    LogsOut,
    RegistrationOut,
    SecurityOut,
    StatusAtOut,
)
from cs.http.models.commands import (
    CertificateHashOut,
    CertificateOut,
    CertificatesOut,
    ChargingProfileOut,
    ChargingProfilesOut,
    CommandErrorOut,
    CommandOut,
    CommandPage,
    CommandRowOut,
    ConfigurationKeyOut,
    ConfigurationOut,
    ReservationOut,
    ReservationsOut,
    VariableOut,
    VariablesOut,
)
from cs.http.models.connections import ConnectionOut, RpcCallOut, SummaryOut
from cs.http.models.health import (
    CommandRoutingOut,
    HealthOut,
    ProjectionStatusOut,
    RelayStatusOut,
    WriterStatusOut,
)
from cs.http.models.history import FrameOut, HistoryEventOut, HistoryExportOut, HistoryOut
from cs.http.models.security import (
    AccessRefusalOut,
    AccessRefusalsOut,
    ChargeBoxSecurityOut,
    SecurityEventOut,
    SecurityEventsOut,
)
from cs.http.models.sessions import SessionMeterOut, SessionOut, SessionPage
from cs.http.models.tokens import TokenOut, TokenPage, TokenRowOut

__all__ = [
    "AccessRefusalOut",
    "AccessRefusalsOut",
    "BootOut",
    "CertificateHashOut",
    "CertificateOut",
    "CertificatesOut",
    "ChargeBoxOut",
    "ChargeBoxPage",
    "ChargeBoxSecurityOut",
    "ChargeBoxSummaryOut",
    "ChargingProfileOut",
    "ChargingProfilesOut",
    "CommandErrorOut",
    "CommandOut",
    "CommandPage",
    "CommandRoutingOut",
    "CommandRowOut",
    "ConfigurationKeyOut",
    "ConfigurationOut",
    "ConnectionOut",
    "ConnectorOut",
    "DataTransfersOut",
    "ErrorOut",
    "EvseOut",
    "FirmwareOut",
    "FrameOut",
    "HealthOut",
    "HistoryEventOut",
    "HistoryExportOut",
    "HistoryOut",
    "LiveConnectionOut",
    "LocalListOut",
    "LogsOut",
    "Model",
    "PageOut",
    "ProjectionStatusOut",
    "RegistrationOut",
    "RelayStatusOut",
    "ReservationOut",
    "ReservationsOut",
    "Row",
    "RpcCallOut",
    "SecurityEventOut",
    "SecurityEventsOut",
    "SecurityOut",
    "SessionMeterOut",
    "SessionOut",
    "SessionPage",
    "StatusAtOut",
    "SummaryOut",
    "TokenOut",
    "TokenPage",
    "TokenRowOut",
    "VariableOut",
    "VariablesOut",
    "WriterStatusOut",
]
