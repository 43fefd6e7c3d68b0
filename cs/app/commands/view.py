"""What a command is now: the state callers see, on this node or carried from another."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cs.domain.command import Command


@dataclass(frozen=True)
class CommandView:
    """A command's state, as a plain value: `request` and `answer` are OCPP payloads as
    sent and received, `error` the station's CALLERROR (or why there was no answer)."""

    command_id: str
    status: str
    operation: str
    action: str
    msg_id: str | None
    tenant_id: str
    charge_box_id: str
    requested_by: str | None
    requested_at: datetime
    request: dict[str, Any]
    answer: dict[str, Any] | None
    error: dict[str, Any] | None
    transaction_id: int | None

    @classmethod
    def of(cls, command: Command) -> CommandView:
        return cls(
            command_id=str(command.id),
            status=command.status,
            operation=command.operation,
            action=command.action,
            msg_id=command.unique_id,
            tenant_id=command.tenant_id,
            charge_box_id=command.charge_box_id,
            requested_by=command.requested_by,
            requested_at=command.created_on,
            request=command.payload,
            answer=command.result,
            error=command.error,
            transaction_id=command.transaction_id,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the time as ISO 8601), for the command bus."""
        data = asdict(self)
        data["requested_at"] = self.requested_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandView:
        return cls(**{**data, "requested_at": datetime.fromisoformat(data["requested_at"])})
