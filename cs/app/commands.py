"""Use cases for commands: record them, and turn the answers that matter into state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import Clock, EventWriter
from cs.app.uow import UnitOfWork
from cs.domain import ids
from cs.domain.chargebox import ChargeBox
from cs.domain.command import Command
from cs.domain.datetimes import parse_datetime as parse_time

REMOTE_START_WINDOW = timedelta(minutes=3)  # how long a remote start waits for its session


@dataclass(frozen=True)
class CommandRequest:
    """An operation to send: `payload` is the OCPP payload, already valid for `action`."""

    tenant_id: str
    charge_box_id: str
    operation: str
    action: str
    payload: dict[str, Any]
    requested_by: str | None


Effect = Callable[[ChargeBox, Command, dict[str, Any], datetime], None]


class CommandService:
    """Records every command and what became of it; applies what answers mean.

    Promises: a command is recorded (Requested) before anything is sent; its answer,
    error, timeout or abort is recorded once; an answer's meaning for the charge box
    (configuration, reservations, local list, charging profiles, a remote start waiting
    for its session) is recorded in the same unit as the answer itself.
    """

    def __init__(
        self,
        *,
        cache: AggregateCache,
        clock: Clock,
        writer: EventWriter,
        node: str,
        snapshot_interval: int,
    ) -> None:
        self._cache = cache
        self._clock = clock
        self._writer = writer
        self._node = node
        self._snapshot_interval = snapshot_interval

    async def request(self, request: CommandRequest) -> Handle[Command]:
        command = self._cache.add(
            Command.request(
                uuid4(),
                tenant_id=request.tenant_id,
                charge_box_id=request.charge_box_id,
                operation=request.operation,
                action=request.action,
                payload=request.payload,
                requested_by=request.requested_by,
                node=self._node,
                at=self._clock.now(),
            )
        )
        await self._commit(command)
        return command

    async def get(self, command_id: UUID) -> Command | None:
        """A command's current state, also when another node runs it (read fresh then)."""
        found = await self._cache.read(command_id)
        return found if isinstance(found, Command) else None

    def sent(
        self, uow: UnitOfWork, command: Handle[Command], unique_id: str, connection_id: str
    ) -> None:
        command.aggregate.sent(unique_id, connection_id, self._clock.now())
        uow.save(command)

    async def answered(
        self, uow: UnitOfWork, command: Handle[Command], result: dict[str, Any], at: datetime
    ) -> None:
        """Record the answer and, with it, what it means for the charge box."""
        box = await get_typed(
            self._cache,
            ids.charge_box_id(command.aggregate.tenant_id, command.aggregate.charge_box_id),
            ChargeBox,
        )
        # No await below: decide and record in one step (cs.app.uow).
        command.aggregate.answered(result, at)
        uow.save(command)
        effect = EFFECTS.get(command.aggregate.action)
        if box is not None and effect is not None:
            effect(box.aggregate, command.aggregate, result, at)
            uow.save(box)

    def failed(
        self,
        uow: UnitOfWork,
        command: Handle[Command],
        code: str,
        description: str,
        details: dict[str, Any],
    ) -> None:
        command.aggregate.failed(code, description, details, self._clock.now())
        uow.save(command)

    def timed_out(self, uow: UnitOfWork, command: Handle[Command], after: float) -> None:
        command.aggregate.timed_out(after, self._clock.now())
        uow.save(command)

    def aborted(self, uow: UnitOfWork, command: Handle[Command], reason: str) -> None:
        command.aggregate.abort(reason, self._clock.now())
        uow.save(command)

    async def abort_orphans(self, command_ids: list[UUID], reason: str) -> None:
        """Commands this node had in flight when it stopped without finishing them."""
        for command_id in command_ids:
            found = await get_typed(self._cache, command_id, Command)
            if found is not None and not found.aggregate.finished:
                found.aggregate.abort(reason, self._clock.now())
                await self._commit(found)

    async def _commit(self, *handles: Handle[Any]) -> None:
        uow = UnitOfWork(snapshot_interval=self._snapshot_interval)
        uow.save(*handles)
        if not uow.empty:
            await self._writer.submit(uow.build())


# --- what answers mean (OCPP 1.6 section 5) ----------------------------------------------


def _accepted(result: dict[str, Any]) -> bool:
    return result.get("status") == "Accepted"


def _configuration(box: ChargeBox, command: Command, result: dict[str, Any], at: datetime) -> None:
    box.configuration_reported(
        list(result.get("configurationKey") or []),
        list(result.get("unknownKey") or []),
        command_id=str(command.id),
        at=at,
    )


def _configuration_changed(
    box: ChargeBox, command: Command, result: dict[str, Any], at: datetime
) -> None:
    status = str(result.get("status"))
    if status in ("Accepted", "RebootRequired"):
        payload = command.payload
        box.configuration_changed(
            str(payload["key"]), str(payload["value"]), status, command_id=str(command.id), at=at
        )


def _remote_start(box: ChargeBox, command: Command, result: dict[str, Any], at: datetime) -> None:
    if _accepted(result):
        payload = command.payload
        box.remote_start_accepted(
            str(command.id),
            str(payload["idTag"]),
            payload.get("connectorId"),
            until=at + REMOTE_START_WINDOW,
            at=at,
        )


def _reserved(box: ChargeBox, command: Command, result: dict[str, Any], at: datetime) -> None:
    if _accepted(result):
        payload = command.payload
        box.reservation_made(
            int(payload["reservationId"]),
            int(payload["connectorId"]),
            str(payload["idTag"]),
            payload.get("parentIdTag"),
            parse_time(str(payload["expiryDate"])),
            command_id=str(command.id),
            at=at,
        )


def _reservation_cancelled(
    box: ChargeBox, command: Command, result: dict[str, Any], at: datetime
) -> None:
    if _accepted(result):
        box.end_reservation(
            int(command.payload["reservationId"]), "cancelled", command_id=str(command.id), at=at
        )


def _local_list_sent(
    box: ChargeBox, command: Command, result: dict[str, Any], at: datetime
) -> None:
    payload = command.payload
    box.local_list_sent(
        int(payload["listVersion"]),
        str(payload["updateType"]),
        len(payload.get("localAuthorizationList") or []),
        str(result.get("status")),
        synced_at=command.created_on,  # the registry as it was when the list was built
        command_id=str(command.id),
        at=at,
    )


def _local_list_version(
    box: ChargeBox, command: Command, result: dict[str, Any], at: datetime
) -> None:
    box.local_list_version_reported(
        int(result.get("listVersion", 0)), command_id=str(command.id), at=at
    )


def _profile_set(box: ChargeBox, command: Command, result: dict[str, Any], at: datetime) -> None:
    if _accepted(result):
        payload = command.payload
        box.charging_profile_set(
            int(payload["connectorId"]),
            dict(payload["csChargingProfiles"]),
            command_id=str(command.id),
            at=at,
        )


def _profiles_cleared(
    box: ChargeBox, command: Command, result: dict[str, Any], at: datetime
) -> None:
    if _accepted(result):
        box.charging_profiles_cleared(dict(command.payload), command_id=str(command.id), at=at)


EFFECTS: dict[str, Effect] = {
    "GetConfiguration": _configuration,
    "ChangeConfiguration": _configuration_changed,
    "RemoteStartTransaction": _remote_start,
    "ReserveNow": _reserved,
    "CancelReservation": _reservation_cancelled,
    "SendLocalList": _local_list_sent,
    "GetLocalListVersion": _local_list_version,
    "SetChargingProfile": _profile_set,
    "ClearChargingProfile": _profiles_cleared,
}
