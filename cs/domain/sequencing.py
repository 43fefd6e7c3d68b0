"""The order of an OCPP 2.0.1 transaction's events: `seqNo`, gaps, replays, offline events.

A 2.0.1 station numbers the TransactionEvents of a transaction from 0, one more each
time (Part 2 E, E01.FR.xx "seqNo"), queues them while offline and sends them, in order,
after it reconnects, marked `offline`; an event whose answer was lost is sent again with
the same number. So a number seen before is a replay (answered, no second effect), a
number beyond the next leaves a gap (the numbers between are awaited: when one arrives
it is not a replay), and an offline event flags the session: its times are the
station's clock at the time, reported late.

`ChargingSession` takes this part; its state is the highest number seen and those
still missing below it (at most `MAX_MISSING`, so a station that jumps far cannot grow
it without bound). Event: `Sequenced`, one per TransactionEvent, except that an event
in order and online with meter values records its number on the `MeterValuesReported`
it causes instead (the common case: one event, not two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:
    from eventsourcing.domain import CanMutateAggregate

MAX_MISSING = 64
OFFLINE = "offline"  # a TransactionEvent of the session was sent with `offline` true
SEQ_NO_GAP = "seq_no_gap"  # a number was skipped (an event may be missing)


class Event(Aggregate.Event):
    """Base of every session event (`ChargingSession.Event`; here so that parts of the
    session in other modules, like this one, can subclass it, as `ChargeBox`'s do)."""


class Sequenced(Event):
    """A TransactionEvent of this transaction: its number, type, trigger, offline flag.

    `repeated`: a number seen before, answered without a second effect. `flags`: the
    ones this event adds to the session.
    """

    TOPIC = "cs.ChargingSession.Sequenced"
    seq_no: int
    event_type: str
    trigger_reason: str
    offline: bool
    repeated: bool
    flags: list[str]
    connection_id: str | None
    message_id: str | None

    def apply(self, session: Any) -> None:
        if self.repeated:
            return
        place(session, self.seq_no)
        session.add_flags(self.flags)


def place(session: Any, seq_no: int) -> None:
    """Advance `session`'s sequencing state past `seq_no` (not a repeat)."""
    seen = session.last_seq_no
    missing = set(session.missing_seq_nos) - {seq_no}
    if seen is None or seq_no > seen:
        start = 0 if seen is None else seen + 1
        missing |= set(range(max(start, seq_no - MAX_MISSING), seq_no))
        session.last_seq_no = seq_no
    session.missing_seq_nos = tuple(sorted(missing)[-MAX_MISSING:])


class Sequencing:
    """The sequencing part of a session (a mixin: `ChargingSession` is the aggregate)."""

    last_seq_no: int | None
    missing_seq_nos: tuple[int, ...]
    flags: tuple[str, ...]

    if TYPE_CHECKING:

        def trigger_event(self, event_class: type[CanMutateAggregate[Any]], **kwargs: Any) -> None:
            """`Aggregate`'s."""

    def _init_sequencing(self) -> None:
        self.last_seq_no = None
        self.missing_seq_nos = ()

    def is_repeat(self, seq_no: int) -> bool:
        """Whether an event numbered `seq_no` reached us before."""
        seen = self.last_seq_no
        return seen is not None and seq_no <= seen and seq_no not in self.missing_seq_nos

    def follows(self, seq_no: int, *, offline: bool) -> bool:
        """Whether `seq_no` is the next number, sent online: nothing to flag, no replay.

        Then the event the TransactionEvent causes anyway (its meter values) can record
        its place (`seq_no` on `MeterValuesReported`), one event instead of two.
        """
        expected = 0 if self.last_seq_no is None else self.last_seq_no + 1
        return seq_no == expected and not offline

    def sequenced(
        self,
        seq_no: int,
        event_type: str,
        trigger_reason: str,
        *,
        offline: bool,
        connection_id: str | None,
        message_id: str | None,
        at: Any,
    ) -> bool:
        """Record the event's place; False if it is a repeat (the caller does nothing else)."""
        repeated = self.is_repeat(seq_no)
        flags = []
        if not repeated:
            expected = 0 if self.last_seq_no is None else self.last_seq_no + 1
            if seq_no > expected:
                flags.append(SEQ_NO_GAP)
            if offline:
                flags.append(OFFLINE)
        self.trigger_event(
            Sequenced,
            timestamp=at,
            seq_no=seq_no,
            event_type=event_type,
            trigger_reason=trigger_reason,
            offline=offline,
            repeated=repeated,
            flags=[flag for flag in flags if flag not in self.flags],
            connection_id=connection_id,
            message_id=message_id,
        )
        return not repeated
