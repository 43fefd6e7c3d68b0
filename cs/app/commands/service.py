"""The command use case: send an operation to a station and return what became of it."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

from cs.app.commands.calls import CommandRequest, OutgoingCall
from cs.app.commands.job import CommandJob
from cs.app.commands.view import CommandView
from cs.app.errors import CommandQueueFull, StationNotConnected, StationNotFound, StationPending
from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import (
    Clock,
    CommandRouter,
    ConnectionDirectory,
    KeyHasher,
    LocalListSource,
    ReservationIds,
    StationLink,
    StationLinks,
)
from cs.app.recorder import Recorder
from cs.domain import ids
from cs.domain.chargebox import ChargeBox
from cs.domain.command import Command
from cs.domain.registration import RegistrationStatus
from cs.domain.session import ChargingSession

ROUTING_MARGIN = 5.0  # seconds a routed reply may take beyond the holder's own wait


# Operations whose 2.0.1 request carries an id of ours that the station's later reports
# name (GetBaseReport B07, GetReport B08, GetChargingProfiles K09, UpdateFirmware L01,
# GetLog N01); drawn from the reservation sequence (unique, positive, 32-bit).
NEEDS_REQUEST_ID = frozenset(
    {
        "get-base-report",
        "get-report",
        "get-charging-profiles",
        "update-firmware",
        "get-diagnostics",
        "get-log",
    }
)


# What may go to a station whose boot is Pending: what provisioning needs (OCPP 1.6
# section 4.2: the central system may retrieve or change configuration, a remote start
# or stop is not allowed; 2.0.1 B02.FR.05: while Pending the CSMS sends only what
# configures the station, nothing that starts a transaction).
PROVISIONING = frozenset(
    {
        "get-configuration",
        "change-configuration",
        "get-variables",
        "set-variables",
        "get-base-report",
        "get-report",
        "trigger-message",
        "reset",
        "set-network-profile",
        "certificate-signed",
        "install-certificate",
        "get-installed-certificate-ids",
        "delete-certificate",
        "data-transfer",
    }
)


class CommandService:
    """Runs remote operations on charging stations, on whichever node holds them.

    Promises: a command is recorded (Requested) before anything is sent, and only once
    the station's version accepted its arguments; it runs on the node holding the
    station's connection (this one, or another through the router); its answer, error,
    timeout or abort is recorded once, with what the answer means for the station;
    `run` returns the command as it ended (or as queued, without `wait`).
    """

    def __init__(
        self,
        *,
        recorder: Recorder,
        cache: AggregateCache,
        clock: Clock,
        links: StationLinks,
        node: str,
        reservation_ids: ReservationIds,
        local_lists: LocalListSource,
        directory: ConnectionDirectory,
        hash_key: KeyHasher,
        router: CommandRouter | None = None,
        call_timeout: float = 30.0,
    ) -> None:
        self._recorder = recorder
        self._cache = cache
        self._clock = clock
        self._links = links
        self._node = node
        self._reservation_ids = reservation_ids
        self._local_lists = local_lists
        self._directory = directory
        self._hash_key = hash_key
        self.router = router
        self._call_timeout = call_timeout

    async def run(self, request: CommandRequest, *, wait: bool = True) -> CommandView:
        """Run `request` where its station is connected; raises a `CommandError` if it cannot."""
        link = self._links.link(request.tenant_id, request.charge_box_id)
        if link is not None:
            return await self._run_on(link, request, wait)
        await self._station(request)  # unknown anywhere: 404, before 409
        return await self._forward(request, wait)

    async def run_here(self, request: CommandRequest, *, wait: bool = True) -> CommandView:
        """Run `request` on this node's connection only (a command routed here)."""
        link = self._links.link(request.tenant_id, request.charge_box_id)
        if link is None:
            raise StationNotConnected(_not_connected(request))
        return await self._run_on(link, request, wait)

    async def get(self, command_id: UUID) -> CommandView | None:
        """A command's current state, also when another node runs it (read fresh then)."""
        found = await self._cache.read(command_id)
        return CommandView.of(found) if isinstance(found, Command) else None

    async def abort_orphans(self, command_ids: list[UUID], reason: str) -> None:
        """Commands this node had in flight when it stopped without finishing them."""
        for command_id in command_ids:
            found = await get_typed(self._cache, command_id, Command)
            if found is not None and not found.aggregate.finished:
                found.aggregate.abort(reason, self._clock.now())
                await self._recorder.commit(found)

    async def _run_on(self, link: StationLink, request: CommandRequest, wait: bool) -> CommandView:
        station = await self._station(request)
        if (
            station.registration_status == RegistrationStatus.PENDING
            and request.operation not in PROVISIONING
        ):
            raise StationPending(
                f"charge box {request.charge_box_id!r} is Pending: only provisioning is sent "
                "until its boot is Accepted",
                allowed=sorted(PROVISIONING),
            )
        call = link.prepare(request.operation, await self._complete(request, station))
        # A new station password is kept only as a hash, stored on the box once the
        # station accepts it (docs/adr/0022); hashed before the queue slot is taken.
        password_hash = None if call.secret is None else await self._hash_key(call.secret)
        try:
            link.reserve()
        except CommandQueueFull as full:
            full.details.setdefault("retry_after_seconds", int(self._call_timeout))
            raise
        try:
            command = await self._record(request, call, password_hash)
        except BaseException:
            link.release()
            raise
        job = CommandJob(command, call, self._clock)
        try:
            link.submit(job)
        except StationNotConnected:  # it went away while the command was being recorded
            await self._recorder.commit(job.aborted("charge box disconnected"))
            job.finish()
        if not wait:
            return CommandView.of(command.aggregate)
        return CommandView.of(await asyncio.shield(job.done))

    async def _station(self, request: CommandRequest) -> ChargeBox:
        found = await self._cache.read(ids.charge_box_id(request.tenant_id, request.charge_box_id))
        if not isinstance(found, ChargeBox):
            raise StationNotFound(
                f"charge box {request.charge_box_id!r} not found",
                charge_box_id=request.charge_box_id,
            )
        return found

    async def _complete(self, request: CommandRequest, station: ChargeBox) -> dict[str, Any]:
        """The arguments with what the central system decides itself."""
        arguments = dict(request.arguments)
        if request.operation == "reserve-now":
            arguments["reservation_id"] = await self._reservation_ids.next()
        elif request.operation in NEEDS_REQUEST_ID:
            arguments["request_id"] = await self._reservation_ids.next()
        elif request.operation == "remote-start-transaction":
            # OCPP 2.0.1 RequestStartTransaction names the start (remoteStartId, F01); the
            # reservation sequence gives unique positive 32-bit ids. 1.6 has none.
            arguments["remote_start_id"] = await self._reservation_ids.next()
        elif request.operation == "remote-stop-transaction":
            arguments["station_transaction_id"] = await self._station_transaction(arguments)
        elif request.operation == "send-local-list":
            differential = arguments.get("update_type") == "Differential"
            since = station.local_list_synced_at if differential else None
            arguments["list_version"] = station.local_list_version + 1
            arguments["entries"] = await self._local_lists.local_list_entries(
                request.tenant_id, since
            )
        return arguments

    async def _station_transaction(self, arguments: dict[str, Any]) -> str | None:
        """The id a 2.0.1 station gave the session to stop (None: a 1.6 or unknown one)."""
        transaction_id = arguments.get("transaction_id") or arguments.get("session_id")
        if not isinstance(transaction_id, int):
            return None
        session = await self._cache.read(ids.session_id(transaction_id))
        return session.station_transaction_id if isinstance(session, ChargingSession) else None

    async def _record(
        self, request: CommandRequest, call: OutgoingCall, password_hash: str | None
    ) -> Handle[Command]:
        command = self._cache.add(
            Command.request(
                uuid4(),
                tenant_id=request.tenant_id,
                charge_box_id=request.charge_box_id,
                operation=request.operation,
                action=call.action,
                payload=call.recorded_payload,
                requested_by=request.requested_by,
                node=self._node,
                at=self._clock.now(),
            )
        )
        if password_hash is not None:
            command.aggregate.offer_key(password_hash, self._clock.now())
        await self._recorder.commit(command)
        return command

    async def _forward(self, request: CommandRequest, wait: bool) -> CommandView:
        """Hand the command to the node holding the station (DESIGN 6, docs/adr/0013)."""
        router = self.router
        if router is None:
            raise StationNotConnected(_not_connected(request), charge_box_id=request.charge_box_id)
        holder = await self._directory.node_holding(request.tenant_id, request.charge_box_id)
        if holder is None or holder == router.node:
            raise StationNotConnected(_not_connected(request), charge_box_id=request.charge_box_id)
        return await router.forward(
            holder, request, wait=wait, reply_within=self._call_timeout + ROUTING_MARGIN
        )


def _not_connected(request: CommandRequest) -> str:
    return f"charge box {request.charge_box_id!r} is not connected"
