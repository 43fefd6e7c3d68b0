from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.domain import Snapshot

from cs.app.handles import Handle
from cs.app.uow import UnitOfWork
from cs.domain.chargebox import ChargeBox, StatusReport
from cs.domain.connection import Connection

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def report(box: ChargeBox) -> None:
    box.report_status(
        StatusReport(1, "Available", "NoError"), connection_id=str(uuid4()), message_id="m", at=AT
    )


def test_events_are_taken_in_the_order_of_change_and_save_first_goes_first() -> None:
    box = Handle(ChargeBox.register("t", "CP", AT))
    connection = Handle(
        Connection.open(
            uuid4(),
            tenant_id="t",
            charge_box_id="CP",
            remote_address=None,
            subprotocol="ocpp1.6",
            node="n",
            at=AT,
        )
    )
    uow = UnitOfWork()
    connection.aggregate.collect_events()
    report(box.aggregate)
    uow.save(box)
    connection.aggregate.receive("frame", at=AT)
    uow.save_first(connection)
    unit = uow.build()
    assert [type(e).__name__ for e in unit.events] == [
        "FrameReceived",
        "Registered",
        "StatusNotified",
    ]
    assert set(map(id, unit.handles)) == {id(box), id(connection)}


def test_a_snapshot_is_taken_when_a_unit_crosses_the_interval() -> None:
    box = Handle(ChargeBox.register("t", "CP", AT))
    uow = UnitOfWork(snapshot_interval=3)
    uow.save(box)  # version 1
    assert uow.build().snapshots == []
    uow = UnitOfWork(snapshot_interval=3)
    report(box.aggregate)
    report(box.aggregate)  # versions 2, 3
    uow.save(box)
    snapshots = uow.build().snapshots
    assert len(snapshots) == 1
    assert isinstance(snapshots[0], Snapshot)
    assert snapshots[0].originator_version == 3


def test_discarding_a_unit_poisons_the_aggregates_it_changed() -> None:
    box = Handle(ChargeBox.register("t", "CP", AT))
    uow = UnitOfWork()
    uow.save(box)
    uow.discard()
    assert box.poisoned
    assert uow.empty
