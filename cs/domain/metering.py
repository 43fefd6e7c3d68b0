"""Meter values (OCPP 1.6 section 7.31 MeterValue, 7.43 SampledValue) and what we compute.

Sampled values are kept exactly as received (strings); this module only reads them:
it normalises energy to Wh and power to W for computation, and summarises a session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

ENERGY_REGISTER = "Energy.Active.Import.Register"  # the default measurand (section 7.43)
POWER = "Power.Active.Import"
SOC = "SoC"

_TO_BASE = {"Wh": ("Wh", 1.0), "kWh": ("Wh", 1000.0), "W": ("W", 1.0), "kW": ("W", 1000.0)}
_PHASE_TOTAL = ("L1", "L2", "L3", "L1-N", "L2-N", "L3-N")

# Flags a session can carry; the values are kept, the flag says they are impossible.
NEGATIVE_ENERGY = "negative_energy"
METER_BACKWARDS = "meter_backwards"
TIMESTAMPS_OUT_OF_ORDER = "timestamps_out_of_order"
NEGATIVE_METER_VALUE = "negative_meter_value"


def normalise(value: str, unit: str | None) -> tuple[float | None, str | None]:
    """(number, unit) in Wh or W for energy and power units, else the unit as given.

    The number is None when the value is not numeric (e.g. format SignedData).
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, unit
    return normalise_number(number, unit)


def normalise_number(number: float, unit: str | None) -> tuple[float | None, str | None]:
    """`normalise` of a value already a number (OCPP 2.0.1 sends numbers)."""
    if number != number or number in (_INF, -_INF):
        return None, unit
    base, factor = _TO_BASE.get(unit or "Wh", (unit, 1.0))
    return number * factor, base


_INF = float("inf")


class Sample(NamedTuple):
    """One sampled value, read (never changed) from the raw dict.

    `number` is the value normalised to Wh or W for energy and power, None when the
    value is not numeric or is signed data.
    """

    timestamp: datetime | None
    value: str
    measurand: str
    unit: str | None
    phase: str | None
    number: float | None


SUMMARISED = frozenset((ENERGY_REGISTER, POWER, SOC))  # what `summarise` reads


def samples(meter_values: Iterable[Mapping[str, Any]], parse_time: Any) -> list[Sample]:
    """Flatten raw MeterValue dicts (as sent: `timestamp`, `sampledValue`) into the samples
    the session summary reads: energy register, power and state of charge.

    Other measurands (currents, voltages, temperatures...) stay in the raw values kept
    with the event; they are not parsed here, which is most of what a 3-phase charger
    sends.
    """
    flat: list[Sample] = []
    for meter_value in meter_values:
        timestamp = None
        for sampled in meter_value.get("sampledValue", ()):
            measurand = sampled.get("measurand") or ENERGY_REGISTER
            if measurand not in SUMMARISED:
                continue
            if timestamp is None:
                timestamp = _time(meter_value.get("timestamp"), parse_time)
            unit = sampled.get("unit")
            if unit is None and measurand == ENERGY_REGISTER:
                unit = "Wh"  # section 7.43: energy defaults to Wh
            value = str(sampled.get("value", ""))
            signed = sampled.get("format") == "SignedData"
            number = None if signed else normalise(value, unit)[0]
            flat.append(Sample(timestamp, value, measurand, unit, sampled.get("phase"), number))
    return flat


def _time(raw: Any, parse_time: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        parsed: datetime = parse_time(raw)
    except ValueError:
        return None
    return parsed


@dataclass(frozen=True)
class MeterSummary:
    """What a batch of samples says about a session, given what was known before."""

    last_energy_wh: float | None
    max_power_w: float | None
    last_soc: float | None
    last_sample_at: datetime | None
    flags: tuple[str, ...]


def summarise(
    batch: Sequence[Sample],
    *,
    last_energy_wh: float | None,
    max_power_w: float | None,
    last_soc: float | None,
    last_sample_at: datetime | None,
) -> MeterSummary:
    """Fold samples into the running summary, flagging what cannot be true."""
    flags: set[str] = set()
    for timestamp, group in _by_timestamp(batch):
        if timestamp is not None:
            if last_sample_at is not None and timestamp < last_sample_at:
                flags.add(TIMESTAMPS_OUT_OF_ORDER)
            else:
                last_sample_at = timestamp
        energy = _total(group, ENERGY_REGISTER)
        if energy is not None:
            if energy < 0:
                flags.add(NEGATIVE_METER_VALUE)
            if last_energy_wh is not None and energy < last_energy_wh:
                flags.add(METER_BACKWARDS)
            last_energy_wh = energy
        power = _total(group, POWER)
        if power is not None and (max_power_w is None or power > max_power_w):
            max_power_w = power
        soc = _total(group, SOC)
        if soc is not None:
            last_soc = soc
    return MeterSummary(last_energy_wh, max_power_w, last_soc, last_sample_at, tuple(sorted(flags)))


def _by_timestamp(batch: Sequence[Sample]) -> list[tuple[datetime | None, list[Sample]]]:
    groups: list[tuple[datetime | None, list[Sample]]] = []
    for sample in batch:
        if groups and groups[-1][0] == sample.timestamp:
            groups[-1][1].append(sample)
        else:
            groups.append((sample.timestamp, [sample]))
    return groups


def _total(group: Sequence[Sample], measurand: str) -> float | None:
    """The value for a measurand: the unphased sample, else the sum of its phases."""
    relevant = [s for s in group if s.measurand == measurand and s.number is not None]
    unphased = [s for s in relevant if s.phase is None]
    if unphased:
        return unphased[-1].number
    phased = [s.number for s in relevant if s.phase in _PHASE_TOTAL and s.number is not None]
    return sum(phased) if phased else None
