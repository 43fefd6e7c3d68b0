"""What a remote operation is for REST: its body's base, and the versions that have it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

V16 = ("ocpp1.6",)
V201 = ("ocpp2.0.1",)
BOTH = (*V16, *V201)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoBody(Body):
    """No fields."""


@dataclass(frozen=True)
class Operation:
    """A remote operation as REST offers it."""

    name: str
    action: str
    body: type[BaseModel]
    example: dict[str, Any]
    summary: str
    versions: tuple[str, ...] = BOTH
