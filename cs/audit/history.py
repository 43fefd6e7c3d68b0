"""Ordered histories from the event log, in one stable JSON shape (docs/audit.md).

    {"position": 1234,                 # notification id: the global order
     "stream": "<aggregate uuid>", "version": 3,
     "type": "cs.ChargingSession.Stopped", "type_version": 1,
     "recorded_at": "2026-11-25T11:30:00.123Z",
     "data": {...},                    # the event's fields
     "frames": [{"direction": "from-box", "position": 1233, "frame": "[2,...]"},
                {"direction": "to-box", "position": 1236, "frame": "[3,...]"}]}

A session's history is its own stream; each event caused by a message carries the
frames it came from. A charge box's history is its stream, its connections' streams
(every frame, as events) and its commands' streams, merged in log order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg_pool import AsyncConnectionPool

from cs.audit import chain
from cs.domain import ids

FRAME_WINDOW = 64  # a unit's events are contiguous in the log; its frames are this close
_HIDDEN = ("originator_id", "originator_version", "timestamp", "originator_topic")
# Never shown, even to auditors: whether one was set is, the value is not.
_SECRETS = frozenset({"password_hash"})


@dataclass(frozen=True)
class Page:
    subject: dict[str, Any]
    events: list[dict[str, Any]]
    next_cursor: int | None


class HistoryReader:
    """Reads histories of sessions and charge boxes straight from the event log."""

    def __init__(self, pool: AsyncConnectionPool[Any], mapper: Mapper[Any]) -> None:
        self._pool = pool
        self._mapper = mapper

    # --- sessions -----------------------------------------------------------------------

    async def session(
        self, transaction_id: int, *, after: int = 0, limit: int = 500
    ) -> Page | None:
        """A page of a session's history, or None when there is no such session."""
        stream = ids.session_id(transaction_id)
        rows = await self._rows(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM cs_events WHERE originator_id = %s AND notification_id > %s "
            "ORDER BY originator_version LIMIT %s",
            (stream, after, limit + 1),
        )
        if not rows and after == 0:
            return None
        more = len(rows) > limit
        events = [self._json(row) for row in rows[:limit]]
        await self._attach_frames(events)
        subject = {"type": "session", "transaction_id": transaction_id, "stream": str(stream)}
        return Page(subject, events, events[-1]["position"] if more and events else None)

    async def _attach_frames(self, events: list[dict[str, Any]]) -> None:
        """Find, for each event caused by a message, the frames of that exchange."""
        wanted = [
            e for e in events if e["data"].get("connection_id") and e["data"].get("message_id")
        ]
        if not wanted:
            return
        rows = await self._rows(
            "SELECT w.n, e.notification_id, e.topic, e.state "
            "FROM unnest(%s::int[], %s::uuid[], %s::int8[], %s::int8[]) AS w(n, cid, lo, hi) "
            "JOIN cs_events e ON e.notification_id BETWEEN w.lo AND w.hi "
            "AND e.originator_id = w.cid "
            "WHERE e.topic IN ('cs.Connection.FrameReceived', 'cs.Connection.FrameSent', "
            "'cs.Connection.Exchanged') "
            "ORDER BY w.n, e.notification_id",
            (
                list(range(len(wanted))),
                [UUID(str(e["data"]["connection_id"])) for e in wanted],
                [e["position"] - FRAME_WINDOW for e in wanted],
                [e["position"] + FRAME_WINDOW for e in wanted],
            ),
        )
        found: dict[int, list[tuple[int, str, str]]] = {}
        for n, position, topic, state in rows:
            data = orjson.loads(bytes(state))
            frames = found.setdefault(n, [])
            if topic.endswith("Exchanged"):  # a CALL and our answer in one record
                frames.append((position, "FrameReceived", data.get("frame", "")))
                frames.append((position, "FrameSent", data.get("reply", "")))
            else:
                frames.append((position, topic, data.get("frame", "")))
        for n, event in enumerate(wanted):
            event["frames"] = _exchange(event, found.get(n, []))

    # --- charge boxes -------------------------------------------------------------------

    async def charge_box(
        self,
        tenant_id: str,
        charge_box_id: str,
        *,
        after: int = 0,
        limit: int = 500,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page | None:
        """A page of a charge box's history (optionally within [since, until))."""
        streams = await self._box_streams(tenant_id, charge_box_id)
        if streams is None:
            return None
        subject = {"type": "charge_box", "tenant_id": tenant_id, "charge_box_id": charge_box_id}
        events: list[dict[str, Any]] = []
        cursor = after
        while len(events) < limit:
            rows = await self._rows(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM cs_events WHERE originator_id = ANY(%s) AND notification_id > %s "
                "ORDER BY notification_id LIMIT %s",
                (streams, cursor, limit),
            )
            if not rows:
                return Page(subject, events, None)
            for row in rows:
                cursor = row[0]
                event = self._json(row)
                at = event["recorded_at"]
                if until is not None and at >= until:
                    return Page(subject, events, None)
                if since is None or at >= since:
                    events.append(event)
                    if len(events) == limit:
                        break
            if len(rows) < limit:
                return Page(subject, events, None)
        return Page(subject, events, cursor)

    async def _box_streams(self, tenant_id: str, charge_box_id: str) -> list[UUID] | None:
        box, key = ids.charge_box_id(tenant_id, charge_box_id), (tenant_id, charge_box_id)
        if not await self._rows("SELECT 1 FROM cs_events WHERE originator_id = %s LIMIT 1", (box,)):
            return None
        # The read models index which connections and commands belong to the box, up to
        # the position their projections reached; the log beyond it (the projections'
        # lag) is read here, so that nothing the box did just now is missing.
        rows = await self._rows(
            "SELECT connection_id FROM rm_connections "
            "WHERE tenant_id = %s AND charge_box_id = %s "
            "UNION ALL SELECT command_id FROM rm_commands "
            "WHERE tenant_id = %s AND charge_box_id = %s",
            (tenant_id, charge_box_id, tenant_id, charge_box_id),
        )
        tail = await self._rows(
            "SELECT originator_id, state FROM cs_events WHERE notification_id > "
            "(SELECT COALESCE(min(position), 0) FROM cs_projection_positions "
            "WHERE name IN ('connections', 'commands')) AND topic = ANY(%s)",
            (list(_STREAM_STARTS),),
        )
        streams = {row[0] for row in rows}
        for stream, state in tail:
            started = orjson.loads(bytes(state))
            if (started.get("tenant_id"), started.get("charge_box_id")) == key:
                streams.add(stream)
        return [box, *streams]

    # --- exports ------------------------------------------------------------------------

    async def export_session(self, transaction_id: int) -> dict[str, Any] | None:
        pages = [await self.session(transaction_id, limit=10_000)]
        while pages[-1] is not None and pages[-1].next_cursor is not None:
            pages.append(
                await self.session(transaction_id, after=pages[-1].next_cursor, limit=10_000)
            )
        return _document(pages)

    async def export_charge_box(
        self,
        tenant_id: str,
        charge_box_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, Any] | None:
        pages = [
            await self.charge_box(tenant_id, charge_box_id, limit=10_000, since=since, until=until)
        ]
        while pages[-1] is not None and pages[-1].next_cursor is not None:
            pages.append(
                await self.charge_box(
                    tenant_id,
                    charge_box_id,
                    after=pages[-1].next_cursor,
                    limit=10_000,
                    since=since,
                    until=until,
                )
            )
        document = _document(pages)
        if document is not None:
            document["window"] = {"from": since, "to": until}
        return document

    # --- plumbing -----------------------------------------------------------------------

    async def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            rows: list[tuple[Any, ...]] = await cursor.fetchall()
            return rows

    def _json(self, row: tuple[Any, ...]) -> dict[str, Any]:
        position, stream, version, topic, state = row
        event: Any = self._mapper.to_domain_event(StoredEvent(stream, version, topic, bytes(state)))
        data = {
            key: ("[redacted]" if key in _SECRETS and value is not None else value)
            for key, value in vars(event).items()
            if key not in _HIDDEN
        }
        return {
            "position": position,
            "stream": str(stream),
            "version": version,
            "type": topic,
            "type_version": getattr(type(event), "class_version", 1),
            "recorded_at": event.timestamp,
            "data": data,
        }


# The first events of the streams a charge box's history joins to its own: they name it.
_STREAM_STARTS = ("cs.Connection.Opened", "cs.Command.Requested")


def _exchange(event: dict[str, Any], frames: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
    """The request frame just before the event and the answer frame after it (or with the
    request, when both are one `Exchanged` record just before the event)."""
    message_id = event["data"]["message_id"]
    position = event["position"]
    request = [
        (p, f)
        for p, t, f in frames
        if t.endswith("FrameReceived") and p < position and _unique_id(f) == message_id
    ]
    answer = [
        (p, f)
        for p, t, f in frames
        if t.endswith("FrameSent")
        and (p > position or (request and p == request[-1][0]))
        and _unique_id(f) == message_id
    ]
    found = []
    if request:
        found.append({"direction": "from-box", "position": request[-1][0], "frame": request[-1][1]})
    if answer:
        found.append({"direction": "to-box", "position": answer[0][0], "frame": answer[0][1]})
    return found


def _unique_id(frame: str) -> str | None:
    try:
        parsed = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return None
    return str(parsed[1]) if isinstance(parsed, list) and len(parsed) > 1 else None


def _document(pages: list[Page | None]) -> dict[str, Any] | None:
    if pages[0] is None:
        return None
    subject = pages[0].subject
    events = [event for page in pages if page is not None for event in page.events]
    native = orjson.loads(orjson.dumps(events, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS))
    sealed, head = chain.seal(subject, native)
    return {
        "format": chain.FORMAT,
        "subject": subject,
        "exported_at": datetime.now(UTC),
        "count": len(sealed),
        "events": sealed,
        "head": head,
        "algorithm": "sha256",
    }
