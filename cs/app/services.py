"""The set of use-case services, as one object adapters receive."""

from __future__ import annotations

from dataclasses import dataclass

from cs.app.chargepoints import ChargePointService
from cs.app.commands import CommandService
from cs.app.nodes import NodeService
from cs.app.sessions import SessionService
from cs.app.tokens import TokenService


@dataclass(frozen=True)
class Services:
    """Every use-case service of the central system."""

    charge_points: ChargePointService
    nodes: NodeService
    sessions: SessionService
    tokens: TokenService
    commands: CommandService
