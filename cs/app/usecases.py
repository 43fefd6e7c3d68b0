"""Every use case of a node, by name: what the composition root builds and adapters pick from."""

from __future__ import annotations

from dataclasses import dataclass

from cs.app.commands.service import CommandService
from cs.app.nodes import NodeService
from cs.app.recorder import Recorder
from cs.app.stations.boot import BootService
from cs.app.stations.connections import ConnectionService
from cs.app.stations.data_transfer import DataTransferService
from cs.app.stations.registry import StationRegistry
from cs.app.stations.reports import StationReports
from cs.app.stations.status import StatusService
from cs.app.tokens import TokenService
from cs.app.transactions.authorize import AuthorizationService
from cs.app.transactions.events import TransactionEventService
from cs.app.transactions.meter_values import MeterValuesService
from cs.app.transactions.start import StartService
from cs.app.transactions.stop import StopService


@dataclass(frozen=True)
class MessageUseCases:
    """The use cases behind the messages a station sends (what protocol adapters route to)."""

    boots: BootService
    statuses: StatusService
    reports: StationReports
    data_transfers: DataTransferService
    authorizations: AuthorizationService
    starts: StartService
    meter_values: MeterValuesService
    stops: StopService
    transaction_events: TransactionEventService


@dataclass(frozen=True)
class UseCases:
    """The use cases of one node. Adapters take the ones they call, by name."""

    recorder: Recorder
    messages: MessageUseCases
    connections: ConnectionService
    registry: StationRegistry
    tokens: TokenService
    commands: CommandService
    nodes: NodeService
