"""Charging profiles: what SetChargingProfile and ClearChargingProfile changed.

The effects of two commands' answers (decided by `cs.app.commands`), on the record for
the read models; no state. Events: `ChargingProfileSet`, `ChargingProfilesCleared`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part


class ChargingProfileSet(Event):
    """SetChargingProfile accepted: the profile as installed on a connector."""

    TOPIC = "cs.ChargeBox.ChargingProfileSet"
    connector_id: int
    profile: dict[str, Any]
    command_id: str


class ChargingProfilesCleared(Event):
    """ClearChargingProfile accepted; `criteria` as sent (all absent: every profile)."""

    TOPIC = "cs.ChargeBox.ChargingProfilesCleared"
    criteria: dict[str, Any]
    command_id: str


class ChargingProfiles(Part):
    """The smart charging part of a charge box: the profiles its answers installed."""

    def charging_profile_set(
        self, connector_id: int, profile: dict[str, Any], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            ChargingProfileSet,
            timestamp=at,
            connector_id=connector_id,
            profile=profile,
            command_id=command_id,
        )

    def charging_profiles_cleared(
        self, criteria: dict[str, Any], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            ChargingProfilesCleared, timestamp=at, criteria=criteria, command_id=command_id
        )
