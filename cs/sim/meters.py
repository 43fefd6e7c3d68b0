"""What simulated chargers measure: the sampled values of one MeterValue, by charger kind.

- `ac`: a 3-phase AC charger as most send (Energy.Active.Import.Register, Power.Active.Import,
  Current.Import on L1/L2/L3, SoC): six sampled values, the mix issue 14 measured.
- `dc`: a DC fast charger fed from a 3-phase grid, with more measurands (output current,
  voltage and power, offered current and power, grid currents and voltages per phase,
  temperature, SoC): fourteen sampled values.
- `light`: four values (energy, power, one phase's current, SoC), our earlier mix.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Sampled = dict[str, Any]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _value(value: str, measurand: str, unit: str, **more: str) -> Sampled:
    return {
        "value": value,
        "context": "Sample.Periodic",
        "measurand": measurand,
        "unit": unit,
    } | more


def _energy(energy_wh: int) -> Sampled:
    return _value(str(energy_wh), "Energy.Active.Import.Register", "Wh", location="Outlet")


def _phases(measurand: str, unit: str, values: list[float], suffix: str = "") -> list[Sampled]:
    return [
        _value(f"{value:.1f}", measurand, unit, phase=f"L{n}{suffix}")
        for n, value in enumerate(values, start=1)
    ]


def light(energy_wh: int, power_w: float, soc: int, rng: random.Random) -> list[Sampled]:
    return [
        _energy(energy_wh),
        _value(f"{power_w / 1000:.2f}", "Power.Active.Import", "kW"),
        _value(f"{power_w / 230 / 3:.1f}", "Current.Import", "A", phase="L1"),
        _value(str(soc), "SoC", "Percent", location="EV"),
    ]


def ac(energy_wh: int, power_w: float, soc: int, rng: random.Random) -> list[Sampled]:
    per_phase = power_w / 230 / 3
    currents = [per_phase * rng.uniform(0.97, 1.03) for _ in range(3)]
    return [
        _energy(energy_wh),
        _value(f"{power_w:.0f}", "Power.Active.Import", "W"),
        *_phases("Current.Import", "A", currents),
        _value(str(soc), "SoC", "Percent", location="EV"),
    ]


def dc(energy_wh: int, power_w: float, soc: int, rng: random.Random) -> list[Sampled]:
    power = power_w * 6  # a DC charger: 20-130 kW
    volts = rng.uniform(380, 420)
    grid = [power / 230 / 3 * rng.uniform(0.98, 1.02) for _ in range(3)]
    return [
        _energy(energy_wh),
        _value(f"{power:.0f}", "Power.Active.Import", "W"),
        _value(f"{power * 1.1:.0f}", "Power.Offered", "W"),
        _value(f"{power / volts:.1f}", "Current.Import", "A"),
        _value(f"{power * 1.1 / volts:.1f}", "Current.Offered", "A"),
        _value(f"{volts:.1f}", "Voltage", "V"),
        *_phases("Current.Import", "A", grid),
        *_phases("Voltage", "V", [rng.uniform(225, 235) for _ in range(3)], suffix="-N"),
        _value(f"{rng.uniform(30, 45):.1f}", "Temperature", "Celsius", location="Body"),
        _value(str(soc), "SoC", "Percent", location="EV"),
    ]


MIXES: dict[str, Callable[[int, float, int, random.Random], list[Sampled]]] = {
    "ac": ac,
    "dc": dc,
    "light": light,
}


def meter_value(
    mix: str, energy_wh: int, power_w: float, soc: int, rng: random.Random
) -> dict[str, Any]:
    """One MeterValue (OCPP 1.6 section 7.31) of the charger kind `mix`, stamped now."""
    return {"timestamp": now(), "sampledValue": MIXES[mix](energy_wh, power_w, soc, rng)}
