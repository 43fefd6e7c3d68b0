from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Snapshot

from cs.domain import ids
from cs.domain.chargebox import BootInfo, ChargeBox, StatusReport
from cs.domain.ocpp16 import RegistrationStatus

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def a_box() -> ChargeBox:
    return ChargeBox.register("t1", "CP-1", AT)


def test_a_charge_box_id_is_derived_from_tenant_and_charge_box_id() -> None:
    box = a_box()
    assert box.id == ids.charge_box_id("t1", "CP-1")
    assert box.id != ids.charge_box_id("t2", "CP-1")


def test_boot_records_what_the_charge_point_said_and_the_answer() -> None:
    box = a_box()
    connection_id = uuid4()
    box.boot(
        BootInfo("ACME", "W22", firmware_version="1.0"),
        status=RegistrationStatus.ACCEPTED,
        interval=300,
        connection_id=connection_id,
        message_id="m1",
        at=AT,
    )
    registered, booted = box.collect_events()
    assert isinstance(registered, ChargeBox.Registered)
    assert isinstance(booted, ChargeBox.Booted)
    assert (booted.charge_point_vendor, booted.firmware_version, booted.status) == (
        "ACME",
        "1.0",
        "Accepted",
    )
    assert booted.timestamp == AT
    assert booted.connection_id == connection_id
    assert box.registration_status == "Accepted"


def test_status_reports_keep_every_field_for_any_connector() -> None:
    box = a_box()
    box.report_status(
        StatusReport(0, "Faulted", "GroundFailure", "fuse", "ACME", "E17", AT),
        connection_id=str(uuid4()),
        message_id="m2",
        at=AT,
    )
    event = box.collect_events()[-1]
    assert isinstance(event, ChargeBox.StatusNotified)
    assert (event.connector_id, event.status, event.error_code, event.vendor_error_code) == (
        0,
        "Faulted",
        "GroundFailure",
        "E17",
    )


def test_a_charge_box_replays_from_its_events_and_from_a_snapshot() -> None:
    app: Application = Application(env={"IS_SNAPSHOTTING_ENABLED": "y"})
    box = a_box()
    box.boot(
        BootInfo("ACME", "W22"),
        status=RegistrationStatus.ACCEPTED,
        interval=60,
        connection_id=str(uuid4()),
        message_id="m",
        at=AT,
    )
    app.save(box)
    replayed = app.repository.get(box.id)
    assert (replayed.registration_status, replayed.version) == ("Accepted", 2)
    assert app.snapshots is not None
    app.snapshots.put([Snapshot.take(box)])
    from_snapshot = app.repository.get(box.id)
    assert (from_snapshot.registration_status, from_snapshot.charge_box_id) == ("Accepted", "CP-1")
