"""The `ChargeBox` aggregate, composed of its parts (one module each in this package)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from cs.domain import ids
from cs.domain.chargebox import (
    boot,
    certificates,
    charging_profiles,
    configuration,
    device_model,
    local_list,
    part,
    registration,
    remote_starts,
    reports,
    reservations,
    transactions,
)


class ChargeBox(
    registration.Registration,
    boot.Boot,
    transactions.Transactions,
    remote_starts.RemoteStarts,
    reservations.Reservations,
    reports.Reports,
    configuration.Configuration,
    device_model.DeviceModel,
    certificates.Certificates,
    local_list.LocalList,
    charging_profiles.ChargingProfiles,
    Aggregate,
):
    """A charge point identified by its tenant and charge box id.

    It records, in order and one event per message, what the charge point tells about
    itself and its connectors, and the effects of the answers to our commands. Its state
    holds only what decisions need, so it stays small; liveness traffic (heartbeats, raw
    frames) lives on `Connection` streams and is never replayed to load a charge box.

    One stream, made of parts (each a module of `cs.domain.chargebox`):
    registration (`Registered`, `RegistrationChanged`, `SecurityConfigured`), boot
    (`Booted`, `StatusNotified`), transactions (`TransactionStarted`, `TransactionEnded`,
    `MeterValuesReported`, `UnknownTransactionStopped`), remote starts
    (`RemoteStartAccepted`, `RemoteStartLinked`), reservations (`ReservationMade`,
    `ReservationEnded`), reports (`Reported`, `SecurityEventReported`,
    `CertificateSigningRequested`, `DataTransferred`), configuration
    (`ConfigurationReported`, `ConfigurationChanged`), the 2.0.1 device model
    (`DeviceModelReported`, `VariablesAnswered`), installed certificates
    (`CertificatesAnswered`), local list (`LocalListSent`,
    `LocalListVersionReported`) and charging profiles (`ChargingProfileSet`,
    `ChargingProfilesCleared`).
    """

    TOPIC = "cs.ChargeBox"

    # Every event, by part. eventsourcing uses the event classes of this class body as
    # they are (they subclass `Event`) and registers their explicit topics from here:
    # one missing leaves its topic unregistered (`trigger_event` refuses it, and
    # tests/unit/test_event_versions.py fails). For mypy these are variables, not
    # types: annotate with the part's class (`boot.Booted`), as the projections do.
    Event = part.Event
    Created = registration.Created
    Registered = registration.Registered
    RegistrationChanged = registration.RegistrationChanged
    SecurityConfigured = registration.SecurityConfigured

    Booted = boot.Booted
    StatusNotified = boot.StatusNotified

    TransactionStarted = transactions.TransactionStarted
    TransactionEnded = transactions.TransactionEnded
    MeterValuesReported = transactions.MeterValuesReported
    UnknownTransactionStopped = transactions.UnknownTransactionStopped

    RemoteStartAccepted = remote_starts.RemoteStartAccepted
    RemoteStartLinked = remote_starts.RemoteStartLinked

    ReservationMade = reservations.ReservationMade
    ReservationEnded = reservations.ReservationEnded

    Reported = reports.Reported
    SecurityEventReported = reports.SecurityEventReported
    CertificateSigningRequested = reports.CertificateSigningRequested
    DataTransferred = reports.DataTransferred

    ConfigurationReported = configuration.ConfigurationReported
    ConfigurationChanged = configuration.ConfigurationChanged

    DeviceModelReported = device_model.DeviceModelReported
    VariablesAnswered = device_model.VariablesAnswered

    CertificatesAnswered = certificates.CertificatesAnswered

    LocalListSent = local_list.LocalListSent
    LocalListVersionReported = local_list.LocalListVersionReported

    ChargingProfileSet = charging_profiles.ChargingProfileSet
    ChargingProfilesCleared = charging_profiles.ChargingProfilesCleared

    def __init__(self, tenant_id: str, charge_box_id: str) -> None:
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self._init_registration()
        self._init_boot()
        self._init_transactions()
        self._init_remote_starts()
        self._init_reservations()
        self._init_local_list()

    # v2 (2026-11) added `security_profile` and `password_hash`; snapshots taken before
    # hold neither: the box was never configured (docs/event-versioning.md).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("security_profile", None)
        state.setdefault("password_hash", None)

    @classmethod
    def register(cls, tenant_id: str, charge_box_id: str, at: datetime) -> ChargeBox:
        """A charge box seen for the first time, with an id derived from its natural key."""
        return cls._create(
            cls.Registered,
            id=ids.charge_box_id(tenant_id, charge_box_id),
            timestamp=at,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
        )
