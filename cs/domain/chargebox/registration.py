"""Registration and security: the box as the registry knows it.

Holds what an operator configured: the status its next BootNotification is answered
(`configured_status`) and how it must authenticate (`security_profile` and the hash of
its authorization key). Events: `Created` (the base of the created events),
`Registered` (first contact), `RegistrationChanged`, `SecurityConfigured`.
"""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from cs.domain.chargebox.part import Event, Part
from cs.domain.ocpp16 import RegistrationStatus

SECURITY_PROFILES = (0, 1, 2, 3)


def check_security(security_profile: int, password_hash: str | None) -> None:
    """Raise ValueError unless the profile exists and has the key it needs (1 and 2)."""
    if security_profile not in SECURITY_PROFILES:
        raise ValueError(f"security profile {security_profile} is not one of 0, 1, 2, 3")
    if security_profile in (1, 2) and password_hash is None:
        raise ValueError(f"security profile {security_profile} needs an authorization key")


class Created(Event, Aggregate.Created):
    """Base of the events that create a charge box (`Registered`)."""

    TOPIC = "cs.ChargeBox.Created"


class Registered(Created):
    """The charge box became known to the central system (first contact)."""

    TOPIC = "cs.ChargeBox.Registered"
    tenant_id: str
    charge_box_id: str


class RegistrationChanged(Event):
    """An operator set what BootNotification answers this box (registry)."""

    TOPIC = "cs.ChargeBox.RegistrationChanged"
    status: str
    by: str | None

    def apply(self, box: Registration) -> None:
        box.configured_status = self.status  # answered at its next BootNotification


class SecurityConfigured(Event):
    """An operator set how this box must authenticate (OCPP 1.6 Security Whitepaper).

    Profile 0: no authentication; 1: HTTP Basic (user = charge box id, password =
    its authorization key); 2: Basic over TLS; 3: TLS client certificate. Holds a
    salted slow hash of the key, never the key; histories redact it.
    """

    TOPIC = "cs.ChargeBox.SecurityConfigured"
    security_profile: int
    password_hash: str | None
    by: str | None

    def apply(self, box: Registration) -> None:
        box.security_profile = self.security_profile
        box.password_hash = self.password_hash


class Registration(Part):
    """The registry's part of a charge box: its configured answer and security profile."""

    configured_status: str | None
    security_profile: int | None
    password_hash: str | None

    def _init_registration(self) -> None:
        self.configured_status = None
        self.security_profile = None  # None: never configured by an operator
        self.password_hash = None

    @property
    def provisioned(self) -> bool:
        """An operator registered this box's security profile (not only first contact)."""
        return self.security_profile is not None

    def boot_answer(self, default: RegistrationStatus) -> RegistrationStatus:
        """What to answer its next BootNotification: the registry's status, else `default`."""
        if self.configured_status is not None:
            return RegistrationStatus(self.configured_status)
        return default

    def set_registration(self, status: RegistrationStatus, *, by: str | None, at: datetime) -> bool:
        """Set the registry's answer; False when it already was `status`."""
        if self.configured_status == status.value:
            return False
        self.trigger_event(RegistrationChanged, timestamp=at, status=status.value, by=by)
        return True

    def configure_security(
        self, security_profile: int, password_hash: str | None, *, by: str | None, at: datetime
    ) -> None:
        """Set the security profile; profiles 1 and 2 need a password hash."""
        check_security(security_profile, password_hash)
        if security_profile in (0, 3):
            password_hash = None  # not used by these profiles: nothing to keep
        if (security_profile, password_hash) == (self.security_profile, self.password_hash):
            return
        self.trigger_event(
            SecurityConfigured,
            timestamp=at,
            security_profile=security_profile,
            password_hash=password_hash,
            by=by,
        )
