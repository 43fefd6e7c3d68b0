"""What a simulated OCPP 2.0.1 charging station does: the `sessions` load, in 2.0.1.

The same busy charger as `cs.sim.scenarios.sessions` (boot, statuses, then sessions back
to back with `meter_values` MeterValue samples each), spoken the 2.0.1 way: one
TransactionEvent Started / Updated... / Ended per session (Part 2 E01-E06), numbered by
`seqNo`, the meter values inside them, numbers rather than strings, units in
`unitOfMeasure`. So `make bench` can put the two protocol adapters under the same load.
"""

from __future__ import annotations

import itertools
import uuid
from typing import TYPE_CHECKING, Any

from cs.sim.meters import meter_value, now

if TYPE_CHECKING:
    from cs.sim.scenarios import Context

BOOT = {
    "chargingStation": {"vendorName": "cs-sim", "model": "SIM-22", "firmwareVersion": "1.0"},
    "reason": "PowerUp",
}


def status(evse: int, value: str) -> dict[str, Any]:
    return {"timestamp": now(), "connectorStatus": value, "evseId": evse, "connectorId": 1}


def meter_value_201(
    mix: str, energy_wh: int, power_w: float, soc: int, ctx: Context
) -> dict[str, Any]:
    """The 1.6 mix `mix` as 2.0.1 sends it (Part 2 2.30 MeterValueType, 2.44 SampledValue)."""
    value = meter_value(mix, energy_wh, power_w, soc, ctx.rng)
    sampled = []
    for item in value["sampledValue"]:
        converted = {k: v for k, v in item.items() if k not in ("value", "unit")}
        converted["value"] = float(item["value"])
        converted["unitOfMeasure"] = {"unit": item["unit"]}
        sampled.append(converted)
    return {"timestamp": value["timestamp"], "sampledValue": sampled}


async def sessions201(ctx: Context) -> None:
    """Boot, statuses, then charging sessions back to back, in OCPP 2.0.1."""
    per_session = int(ctx.options.get("meter_values", 10))
    mix = str(ctx.options.get("meter_mix", "ac"))
    if await ctx.send("BootNotification", BOOT) is None:
        return
    if await ctx.send("StatusNotification", status(1, "Available")) is None:
        return
    meter = ctx.rng.randrange(0, 1_000_000)
    token = {"idToken": f"TAG{ctx.index:06d}", "type": "ISO14443"}
    while True:
        if await ctx.send("Authorize", {"idToken": token}) is None:
            return
        seq = itertools.count()  # numbered from 0 in each transaction (Part 2 E: seqNo)
        transaction = {"transactionId": str(uuid.UUID(int=ctx.rng.getrandbits(128)))}
        soc = ctx.rng.randrange(10, 60)
        started = {
            "eventType": "Started",
            "timestamp": now(),
            "triggerReason": "Authorized",
            "seqNo": next(seq),
            "transactionInfo": transaction | {"chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": token,
            "meterValue": [meter_value_201(mix, meter, 0.0, soc, ctx)],
        }
        if await ctx.send("TransactionEvent", started) is None:
            return
        if await ctx.send("StatusNotification", status(1, "Occupied")) is None:
            return
        for _ in range(per_session):
            meter += ctx.rng.randrange(100, 400)
            soc = min(100, soc + 2)
            power = ctx.rng.uniform(3000, 22000)
            updated = {
                "eventType": "Updated",
                "timestamp": now(),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": next(seq),
                "transactionInfo": transaction,
                "meterValue": [meter_value_201(mix, meter, power, soc, ctx)],
            }
            if await ctx.send("TransactionEvent", updated) is None:
                return
        ended = {
            "eventType": "Ended",
            "timestamp": now(),
            "triggerReason": "StopAuthorized",
            "seqNo": next(seq),
            "transactionInfo": transaction | {"stoppedReason": "Local"},
            "idToken": token,
            "meterValue": [meter_value_201(mix, meter, 0.0, soc, ctx)],
        }
        if await ctx.send("TransactionEvent", ended) is None:
            return
        if await ctx.send("StatusNotification", status(1, "Available")) is None:
            return
        if await ctx.send("Heartbeat", {}) is None:
            return
