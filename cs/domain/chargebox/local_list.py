"""The local authorization list: which version of it the box holds, and since when.

The effects of SendLocalList and GetLocalListVersion answers (decided by
`cs.app.commands`). Holds `local_list_version` and `local_list_synced_at` (when a
list was last accepted). Events: `LocalListSent`, `LocalListVersionReported`.
"""

from __future__ import annotations

from datetime import datetime

from cs.domain.chargebox.part import Event, Part


class LocalListSent(Event):
    """SendLocalList answered (Accepted or not): what was sent, and the outcome."""

    TOPIC = "cs.ChargeBox.LocalListSent"
    version: int
    update_type: str
    entries: int
    status: str
    synced_at: datetime
    command_id: str

    def apply(self, box: LocalList) -> None:
        if self.status == "Accepted":
            box.local_list_version = self.version
            box.local_list_synced_at = self.synced_at


class LocalListVersionReported(Event):
    """GetLocalListVersion answered: the version of the list the box holds."""

    TOPIC = "cs.ChargeBox.LocalListVersionReported"
    version: int
    command_id: str

    def apply(self, box: LocalList) -> None:
        box.local_list_version = self.version


class LocalList(Part):
    """The local list part of a charge box: the version it holds."""

    local_list_version: int
    local_list_synced_at: datetime | None

    def _init_local_list(self) -> None:
        self.local_list_version = 0
        self.local_list_synced_at = None

    def local_list_sent(
        self,
        version: int,
        update_type: str,
        entries: int,
        status: str,
        *,
        synced_at: datetime,
        command_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            LocalListSent,
            timestamp=at,
            version=version,
            update_type=update_type,
            entries=entries,
            status=status,
            synced_at=synced_at,
            command_id=command_id,
        )

    def local_list_version_reported(self, version: int, *, command_id: str, at: datetime) -> None:
        self.trigger_event(
            LocalListVersionReported, timestamp=at, version=version, command_id=command_id
        )
