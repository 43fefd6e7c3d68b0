"""Response models: charging sessions, one `rm_sessions` row each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from cs.domain.clock import BillingTimes, billing_times
from cs.http.models.base import Model, PageOut, Row
from cs.http.shapes import Computed, From, Nested


class SessionMeterOut(Model):
    last_energy_wh: float | None = Field(description="last energy register, Wh")
    max_power_w: float | None
    last_soc: float | None = Field(description="state of charge, percent")
    last_sample_at: datetime | None
    reports: Annotated[int, From("meter_value_reports")]


def _kwh(row: Row) -> float | None:
    energy_wh = row["energy_wh"]
    return energy_wh / 1000 if energy_wh is not None else None


def _billing(row: Row) -> BillingTimes | None:
    if row["stopped_at"] is None or row["stop_received_at"] is None:
        return None
    return billing_times(
        started_at=row["started_at"],
        stopped_at=row["stopped_at"],
        start_received_at=row["start_received_at"],
        stop_received_at=row["stop_received_at"],
        flags=row["flags"],
    )


def _billing_start(row: Row) -> datetime | None:
    times = _billing(row)
    return None if times is None else times.started_at


def _billing_end(row: Row) -> datetime | None:
    times = _billing(row)
    return None if times is None else times.ended_at


def _billing_source(row: Row) -> str | None:
    times = _billing(row)
    return None if times is None else times.source


def _version(row: Row) -> str:
    return "ocpp2.0.1" if row["station_transaction_id"] is not None else "ocpp1.6"


class SessionOut(Model):
    """A charging session; `started_at`/`stopped_at` are the charge point's clock."""

    transaction_id: int = Field(description="ours (1.6's transactionId; for 2.0.1, beside its own)")
    station_transaction_id: str | None = Field(
        description="the id an OCPP 2.0.1 station gave the transaction (None for 1.6)"
    )
    ocpp_version: Annotated[Literal["ocpp1.6", "ocpp2.0.1"], Computed(_version)] = Field(
        description="the OCPP version the transaction was reported in"
    )
    tenant_id: str
    charge_box_id: str
    connector_id: int
    id_tag: str
    id_tag_status: str
    status: Literal["active", "finished", "abandoned"]
    reservation_id: int | None
    started_at: datetime
    start_received_at: datetime
    stopped_at: datetime | None
    stop_received_at: datetime | None
    stop_reason: str | None
    stop_id_tag: str | None
    stop_id_tag_status: str | None
    meter_start: int
    meter_stop: int | None
    energy_wh: int | None
    energy_kwh: Annotated[float | None, Computed(_kwh)]
    duration_seconds: float | None
    meter: Annotated[SessionMeterOut, Nested()]
    flags: list[str] = Field(
        description="impossible values and clock doubts seen (kept, not corrected): e.g. "
        "negative_energy, reconstructed, clock_unset, clock_future, clock_skew"
    )
    clock_skew_seconds: float | None = Field(
        description="the station's clock minus ours, the worst measured at start and stop"
    )
    billing_started_at: Annotated[datetime | None, Computed(_billing_start)] = Field(
        description="the start billing should use (once finished); see billing_time_source"
    )
    billing_ended_at: Annotated[datetime | None, Computed(_billing_end)] = Field(
        description="the end billing should use (once finished)"
    )
    billing_time_source: Annotated[
        Literal["charge_point", "central_system"] | None, Computed(_billing_source)
    ] = Field(
        description="charge_point: started_at/stopped_at as sent; central_system: the "
        "station's clock was unset or ahead, so times are anchored at when we received "
        "the start (or stop), lasting what the station's own times say"
    )
    repeated_starts: int
    repeated_stops: int
    replaced_by: int | None = Field(description="the session that abandoned this one")
    # The original system's names for the same facts.
    charge_box_serial: Annotated[str, From("charge_box_id")] = Field(
        description="original name of charge_box_id"
    )
    token_id: Annotated[str, From("id_tag")] = Field(description="original name of id_tag")
    client_timestamp_start: Annotated[datetime, From("started_at")] = Field(
        description="original name of started_at"
    )
    server_timestamp_start: Annotated[datetime, From("start_received_at")] = Field(
        description="original name of start_received_at"
    )
    remote_start_command_id: UUID | None = Field(description="the remote start that led to it")


class SessionPage(PageOut[SessionOut]):
    """A page of sessions, newest start first."""
