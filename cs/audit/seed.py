"""A large, realistic event log, written straight to the store (for the rebuild benchmark).

The shape of real traffic: charge boxes that boot and report statuses, connections
carrying every frame, charging sessions with meter values, id tags deciding. Written in
batches through the recorder, without websockets, so a million events take a minute.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from cs.adapters.eventstore import EventStore
from cs.domain.authorization import UnknownTagPolicy
from cs.domain.chargebox import BootInfo, ChargeBox, StatusReport
from cs.domain.connection import Connection
from cs.domain.datetimes import format_datetime, parse_datetime
from cs.domain.idtag import IdTag
from cs.domain.metering import samples
from cs.domain.ocpp16 import RegistrationStatus
from cs.domain.session import ChargingSession, StartData, StopData


def seed(
    store: EventStore,
    events: int,
    *,
    charge_boxes: int = 500,
    batch: int = 5000,
    first_transaction: int = 1,
) -> int:
    """Write about `events` events; returns how many were written."""
    written = 0
    pending: list[Any] = []
    for aggregate_events in _traffic(charge_boxes, first_transaction):
        pending.extend(aggregate_events)
        if len(pending) >= batch:
            store.recorder.insert_events([store.mapper.to_stored_event(e) for e in pending])
            written += len(pending)
            pending = []
            if written >= events:
                return written
    return written


def _traffic(charge_boxes: int, first_transaction: int) -> Iterator[list[Any]]:
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not security
    at = datetime(2026, 1, 1, tzinfo=UTC)
    boxes = []
    for n in range(charge_boxes):
        box = ChargeBox.register("default", f"SEED-{n:05d}", at)
        box.boot(
            BootInfo("cs-seed", "S-1"),
            status=RegistrationStatus.ACCEPTED,
            interval=300,
            connection_id="seed",
            message_id="1",
            at=at,
        )
        boxes.append(box)
        yield list(box.collect_events())
    tags: dict[int, IdTag] = {}
    transaction_id = first_transaction
    while True:
        for n, box in enumerate(boxes):
            at += timedelta(seconds=1)
            connection = Connection.open(
                uuid4(),
                tenant_id="default",
                charge_box_id=box.charge_box_id,
                remote_address="10.0.0.1",
                subprotocol="ocpp1.6",
                node="seed",
                at=at,
            )
            conn_id = str(connection.id)
            tag = tags.get(n) or IdTag.note("default", f"SEED{n:06d}", at)
            tags[n] = tag
            log: list[Any] = [*connection.collect_events()]

            meter = rng.randrange(0, 10**6)
            start = StartData("default", box.charge_box_id, 1, tag.id_tag, meter, at, None)
            info = tag.authorize(
                purpose="StartTransaction",
                policy=UnknownTagPolicy.ACCEPT,
                charge_box=("default", box.charge_box_id),
                connection_id=conn_id,
                message_id="s",
                at=at,
            )
            session = ChargingSession.start(
                transaction_id,
                start,
                id_tag_status=info.status.value,
                connection_id=conn_id,
                message_id="s",
                at=at,
            )
            box.start_transaction(1, transaction_id, at)
            tag.start_transaction(transaction_id, at)
            exchange(log, connection, at, "s", "StartTransaction", tag, session, box)
            box.report_status(
                StatusReport(1, "Charging", "NoError", reported_at=at),
                connection_id=conn_id,
                message_id="c",
                at=at,
            )
            exchange(log, connection, at, "c", "StatusNotification", box)
            for m in range(10):
                at += timedelta(seconds=30)
                meter += rng.randrange(100, 400)
                raw = [
                    {
                        "timestamp": format_datetime(at),
                        "sampledValue": [
                            {
                                "value": str(meter),
                                "measurand": "Energy.Active.Import.Register",
                                "unit": "Wh",
                            },
                            {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
                        ],
                    }
                ]
                session.report_meter_values(
                    1,
                    raw,
                    samples(raw, parse_datetime),
                    source="MeterValues",
                    connection_id=conn_id,
                    message_id=f"m{m}",
                    at=at,
                )
                exchange(log, connection, at, f"m{m}", "MeterValues", session)
            session.stop(
                StopData(meter, at, "Local", None, []),
                stop_id_tag_status=None,
                connection_id=conn_id,
                message_id="e",
                at=at,
            )
            box.end_transaction(1, transaction_id, "stopped", at)
            tag.end_transaction(transaction_id, at)
            exchange(log, connection, at, "e", "StopTransaction", session, box, tag)
            box.report_status(
                StatusReport(1, "Available", "NoError"),
                connection_id=conn_id,
                message_id="a",
                at=at,
            )
            exchange(log, connection, at, "a", "StatusNotification", box)
            exchange(log, connection, at, "h", "Heartbeat")
            connection.close(code=1000, reason="seeded", at=at)
            log.extend(connection.collect_events())
            transaction_id += 1
            yield log


def exchange(
    log: list[Any],
    connection: Connection,
    at: datetime,
    message_id: str,
    action: str,
    *effects: Any,
) -> None:
    """One OCPP exchange as the server writes it: the CALL with its answer, then effects."""
    call, answer = f'[2,"{message_id}","{action}",{{}}]', f'[3,"{message_id}",{{}}]'
    connection.exchange(call, answer, action=action, at=at, replied_at=at)
    log.extend(connection.collect_events())
    for aggregate in effects:
        log.extend(aggregate.collect_events())
