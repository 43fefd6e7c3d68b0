"""The acknowledged log: one JSON line for every CALL the central system answered.

A charge point may forget a message only if it got no answer; so after a fault, every
line here must have its frame in the store (the fault tests compare the two). Lines are
written as the answers arrive (line-buffered), so a run that ends abruptly still leaves
a true, if shorter, log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson


class AckLog:
    """Appends `{charge_box_id, unique_id, action, answer, error_code, answered_at}` lines.

    `answer` is `CALLRESULT` or `CALLERROR`; `error_code` is the CALLERROR's code (else
    null); `answered_at` is the UTC time the answer arrived (ISO 8601).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._out: TextIO = self.path.open("a", encoding="utf-8", buffering=1)
        self.lines = 0

    def record(self, charge_box_id: str, unique_id: str, action: str, reply: list[Any]) -> None:
        """Log the answer `reply` (a CALLRESULT or CALLERROR frame) to one CALL."""
        is_error = reply[0] == 4
        entry = {
            "charge_box_id": charge_box_id,
            "unique_id": unique_id,
            "action": action,
            "answer": "CALLERROR" if is_error else "CALLRESULT",
            "error_code": str(reply[2]) if is_error else None,
            "answered_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        }
        self._out.write(orjson.dumps(entry).decode() + "\n")
        self.lines += 1

    def close(self) -> None:
        self._out.close()


def read_ack_log(path: str | Path) -> list[dict[str, Any]]:
    """Every entry of an acknowledged log, in the order written."""
    with Path(path).open("rb") as lines:
        return [orjson.loads(line) for line in lines if line.strip()]
