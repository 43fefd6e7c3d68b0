"""The composition root: the one place that builds and wires everything.

`compose` wires the use cases and the protocol adapters over ports, with no I/O of its
own: tests give it fakes (tests/support/fakes.py). `bootstrap` opens the real storage,
builds the real adapters and composes a `System` from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg_pool import AsyncConnectionPool

from cs.adapters.amqp.command_bus import CommandBus
from cs.adapters.api_keys import AsyncKeyTable
from cs.adapters.certificates import FileCertificateAuthority
from cs.adapters.clock import SystemClock
from cs.adapters.loader import StoreLoader
from cs.adapters.ocpp16.dialect import dialect as ocpp16_dialect
from cs.adapters.ocpp201.dialect import dialect as ocpp201_dialect
from cs.adapters.ocppj.connection import ConnectionSettings
from cs.adapters.ocppj.hub import StationHub
from cs.adapters.passwords import KeyVerifier, hash_key
from cs.adapters.storage import SESSION, open_storage
from cs.adapters.transaction_ids import SequenceIds
from cs.adapters.writer import GroupCommitWriter
from cs.app.access import (
    GateSettings,
    HandshakeGate,
    KeyChecker,
    RefusalRecorder,
    UnknownChargeBoxes,
)
from cs.app.commands.service import CommandService
from cs.app.datatransfer import DataTransferHandlers, Handler, Key
from cs.app.handles import AggregateCache
from cs.app.nodes import NodeService
from cs.app.ports import (
    AggregateLoader,
    CertificateSigner,
    Clock,
    ConnectionDirectory,
    EventWriter,
    LocalListSource,
    ReservationIds,
    TransactionIds,
)
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
from cs.app.transactions.lookups import SessionLookups
from cs.app.transactions.meter_values import MeterValuesService
from cs.app.transactions.start import StartService
from cs.app.transactions.stop import StopService
from cs.app.usecases import MessageUseCases, UseCases
from cs.audit.history import HistoryReader
from cs.config import Settings
from cs.domain.clock import ClockPolicy
from cs.projections.queries import ReadModels
from cs.runtime import System


@dataclass(frozen=True)
class Ports:
    """What the core needs from the outside world: real adapters, or fakes in tests."""

    clock: Clock
    writer: EventWriter
    loader: AggregateLoader
    transaction_ids: TransactionIds
    reservation_ids: ReservationIds
    local_lists: LocalListSource
    directory: ConnectionDirectory
    keys: KeyChecker
    signer: CertificateSigner | None = None  # no CA configured: CSRs are Rejected


@dataclass(frozen=True)
class Core:
    """The use cases and protocol adapters of one node, wired over its ports."""

    use: UseCases
    hub: StationHub
    gate: HandshakeGate


def connection_settings(settings: Settings) -> ConnectionSettings:
    """What every station connection of this node is held to (timeouts, rates, clock)."""
    return ConnectionSettings(
        response_timeout=settings.call_timeout,
        command_queue_size=settings.command_queue_size,
        message_rate=settings.cp_message_rate,
        message_burst=settings.cp_message_burst,
        flood_seconds=settings.cp_flood_seconds,
        clock=ClockPolicy(settings.clock_tolerance),
    )


def compose(
    settings: Settings,
    ports: Ports,
    *,
    data_transfer_handlers: Mapping[Key, Handler] | None = None,
) -> Core:
    """Wire a node's core over `ports` (no I/O: fakes work as well as the real ones)."""
    node = settings.node_name()
    clock = ports.clock
    cache = AggregateCache(ports.loader, maxsize=settings.aggregate_cache_size)
    recorder = Recorder(
        cache=cache, writer=ports.writer, clock=clock, snapshot_interval=settings.snapshot_interval
    )
    lookups = SessionLookups(cache=cache, policy=settings.unknown_id_tags)
    messages = MessageUseCases(
        boots=BootService(
            clock=clock,
            heartbeat_interval=settings.heartbeat_interval,
            approval_needed=settings.unknown_charge_boxes is UnknownChargeBoxes.PENDING,
        ),
        statuses=StatusService(),
        reports=StationReports(ports.signer),
        data_transfers=DataTransferService(DataTransferHandlers(data_transfer_handlers)),
        authorizations=AuthorizationService(lookups),
        starts=StartService(lookups, ports.transaction_ids),
        meter_values=MeterValuesService(lookups),
        stops=StopService(lookups, ports.transaction_ids),
        transaction_events=TransactionEventService(lookups, ports.transaction_ids),
    )
    connections = ConnectionService(recorder=recorder, clock=clock)
    hub = StationHub(
        # Most preferred first: a station offering both speaks 2.0.1.
        dialects=[ocpp201_dialect(messages), ocpp16_dialect(messages)],
        connections=connections,
        recorder=recorder,
        clock=clock,
        node=node,
        settings=connection_settings(settings),
    )
    registry = StationRegistry(
        recorder=recorder, cache=cache, clock=clock, links=hub, directory=ports.directory, node=node
    )
    use = UseCases(
        recorder=recorder,
        messages=messages,
        connections=connections,
        registry=registry,
        tokens=TokenService(recorder=recorder, cache=cache, clock=clock),
        commands=CommandService(
            recorder=recorder,
            cache=cache,
            clock=clock,
            links=hub,
            node=node,
            reservation_ids=ports.reservation_ids,
            local_lists=ports.local_lists,
            directory=ports.directory,
            hash_key=_hash_key,
            call_timeout=settings.call_timeout,
        ),
        nodes=NodeService(recorder=recorder, cache=cache, clock=clock),
    )
    messages.reports.send = use.commands.run  # CertificateSigned after a SignCertificate
    return Core(use, hub, _gate(settings, ports, recorder, registry, hub))


