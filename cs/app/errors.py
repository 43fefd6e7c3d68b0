"""Why a command could not be run: errors the use cases raise, each with a stable code.

The REST layer answers each with its status (a lookup in `cs.http.errors`), the command
bus carries them between nodes by `code`. `details` are JSON values that go with them.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CommandError(Exception):
    """A command that could not be run (nothing was sent to the station)."""

    code: ClassVar[str] = "command_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> CommandError:
        """The error `as_dict` describes (a generic one for a code this node does not know)."""
        kind = _BY_CODE.get(str(data.get("code")), CommandError)
        return kind(str(data.get("message", "")), **dict(data.get("details") or {}))


class StationNotFound(CommandError):
    """No charging station with this id is known (in this tenant)."""

    code = "not_found"


class StationNotConnected(CommandError):
    """The station has no live connection on any node that can be reached for it."""

    code = "not_connected"


class CommandQueueFull(CommandError):
    """The station already has as many commands waiting as allowed; `retry_after_seconds`."""

    code = "queue_full"


class InvalidCommand(CommandError):
    """The command's arguments break the station's schema; `problems` name the fields."""

    code = "invalid_body"


class UnsupportedOperation(CommandError):
    """The station's protocol version has no such operation; `version` names it."""

    code = "unsupported_operation"


class StationPending(CommandError):
    """The station's boot is Pending: only provisioning may be sent to it (`allowed`)."""

    code = "station_pending"


class StationUnreachable(CommandError):
    """The node holding the station's connection cannot be reached now."""

    code = "unavailable"


class NoReply(CommandError):
    """The node holding the station's connection did not reply in time."""

    code = "no_reply"


_BY_CODE: dict[str, type[CommandError]] = {
    kind.code: kind
    for kind in (
        StationNotFound,
        StationNotConnected,
        CommandQueueFull,
        InvalidCommand,
        UnsupportedOperation,
        StationPending,
        StationUnreachable,
        NoReply,
    )
}
