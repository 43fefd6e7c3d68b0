"""The SHA-256 digest chain of a history export (pure functions).

    genesis  = sha256("cs-history/1" || canonical(subject))
    digest_i = sha256(digest_{i-1} || canonical(event_i without "digest"))
    head     = digest of the last event (genesis when there is none)

`canonical` is JSON with sorted keys and no whitespace (orjson), applied to JSON-native
values, so a document read back from disk hashes exactly as it was written. Changing,
dropping or reordering any event breaks every digest from there on; the head, compared
with the head the live store gives for the same subject, detects a truncated export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

FORMAT = "cs-history/1"


def canonical(value: Any) -> bytes:
    """Deterministic JSON bytes of JSON-native data (what a file holds after a round trip)."""
    native = orjson.loads(orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS))
    return orjson.dumps(native, option=orjson.OPT_SORT_KEYS)


def genesis(subject: dict[str, Any]) -> str:
    return hashlib.sha256(FORMAT.encode() + canonical(subject)).hexdigest()


def link(previous: str, event: dict[str, Any]) -> str:
    body = {key: value for key, value in event.items() if key != "digest"}
    return hashlib.sha256(previous.encode() + canonical(body)).hexdigest()


def seal(
    subject: dict[str, Any], events: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str]:
    """The events with their digests, and the head."""
    digest = genesis(subject)
    sealed = []
    for event in events:
        digest = link(digest, event)
        sealed.append({**event, "digest": digest})
    return sealed, digest


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: list[str]
    head: str | None


def verify(document: dict[str, Any]) -> Verdict:
    """Check an export on its own: format, chain, order, count and head."""
    problems: list[str] = []
    if document.get("format") != FORMAT:
        return Verdict(False, [f"not a {FORMAT} document"], None)
    events = document.get("events")
    subject = document.get("subject")
    if not isinstance(events, list) or not isinstance(subject, dict):
        return Verdict(False, ["no subject or no events"], None)
    digest = genesis(subject)
    last_position = None
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            problems.append(f"event {index}: not an object")
            break
        digest = link(digest, event)
        if event.get("digest") != digest:
            problems.append(
                f"event {index} (position {event.get('position')}): digest does not match: "
                "an event was changed, dropped or reordered at or before it"
            )
            break
        position = event.get("position")
        if last_position is not None and (
            not isinstance(position, int) or position <= last_position
        ):
            problems.append(f"event {index}: position {position} does not follow {last_position}")
        last_position = position if isinstance(position, int) else last_position
    if document.get("count") != len(events):
        problems.append(f"count says {document.get('count')}, the document holds {len(events)}")
    if not problems and document.get("head") != digest:
        problems.append("head does not match the last digest")
    return Verdict(not problems, problems, digest if not problems else None)
