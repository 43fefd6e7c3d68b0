"""The benchmark's table: ours against the baseline, with the targets of the issues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.plan import Plan

DURABLE = ("server", "projections", "postgres")  # what a durable message costs, all in


class Table:
    """Rows of `label, ours, theirs, ratio, target`."""

    def __init__(self) -> None:
        self.lines = [f"{'measure':<58}{'cs':>14}{'baseline':>12}{'ratio':>8}  target"]

    def row(
        self, label: str, ours: Any, theirs: Any = None, target: str = "", ratio: bool = True
    ) -> None:
        shown = _ratio(ours, theirs) if ratio else ""
        self.lines.append(f"{label:<58}{_fmt(ours):>14}{_fmt(theirs):>12}{shown:>8}  {target}")

    def text(self, line: str) -> None:
        self.lines.append(line)


def report(results: dict[str, Any], plan: Plan) -> str:
    phases = results["phases"]
    table = Table()
    sections: dict[str, Callable[[Table, dict[str, Any], Plan], None]] = {
        "saturation": _saturation,
        "saturation_201": _saturation_201,
        "saturation_dc": _saturation_dc,
        "latency": _latency,
        "load": _load,
        "idle": _idle,
        "storm": _storm,
        "relay": _relay,
        "one_core": _one_core,
        "replay": _replay,
    }
    if "saturation_201" in phases:  # 2.0.1 is compared with our own 1.6 run
        v16 = phases.get("saturation", {}).get("cs")
        phases = phases | {"saturation_201": phases["saturation_201"] | {"cs_ocpp16": v16}}
    for name, section in sections.items():
        if name in phases:
            section(table, phases[name], plan)
    return "\n".join(table.lines)


def _cpu(result: dict[str, Any], part: str) -> float | None:
    value: float | None = result["cpu_us_per_message"].get(part)
    return value


def durable_cpu(result: dict[str, Any]) -> float | None:
    """Server + projections + PostgreSQL CPU µs per message (None if one is unknown)."""
    parts = [_cpu(result, part) for part in DURABLE]
    return None if any(p is None for p in parts) else round(sum(p or 0.0 for p in parts), 1)


def _saturation(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs, base = phase["cs"], phase["baseline"]
    label = f"durable msg/s at saturation ({plan.saturation_cps} CPs, {plan.meter_mix}"
    table.row(
        f"{label}, median of {plan.saturation_runs})",
        cs["messages_per_second"],
        base["messages_per_second"],
        ">= 5000, >= 4x",
    )
    ws = phase.get("baseline_ws")
    if ws is not None:
        table.row(
            "  vs the ocpp library's example server (websockets)",
            cs["messages_per_second"],
            ws["messages_per_second"],
            ">= 4x",
        )
    for part in DURABLE:
        table.row(f"  CPU µs/msg, {part}", _cpu(cs, part), _cpu(base, part))
    table.row("  CPU µs/msg, server + projections + postgres", durable_cpu(cs), None, "<= 250")
    table.row(
        "  CPU µs/msg, the simulator (same cores)", _cpu(cs, "simulator"), _cpu(base, "simulator")
    )
    table.row("  latency p99 ms", cs["latency_ms"]["p99"], base["latency_ms"]["p99"], ratio=False)
    table.row("  projection lag p99 / max s", _lag(cs), ratio=False)


def _saturation_201(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    """OCPP 2.0.1 under the saturation load; the baseline column is our own 1.6 run."""
    cs = phase["cs"]
    v16: dict[str, Any] = phase.get("cs_ocpp16") or {}
    table.row(
        f"2.0.1: durable msg/s at saturation ({plan.saturation_cps} CPs, vs cs on 1.6)",
        cs["messages_per_second"],
        v16.get("messages_per_second"),
        ">= 1x",
    )
    table.row(
        "  CPU µs/msg, server + projections + postgres",
        durable_cpu(cs),
        durable_cpu(v16) if v16 else None,
    )
    table.row(
        "  latency p99 ms",
        cs["latency_ms"]["p99"],
        v16.get("latency_ms", {}).get("p99"),
        ratio=False,
    )


def _saturation_dc(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs, base = phase["cs"], phase["baseline"]
    table.row(
        f"durable msg/s at saturation ({plan.dc_cps} CPs, dc: 14 values)",
        cs["messages_per_second"],
        base["messages_per_second"],
    )
    table.row(
        "  CPU µs/msg, server + projections + postgres",
        durable_cpu(cs),
        _cpu(base, "server"),
        ratio=False,
    )


def _latency(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs, base = phase["cs"], phase["baseline"]
    offered = f"{plan.latency_rate:.0f} msg/s offered from {plan.latency_cps} CPs"
    table.text(f"latency at {offered}, whole run (ms p50 / p95 / p99 / max):")
    actions = sorted(set(cs["latency_ms_by_action"]) | set(base["latency_ms_by_action"]))
    for action in [*actions, "(all)"]:
        ours = cs["latency_ms"] if action == "(all)" else cs["latency_ms_by_action"].get(action)
        theirs = (
            base["latency_ms"] if action == "(all)" else base["latency_ms_by_action"].get(action)
        )
        target = "   p99 <= 20" if action == "(all)" else ""
        table.text(f"  {action:<24}{_quad(ours):>34}{_quad(theirs):>34}{target}")
    table.row("  achieved msg/s", cs["messages_per_second"], base["messages_per_second"])
    table.row("  server CPU µs/msg", _cpu(cs, "server"), _cpu(base, "server"))


def _load(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs, base = phase["cs"], phase["baseline"]
    table.row(
        f"achieved msg/s at {plan.load_rate:.0f} offered ({plan.load_cps} CPs)",
        cs["messages_per_second"],
        base["messages_per_second"],
        f">= {plan.load_rate:.0f}",
    )
    table.row("  latency p99 ms", cs["latency_ms"]["p99"], base["latency_ms"]["p99"], ratio=False)
    table.row("  projection lag p99 / max s", _lag(cs), None, "p99 <= 1", ratio=False)
    parts = "/".join(_fmt(_cpu(cs, part)) for part in DURABLE)
    table.row("  CPU µs/msg server / projections / postgres", parts, ratio=False)


def _idle(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs, base = phase["cs"], phase["baseline"]
    table.row(
        f"idle CPs connected (of {plan.idle_cps})",
        cs["connected"],
        base["connected"],
        f"{plan.idle_cps}",
    )
    table.row(
        "  connects/s achieved", cs["connects_per_second"], base["connects_per_second"], ">= 500"
    )
    table.row("  server RSS MB (max)", cs["rss_mb_max"], base["rss_mb_max"], "<= 400")
    table.row("  connections held (server's count)", cs["connections_held_max"], ratio=False)


def _storm(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs = phase["cs"]
    boots = cs["latency_ms_by_action"].get("BootNotification", {}).get("count", 0)
    last_boot = cs["last_answer_seconds_by_action"].get("BootNotification")
    table.row(
        f"boot storm: {plan.storm_cps} CPs connecting within {plan.storm_window:g} s, booted",
        boots,
        None,
        f"{plan.storm_cps}",
        ratio=False,
    )
    table.row("  s from first connect to last boot answered", last_boot, None, "<= 10", False)
    failed = f"{cs['connect_failures']} / {cs['timeouts']}"
    table.row("  connects failed / CALLs timed out", failed, None, "0 / 0", ratio=False)
    table.row("  connect ms p50 / p99 / max", _triple(cs.get("connect_ms")), ratio=False)
    table.row("  server RSS MB (max)", cs["rss_mb_max"], ratio=False)


def _relay(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs = phase["cs"]
    if "skipped" in cs:
        table.text(f"relay: not measured ({cs['skipped']})")
        return
    table.row(
        f"relay: achieved msg/s at {plan.relay_rate:.0f} offered, relay on",
        cs["messages_per_second"],
        ratio=False,
    )
    lag = cs.get("relay_lag_seconds") or {}
    table.row(
        "  relay lag s p50 / p99 / max (max events behind)",
        f"{lag.get('p50', 0):.2f} / {lag.get('p99', 0):.2f} / {lag.get('max', 0):.2f}"
        f" ({lag.get('max_events', 0)})",
        None,
        "p99 <= 1",
        ratio=False,
    )
    table.row("  relay CPU µs per CP message", _cpu(cs, "relay"), None, "<= 100", ratio=False)
    table.row("  RabbitMQ CPU µs per CP message", _cpu(cs, "rabbitmq"), ratio=False)
    table.row("  server + projections + postgres µs/msg", durable_cpu(cs), ratio=False)
    table.row("  relay caught up s after load", cs.get("relay_drain_seconds"), ratio=False)


def _one_core(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    cs = phase["cs"]
    if "skipped" in cs:
        table.text(f"one core: not measured ({cs['skipped']})")
        return
    table.row(
        "one core: durable msg/s (node on core 0, simulator on core 1)",
        cs["messages_per_second"],
        ratio=False,
    )
    table.row("  CPU µs/msg, server + projections + postgres", durable_cpu(cs), ratio=False)


def _replay(table: Table, phase: dict[str, Any], plan: Plan) -> None:
    rp = phase["cs"]
    table.row(f"replay: log of {rp['events']:,} events ({rp['log_mb']} MB)", None, ratio=False)
    table.row("  seeded in s", rp["seed_seconds"], ratio=False)
    for key, label in (
        ("project_all", "all read models from zero, events/s"),
        ("verify", "replay verify (rebuild all + compare), events/s"),
        ("rebuild_sessions", "rebuild sessions in place, events/s"),
    ):
        table.row(f"  {label}", round(rp[key]["events_per_second"]), ratio=False)
    history = rp["history"]
    table.row(
        "  one session's history ms p50 / max",
        f"{history['session_ms_p50']} / {history['session_ms_max']}",
        ratio=False,
    )
    table.row("  one session's export ms p50", history["session_export_ms_p50"], ratio=False)
    table.row(
        "  charge box history page (500) ms p50 / max",
        f"{history['charge_box_page_ms_p50']} / {history['charge_box_page_ms_max']}",
        ratio=False,
    )


def _ratio(ours: Any, theirs: Any) -> str:
    if not isinstance(ours, int | float) or not isinstance(theirs, int | float) or not theirs:
        return "-"
    return f"{ours / theirs:.1f}x"


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _quad(block: dict[str, float] | None) -> str:
    if not block:
        return "-"
    return f"{block['p50']:.1f} / {block['p95']:.1f} / {block['p99']:.1f} / {block['max']:.1f}"


def _triple(block: dict[str, float] | None) -> str:
    if not block:
        return "-"
    return f"{block['p50']:.0f} / {block['p99']:.0f} / {block['max']:.0f}"


def _lag(result: dict[str, Any]) -> str:
    lag = result.get("projection_lag_seconds")
    if not lag:
        return "-"
    return f"{lag['p99']:.2f} / {lag['max']:.2f}"
