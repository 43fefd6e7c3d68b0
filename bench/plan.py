"""What `make bench` runs: the loads, their sizes, and the phases built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Plan:
    """Sizes of every phase. Loads look like real chargers: `meter_mix` "ac" sends six
    sampled values per MeterValues (energy, power, three phase currents, SoC)."""

    saturation_cps: int = 500
    saturation_seconds: float = 20
    saturation_runs: int = 3
    dc_cps: int = 500
    dc_seconds: float = 20
    latency_cps: int = 2000
    latency_rate: float = 500
    latency_seconds: float = 30
    load_cps: int = 500
    load_rate: float = 2500
    load_seconds: float = 30
    idle_cps: int = 10_000
    idle_connect_rate: float = 1000  # offered; the target is >= 500/s achieved
    idle_hold_seconds: float = 20
    storm_cps: int = 10_000
    storm_window: float = 1.0  # every charge point starts connecting within this
    storm_hold_seconds: float = 15
    relay_cps: int = 500
    relay_rate: float = 3000
    relay_seconds: float = 30
    replay_events: int = 1_000_000
    meter_mix: str = "ac"

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            saturation_cps=100,
            saturation_seconds=5,
            saturation_runs=1,
            dc_cps=100,
            dc_seconds=5,
            latency_cps=200,
            latency_rate=100,
            latency_seconds=5,
            load_cps=100,
            load_rate=500,
            load_seconds=5,
            idle_cps=1000,
            idle_connect_rate=500,
            idle_hold_seconds=3,
            storm_cps=1000,
            storm_hold_seconds=5,
            relay_cps=100,
            relay_rate=300,
            relay_seconds=5,
            replay_events=50_000,
        )


def sessions(cps: int, seconds: float, prefix: str, mix: str, **more: Any) -> dict[str, Any]:
    return {
        "runs": 1,
        "charge_points": cps,
        "scenario": more.pop("scenario", "sessions"),
        "duration": seconds,
        "ramp_up": 2,
        "meter_mix": mix,
        "id_prefix": prefix,
        **more,
    }


def phases(plan: Plan) -> dict[str, dict[str, Any]]:
    """Each phase's simulator options (`runs`: how many loads against one server)."""
    mix = plan.meter_mix
    return {
        "saturation": sessions(
            plan.saturation_cps, plan.saturation_seconds, "SAT", mix, runs=plan.saturation_runs
        ),
        # The same load in OCPP 2.0.1 (TransactionEvent carries the meter values): the
        # second protocol adapter against the first (issue 15: "as fast as the 1.6 path").
        "saturation_201": sessions(
            plan.saturation_cps,
            plan.saturation_seconds,
            "S201",
            mix,
            scenario="sessions201",
            runs=plan.saturation_runs,
        ),
        "saturation_dc": sessions(plan.dc_cps, plan.dc_seconds, "DC", "dc"),
        "latency": sessions(
            plan.latency_cps,
            plan.latency_seconds,
            "LAT",
            mix,
            ramp_up=plan.latency_cps / 250,
            rate=plan.latency_rate,
        ),
        "load": sessions(plan.load_cps, plan.load_seconds, "LOAD", mix, rate=plan.load_rate),
        "idle": _idle(
            plan.idle_cps, plan.idle_cps / plan.idle_connect_rate, plan.idle_hold_seconds
        ),
        "storm": _idle(plan.storm_cps, plan.storm_window, plan.storm_hold_seconds, "STORM"),
        "relay": sessions(plan.relay_cps, plan.relay_seconds, "RELAY", mix, rate=plan.relay_rate),
        # What one core does: the node (server, projections, PostgreSQL) on core 0 and
        # the simulator on core 1 (the lower of two loads).
        "one_core": sessions(
            plan.saturation_cps,
            plan.saturation_seconds,
            "CORE",
            mix,
            runs=2,
            node_cores={0},
            cores="1",
        ),
    }


def _idle(cps: int, ramp_up: float, hold: float, prefix: str = "IDLE") -> dict[str, Any]:
    return {
        "runs": 1,
        "charge_points": cps,
        "scenario": "idle",
        "duration": hold,
        "ramp_up": ramp_up,
        "heartbeat_interval": 60,
        "id_prefix": prefix,
    }
