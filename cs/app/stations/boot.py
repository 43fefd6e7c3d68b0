"""Use case: a station booting (BootNotification) and keeping in touch (Heartbeat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cs.app.ports import Clock
from cs.app.recorder import MessageContext
from cs.domain.chargebox import BootInfo
from cs.domain.registration import RegistrationStatus


@dataclass(frozen=True)
class BootAnswer:
    """What to answer a boot: the registration status, the interval, our clock."""

    status: RegistrationStatus
    interval: int
    current_time: datetime


class BootService:
    """Records each boot of a station and decides its registration.

    Promises: every boot is recorded on the station with the answer given; the answer
    is the status an operator registered for the station, else Accepted, or, with
    `approval_needed`, Pending for a station no operator registered (neither its
    registration nor its security profile) until one approves it; the interval is the
    heartbeat interval (when Accepted) or the wait before the next boot. Heartbeats
    change no aggregate: their frames on the connection are their record.
    """

    def __init__(
        self, *, clock: Clock, heartbeat_interval: int, approval_needed: bool = False
    ) -> None:
        self._clock = clock
        self._heartbeat_interval = heartbeat_interval
        self._approval_needed = approval_needed

    def boot(self, ctx: MessageContext, info: BootInfo) -> BootAnswer:
        station = ctx.station.aggregate
        new = self._approval_needed and not station.provisioned
        status = station.boot_answer(
            RegistrationStatus.PENDING if new else RegistrationStatus.ACCEPTED
        )
        station.boot(
            info,
            status=status,
            interval=self._heartbeat_interval,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)
        return BootAnswer(status, self._heartbeat_interval, self._clock.now())

    def heartbeat(self, ctx: MessageContext) -> datetime:
        """The current time, which the station may use to set its clock."""
        return self._clock.now()
