"""Remote starts: a RemoteStartTransaction accepted, waiting for the start it asked for.

Holds `remote_starts` (normalised id tag to the command, its connector and its
deadline; a copy-on-write dict). A StartTransaction with that tag before the deadline
is the command's result. Events: `RemoteStartAccepted`, `RemoteStartLinked`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part
from cs.domain.ids import normalise_id_tag


class RemoteStartAccepted(Event):
    """RemoteStartTransaction accepted: a start with this tag until `until` is its result."""

    TOPIC = "cs.ChargeBox.RemoteStartAccepted"
    command_id: str
    id_tag: str
    connector_id: int | None
    until: datetime

    def apply(self, box: RemoteStarts) -> None:
        box.remote_starts = {
            **box.remote_starts,
            normalise_id_tag(self.id_tag): {
                "command_id": self.command_id,
                "connector_id": self.connector_id,
                "until": self.until,
            },
        }


class RemoteStartLinked(Event):
    """The session a remote start led to."""

    TOPIC = "cs.ChargeBox.RemoteStartLinked"
    command_id: str
    transaction_id: int
    id_tag: str

    def apply(self, box: RemoteStarts) -> None:
        key = normalise_id_tag(self.id_tag)
        box.remote_starts = {k: v for k, v in box.remote_starts.items() if k != key}


class RemoteStarts(Part):
    """The remote starts part of a charge box: accepted starts awaiting their session."""

    remote_starts: dict[str, dict[str, Any]]

    def _init_remote_starts(self) -> None:
        self.remote_starts = {}  # copy-on-write: never mutated in place

    def remote_start_accepted(
        self,
        command_id: str,
        id_tag: str,
        connector_id: int | None,
        *,
        until: datetime,
        at: datetime,
    ) -> None:
        self.trigger_event(
            RemoteStartAccepted,
            timestamp=at,
            command_id=command_id,
            id_tag=id_tag,
            connector_id=connector_id,
            until=until,
        )

    def remote_start_for(self, id_tag: str, connector_id: int, at: datetime) -> str | None:
        """The remote start command a StartTransaction answers, if one is waiting for it."""
        pending = self.remote_starts.get(normalise_id_tag(id_tag))
        if pending is None or pending["until"] < at:
            return None
        if pending["connector_id"] not in (None, connector_id):
            return None
        return str(pending["command_id"])

    def link_remote_start(
        self, command_id: str, transaction_id: int, id_tag: str, at: datetime
    ) -> None:
        self.trigger_event(
            RemoteStartLinked,
            timestamp=at,
            command_id=command_id,
            transaction_id=transaction_id,
            id_tag=id_tag,
        )