async def _hash_key(key: str) -> str:
    return await asyncio.to_thread(hash_key, key)  # scrypt: not on the event loop


def _gate(
    settings: Settings,
    ports: Ports,
    recorder: Recorder,
    registry: StationRegistry,
    hub: StationHub,
) -> HandshakeGate:
    gate_settings = GateSettings(
        unknown_charge_boxes=settings.unknown_charge_boxes,
        max_connections=settings.max_connections,
        failure_window=settings.auth_failure_window,
        failures_before_block=settings.auth_failures_before_block,
    )
    return HandshakeGate(
        known=registry.current,
        keys=ports.keys,
        recorder=RefusalRecorder(
            recorder=recorder, clock=ports.clock, node=settings.node_name(), settings=gate_settings
        ),
        connections=hub.__len__,
        settings=gate_settings,
    )


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    data_transfer_handlers: Mapping[Key, Handler] | None = None,
) -> System:
    """Build a node from `settings`; connects to (or starts) PostgreSQL, creates tables.

    `data_transfer_handlers` plugs in vendor DataTransfer handlers (cs.app.datatransfer).
    """
    clock = clock or SystemClock()
    storage = open_storage(settings)
    writer = GroupCommitWriter(
        storage.store,
        max_batch_events=settings.commit_max_batch_events,
        max_queued_units=settings.commit_max_queued_units,
        on_commit=[storage.runner.wake],
    )
    async_pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        conninfo=storage.database_url,
        kwargs=SESSION,
        min_size=2,
        max_size=12,
        open=False,
        name="cs-read",
        # REST callers get a 503 after 5 s rather than waiting the default 30 s for a
        # connection while PostgreSQL is away (cs.http.errors.DatabaseUnavailableError).
        timeout=5.0,
    )
    read_models = ReadModels(async_pool)
    ports = Ports(
        clock=clock,
        writer=writer,
        loader=StoreLoader(storage.store, async_pool),
        transaction_ids=SequenceIds(async_pool),
        reservation_ids=SequenceIds(async_pool, sequence="cs_reservation_ids", block=10),
        local_lists=read_models,
        directory=read_models,
        keys=KeyVerifier(),
        signer=_certificate_authority(settings),
    )
    core = compose(settings, ports, data_transfer_handlers=data_transfer_handlers)
    return System(
        settings=settings,
        clock=clock,
        storage=storage,
        writer=writer,
        use=core.use,
        hub=core.hub,
        gate=core.gate,
        read_models=read_models,
        history=HistoryReader(async_pool, storage.store.mapper),
        api_keys=AsyncKeyTable(async_pool),
        async_pool=async_pool,
        command_bus=_command_bus(settings, core.use),
    )


def _certificate_authority(settings: Settings) -> CertificateSigner | None:
    if settings.ca_cert_file is None or settings.ca_key_file is None:
        return None
    return FileCertificateAuthority(
        settings.ca_cert_file, settings.ca_key_file, days=settings.certificate_days
    )


def _command_bus(settings: Settings, use: UseCases) -> CommandBus | None:
    """Routing of commands to the node holding the station: with RabbitMQ, unless off."""
    if settings.amqp_url is None or settings.command_routing == "off":
        return None
    bus = CommandBus(
        amqp_url=settings.amqp_url,
        node=settings.node_name(),
        execute=lambda request, wait: use.commands.run_here(request, wait=wait),
        refresh=use.registry.refresh,
    )
    use.commands.router = bus
    use.registry.notices = bus
    return bus
