"""A readable timeline of a history, for `cs replay`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.datetimes import format_datetime

_ARROWS = {"from-box": "->", "to-box": "<-"}
_SKIP = ("connection_id", "message_id")


def render(events: list[dict[str, Any]]) -> str:
    lines = []
    for event in events:
        at = event["recorded_at"]
        when = format_datetime(at) if isinstance(at, datetime) else str(at)
        kind = str(event["type"]).removeprefix("cs.")
        data = event["data"]
        if kind.startswith("Connection.Frame") and "frame" in data:
            arrow = "->" if kind.endswith("Received") else "<-"
            lines.append(f"{when}  #{event['position']:<8} {arrow} {_short(data['frame'])}")
            continue
        fields = " ".join(
            f"{k}={_short(v, 40)}"
            for k, v in data.items()
            if k not in _SKIP and v not in (None, [], {})
        )
        lines.append(f"{when}  #{event['position']:<8} {kind}  {fields}".rstrip())
        for frame in event.get("frames") or []:
            lines.append(f"{'':26}{'':10} {_ARROWS[frame['direction']]} {_short(frame['frame'])}")
    return "\n".join(lines)


def _short(value: Any, width: int = 160) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."
