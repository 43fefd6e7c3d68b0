"""A command as the station's protocol version sends it, and what can become of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cs.app.commands.effects import Fact

Payload = dict[str, Any]


def _no_meaning(_result: Payload) -> Sequence[Fact]:
    return ()


@dataclass(frozen=True)
class CommandRequest:
    """An operation someone asked for: `arguments` are the operation's (JSON) arguments.

    Protocol-neutral: the station's connection turns it into its version's CALL.
    """

    tenant_id: str
    charge_box_id: str
    operation: str
    arguments: Mapping[str, Any]
    requested_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "charge_box_id": self.charge_box_id,
            "operation": self.operation,
            "arguments": dict(self.arguments),
            "requested_by": self.requested_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CommandRequest:
        return cls(
            tenant_id=str(data["tenant_id"]),
            charge_box_id=str(data["charge_box_id"]),
            operation=str(data["operation"]),
            arguments=dict(data.get("arguments") or {}),
            requested_by=data.get("requested_by"),
        )


@dataclass(frozen=True)
class OutgoingCall:
    """The CALL a command becomes in the station's version, and how to read its answer.

    `meaning` turns a valid answer's payload into the facts it establishes about the
    station (none for most operations). A call that sets the station's own password
    (its authorization key: 1.6 AuthorizationKey, 2.0.1 BasicAuthPassword) carries it
    as `secret`, and `recorded` is the payload with it redacted: what the store, the
    frame log and the `ocpp` exchange keep (docs/adr/0022).
    """

    action: str
    payload: Payload
    meaning: Callable[[Payload], Sequence[Fact]] = field(default=_no_meaning, compare=False)
    recorded: Payload | None = field(default=None, compare=False)
    secret: str | None = field(default=None, compare=False, repr=False)

    @property
    def recorded_payload(self) -> Payload:
        """The payload as it is recorded (the sent one, unless it carries a secret)."""
        return self.payload if self.recorded is None else self.recorded


@dataclass(frozen=True)
class Answered:
    """The station answered with a CALLRESULT whose payload is valid for the action."""

    payload: Payload


@dataclass(frozen=True)
class Refused:
    """The station answered a CALLERROR, or an answer that breaks the action's schema."""

    code: str
    description: str
    details: dict[str, Any]


Outcome = Answered | Refused
