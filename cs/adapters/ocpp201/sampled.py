"""OCPP 2.0.1 meter values (Part 2 section 2.30 MeterValueType, 2.44 SampledValueType) read.

Kept exactly as sent; only read here into the neutral `Sample`s the session summary
folds, as `cs.domain.metering.samples` does for 1.6. 2.0.1 sends numbers, with the unit
and a power-of-ten multiplier in `unitOfMeasure` (unit default Wh, multiplier 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cs.domain.datetimes import parse_datetime
from cs.domain.metering import ENERGY_REGISTER, SUMMARISED, Sample, normalise_number


def samples(meter_values: Iterable[Mapping[str, Any]]) -> list[Sample]:
    """The energy register, power and state of charge samples of `meter_values`."""
    flat: list[Sample] = []
    for meter_value in meter_values:
        timestamp = None
        for sampled in meter_value.get("sampledValue", ()):
            measurand = sampled.get("measurand") or ENERGY_REGISTER
            if measurand not in SUMMARISED:
                continue  # currents, voltages...: kept as sent, not read here
            if timestamp is None:
                timestamp = _time(meter_value.get("timestamp"))
            unit_of_measure = sampled.get("unitOfMeasure") or {}
            unit = unit_of_measure.get("unit") or "Wh"
            value = sampled.get("value")
            number = None
            if isinstance(value, int | float) and not isinstance(value, bool):
                multiplier = unit_of_measure.get("multiplier", 0)
                scaled = float(value) * 10**multiplier if multiplier else float(value)
                number = normalise_number(scaled, unit)[0]
            flat.append(
                Sample(timestamp, str(value), measurand, unit, sampled.get("phase"), number)
            )
    return flat


def _time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        return None
