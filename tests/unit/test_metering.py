from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.domain import metering
from cs.domain.metering import MeterSummary, normalise, samples, summarise
from tests.support.builders import a_meter_value, a_sample


def run(*meter_values: dict[str, Any], last_energy_wh: float | None = None) -> MeterSummary:
    batch = samples(meter_values, parse_datetime)
    return summarise(
        batch, last_energy_wh=last_energy_wh, max_power_w=None, last_soc=None, last_sample_at=None
    )


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1.5", "kWh", (1500.0, "Wh")),
        ("1500", "Wh", (1500.0, "Wh")),
        ("7.2", "kW", (7200.0, "W")),
        ("230", "V", (230.0, "V")),
        ("12", None, (12.0, "Wh")),
        ("abc", "Wh", (None, "Wh")),
        ("nan", "Wh", (None, "Wh")),
    ],
)
def test_energy_and_power_are_normalised_and_other_units_kept(
    value: str, unit: str | None, expected: tuple[float | None, str | None]
) -> None:
    assert normalise(value, unit) == expected


def test_the_summary_tracks_register_power_and_state_of_charge() -> None:
    summary = run(
        a_meter_value(
            "2026-11-25T10:00:00Z",
            a_sample("2.0", "Energy.Active.Import.Register", "kWh"),
            a_sample("3.6", "Power.Active.Import", "kW"),
            a_sample("40", "SoC", "Percent"),
        ),
        a_meter_value(
            "2026-11-25T10:01:00Z",
            a_sample("2100"),  # default measurand: the energy register, in Wh
            a_sample("1000", "Power.Active.Import", "W", phase="L1"),
            a_sample("1000", "Power.Active.Import", "W", phase="L2"),
            a_sample("1000", "Power.Active.Import", "W", phase="L3"),
            a_sample("42", "SoC", "Percent"),
        ),
    )
    assert summary.last_energy_wh == 2100
    assert summary.max_power_w == 3600
    assert summary.last_soc == 42
    assert summary.last_sample_at == datetime(2026, 11, 25, 10, 1, tzinfo=UTC)
    assert summary.flags == ()


def test_a_meter_going_backwards_is_kept_and_flagged() -> None:
    summary = run(a_meter_value("2026-11-25T10:00:00Z", a_sample("900")), last_energy_wh=1000)
    assert summary.last_energy_wh == 900
    assert summary.flags == (metering.METER_BACKWARDS,)


def test_timestamps_out_of_order_and_negative_registers_are_flagged() -> None:
    summary = run(
        a_meter_value("2026-11-25T10:05:00Z", a_sample("10")),
        a_meter_value("2026-11-25T10:00:00Z", a_sample("-5")),
    )
    assert set(summary.flags) == {
        metering.TIMESTAMPS_OUT_OF_ORDER,
        metering.NEGATIVE_METER_VALUE,
        metering.METER_BACKWARDS,
    }


def test_signed_values_are_kept_but_not_computed_on() -> None:
    summary = run(a_meter_value("2026-11-25T10:00:00Z", a_sample("ABCDEF==", format="SignedData")))
    assert summary.last_energy_wh is None
