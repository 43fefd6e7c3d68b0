"""What the simulator counts and measures."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, nearest rank; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[rank]


@dataclass
class Stats:
    """Counters and latencies, per action; latencies in seconds."""

    sent: int = 0
    answered: int = 0
    call_errors: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    disconnects: int = 0
    connect_failures: int = 0
    first_connect_error: str | None = None  # why the first failed connect failed
    connected: int = 0
    commands_answered: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    connect_latencies: list[float] = field(default_factory=list)
    window: tuple[float, float] | None = None  # perf_counter span of the steady state
    answered_in_window: int = 0
    first_connect_at: float | None = None  # perf_counter when the first connect began
    last_connect_at: float | None = None  # perf_counter when the last connect completed
    last_answer_at: dict[str, float] = field(default_factory=dict)  # perf_counter, by action

    def connect_failed(self, error: BaseException) -> None:
        self.connect_failures += 1
        if self.first_connect_error is None:
            self.first_connect_error = f"{type(error).__name__}: {error}"[:300]

    def record(self, action: str, seconds: float) -> None:
        self.answered += 1
        self.latencies[action].append(seconds)
        now = time.perf_counter()
        self.last_answer_at[action] = now
        if self.window is not None and self.window[0] <= now <= self.window[1]:
            self.answered_in_window += 1

    def _steady_rate(self) -> float:
        """Answers per second after ramp-up and before the deadline (the steady state)."""
        return _steady(self)

    def summary(self, elapsed: float) -> dict[str, Any]:
        everything = sorted(v for values in self.latencies.values() for v in values)
        per_action = {}
        for action, values in sorted(self.latencies.items()):
            ordered = sorted(values)
            per_action[action] = _latency_block(ordered)
        connects = sorted(self.connect_latencies)
        span = (
            self.last_connect_at - self.first_connect_at
            if self.first_connect_at is not None and self.last_connect_at is not None
            else 0.0
        )
        return {
            "elapsed_seconds": round(elapsed, 3),
            "sent": self.sent,
            "answered": self.answered,
            "answered_per_second": round(self.answered / elapsed, 1) if elapsed > 0 else 0.0,
            "steady_per_second": self._steady_rate(),
            "call_errors": dict(self.call_errors),
            "timeouts": self.timeouts,
            "disconnects": self.disconnects,
            "connected": self.connected,
            "connect_failures": self.connect_failures,
            "first_connect_error": self.first_connect_error,
            "commands_answered": self.commands_answered,
            "latency_ms": _latency_block(everything),
            "latency_ms_by_action": per_action,
            "connect_ms": _latency_block(connects),
            "connects_per_second": round(self.connected / span, 1) if span > 0 else 0.0,
            # From the first connect to each action's last answer: how long until, e.g.,
            # every charge point of a reconnect storm had its BootNotification answered.
            "last_answer_seconds_by_action": {
                action: round(at - self.first_connect_at, 3)
                for action, at in sorted(self.last_answer_at.items())
                if self.first_connect_at is not None
            },
        }


def _steady(stats: Stats) -> float:
    if stats.window is None:
        return 0.0
    span = stats.window[1] - stats.window[0]
    return round(stats.answered_in_window / span, 1) if span > 0 else 0.0


def _latency_block(ordered: list[float]) -> dict[str, float]:
    return {
        "count": len(ordered),
        "p50": round(percentile(ordered, 0.50) * 1000, 2),
        "p95": round(percentile(ordered, 0.95) * 1000, 2),
        "p99": round(percentile(ordered, 0.99) * 1000, 2),
        "max": round((ordered[-1] if ordered else 0.0) * 1000, 2),
    }


def render(summary: dict[str, Any]) -> str:
    """A short human-readable report."""
    lines = [
        f"sent {summary['sent']}  answered {summary['answered']} "
        f"({summary['answered_per_second']}/s over {summary['elapsed_seconds']}s; "
        f"steady {summary['steady_per_second']}/s)  "
        f"timeouts {summary['timeouts']}  disconnects {summary['disconnects']}  "
        f"connected {summary['connected']} (failed {summary['connect_failures']})",
    ]
    if summary["first_connect_error"]:
        lines.append(f"first failed connect: {summary['first_connect_error']}")
    if summary["call_errors"]:
        lines.append(
            "CALLERRORs: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary["call_errors"].items()))
        )
    lines.append(f"{'action':<28}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    rows = {**summary["latency_ms_by_action"], "(all)": summary["latency_ms"]}
    for action, block in rows.items():
        lines.append(
            f"{action:<28}{block['count']:>8}{block['p50']:>9}{block['p95']:>9}{block['p99']:>9}{block['max']:>9}"
        )
    return "\n".join(lines)
