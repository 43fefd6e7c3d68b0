"""Configuration keys: what GetConfiguration and ChangeConfiguration answered.

The effects of two commands' answers (decided by `cs.app.commands`), on the record for
the read models; no state. Events: `ConfigurationReported`, `ConfigurationChanged`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part


class ConfigurationReported(Event):
    """GetConfiguration answered: these keys, as the charge box holds them."""

    TOPIC = "cs.ChargeBox.ConfigurationReported"
    keys: list[dict[str, Any]]
    unknown_keys: list[str]
    command_id: str


class ConfigurationChanged(Event):
    """ChangeConfiguration answered Accepted or RebootRequired."""

    TOPIC = "cs.ChargeBox.ConfigurationChanged"
    key: str
    value: str
    status: str
    command_id: str


class Configuration(Part):
    """The configuration part of a charge box: its keys as its answers told them."""

    def configuration_reported(
        self, keys: list[dict[str, Any]], unknown: list[str], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            ConfigurationReported,
            timestamp=at,
            keys=keys,
            unknown_keys=unknown,
            command_id=command_id,
        )

    def configuration_changed(
        self, key: str, value: str, status: str, *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            ConfigurationChanged,
            timestamp=at,
            key=key,
            value=value,
            status=status,
            command_id=command_id,
        )
