"""What simulated charge points do: realistic sessions, idling, and abuse."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from cs.sim.client import CallFailedError, SimulatedChargePoint
from cs.sim.meters import meter_value, now
from cs.sim.pacing import Pace
from cs.sim.scenarios201 import sessions201

BOOT = {"chargePointVendor": "cs-sim", "chargePointModel": "SIM-22", "firmwareVersion": "1.0"}


def status(connector: int, value: str, error: str = "NoError") -> dict[str, Any]:
    return {"connectorId": connector, "errorCode": error, "status": value, "timestamp": now()}


class Context:
    """What a scenario gets: its charge point, pacing, randomness and a reconnect."""

    def __init__(
        self,
        cp: SimulatedChargePoint,
        pace: Pace,
        rng: random.Random,
        index: int,
        reconnect: Callable[[], Awaitable[None]],
        options: dict[str, Any],
    ) -> None:
        self.cp = cp
        self.pace = pace
        self.rng = rng
        self.index = index
        self.reconnect = reconnect
        self.options = options

    async def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """One paced CALL; None when the run is over."""
        intended = await self.pace.next()
        if intended is None:
            return None
        return await self.cp.call(action, payload, since=intended)


async def sessions(ctx: Context) -> None:
    """Boot, statuses, then charging sessions back to back, as a busy charger does."""
    per_session = int(ctx.options.get("meter_values", 10))
    mix = str(ctx.options.get("meter_mix", "ac"))
    if await ctx.send("BootNotification", BOOT) is None:
        return
    for connector in (0, 1):
        if await ctx.send("StatusNotification", status(connector, "Available")) is None:
            return
    meter = ctx.rng.randrange(0, 1_000_000)
    tag = f"TAG{ctx.index:06d}"
    while True:
        if await ctx.send("Authorize", {"idTag": tag}) is None:
            return
        start = await ctx.send(
            "StartTransaction",
            {"connectorId": 1, "idTag": tag, "meterStart": meter, "timestamp": now()},
        )
        if start is None:
            return
        transaction_id = start["transactionId"]
        if await ctx.send("StatusNotification", status(1, "Charging")) is None:
            return
        soc = ctx.rng.randrange(10, 60)
        for _ in range(per_session):
            meter += ctx.rng.randrange(100, 400)
            soc = min(100, soc + 2)
            payload = {
                "connectorId": 1,
                "transactionId": transaction_id,
                "meterValue": [meter_value(mix, meter, ctx.rng.uniform(3000, 22000), soc, ctx.rng)],
            }
            if await ctx.send("MeterValues", payload) is None:
                return
        stop = {
            "transactionId": transaction_id,
            "meterStop": meter,
            "timestamp": now(),
            "idTag": tag,
            "reason": "Local",
        }
        if await ctx.send("StopTransaction", stop) is None:
            return
        if await ctx.send("StatusNotification", status(1, "Available")) is None:
            return
        if await ctx.send("Heartbeat", {}) is None:
            return


async def idle(ctx: Context) -> None:
    """Boot, report available, then a heartbeat every interval (with a random phase)."""
    interval = float(ctx.options.get("heartbeat_interval", 60.0))
    if await ctx.send("BootNotification", BOOT) is None:
        return
    if await ctx.send("StatusNotification", status(1, "Available")) is None:
        return
    if not await ctx.pace.idle(ctx.rng.uniform(0, interval)):
        return
    while await ctx.send("Heartbeat", {}) is not None:
        if not await ctx.pace.idle(interval):
            return


async def abusive(ctx: Context) -> None:
    """A badly behaved charger: every action picked at random, many of them wrong."""
    meter = 1000
    transaction_id: int | None = None
    while True:
        move = ctx.rng.choice(_ABUSES)
        try:
            outcome = await move(ctx, meter, transaction_id)
        except CallFailedError:
            continue  # an expected CALLERROR: counted in the stats
        except (ConnectionError, TimeoutError, aiohttp.ClientError):
            await asyncio.sleep(0.05)
            await ctx.reconnect()
            continue
        if outcome is None:
            return
        meter, transaction_id = outcome


Outcome = tuple[int, int | None] | None


async def _repeated_boot(ctx: Context, meter: int, tx: int | None) -> Outcome:
    return None if await ctx.send("BootNotification", BOOT) is None else (meter, tx)


async def _ghost_connector(ctx: Context, meter: int, tx: int | None) -> Outcome:
    connector = ctx.rng.choice([7, 42, 255])
    return (
        None
        if await ctx.send("StatusNotification", status(connector, "Faulted", "OtherError")) is None
        else (meter, tx)
    )


async def _old_version(ctx: Context, meter: int, tx: int | None) -> Outcome:
    """OCPP 1.5 shapes: `values` instead of `meterValue`, status Occupied."""
    frame = ctx.rng.choice(
        [
            (
                "MeterValues",
                {
                    "connectorId": 1,
                    "values": [{"timestamp": now(), "values": [{"value": 100, "unit": "Wh"}]}],
                },
            ),
            (
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Occupied"},
            ),
        ]
    )
    return None if await ctx.send(*frame) is None else (meter, tx)


async def _start(ctx: Context, meter: int, tx: int | None) -> Outcome:
    start_meter = ctx.rng.randrange(0, 500)
    answer = await ctx.send(
        "StartTransaction",
        {"connectorId": 1, "idTag": "6E8E19F", "meterStart": start_meter, "timestamp": now()},
    )
    return None if answer is None else (start_meter, answer["transactionId"])


async def _meter_backwards(ctx: Context, meter: int, tx: int | None) -> Outcome:
    meter += ctx.rng.choice([-300, -1, 50, 200])
    payload: dict[str, Any] = {
        "connectorId": 1,
        "meterValue": [{"timestamp": now(), "sampledValue": [{"value": str(meter)}]}],
    }
    if tx is not None:
        payload["transactionId"] = tx
    return None if await ctx.send("MeterValues", payload) is None else (meter, tx)


async def _stop(ctx: Context, meter: int, tx: int | None) -> Outcome:
    stop = {
        "transactionId": tx if tx is not None else ctx.rng.randrange(1, 10**6),
        "meterStop": ctx.rng.randrange(0, 1000),
        "timestamp": now(),
    }
    return None if await ctx.send("StopTransaction", stop) is None else (meter, None)


async def _unknown_action(ctx: Context, meter: int, tx: int | None) -> Outcome:
    action = ctx.rng.choice(["FancyVendorThing", "Reset", "GetConfiguration"])
    return None if await ctx.send(action, {}) is None else (meter, tx)


async def _garbage(ctx: Context, meter: int, tx: int | None) -> Outcome:
    """Frames that cannot be answered: they must be ignored, not crash the connection."""
    if await ctx.pace.next() is None:
        return None
    await ctx.cp.send_raw(
        ctx.rng.choice(['[2, "x", "Heartbeat"', "not json", "[7,1,2]", "{}", "[" * 2000])
    )
    return meter, tx


async def _burst(ctx: Context, meter: int, tx: int | None) -> Outcome:
    """Ten heartbeats without waiting for answers in between."""
    calls = []
    for _ in range(10):
        intended = await ctx.pace.next()
        if intended is None:
            break
        calls.append(ctx.cp.call("Heartbeat", {}, since=intended))
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, (ConnectionError, TimeoutError)):
            raise result
    return (meter, tx) if len(calls) == 10 else None


async def _disconnect(ctx: Context, meter: int, tx: int | None) -> Outcome:
    if ctx.rng.random() < 0.5:  # reconnect half of the times this is picked (1/50 overall)
        await ctx.cp.close()
        await ctx.reconnect()
    return meter, tx


async def _heartbeat(ctx: Context, meter: int, tx: int | None) -> Outcome:
    return None if await ctx.send("Heartbeat", {}) is None else (meter, tx)


_ABUSES = [
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _repeated_boot,
    _ghost_connector,
    _old_version,
    _start,
    _meter_backwards,
    _meter_backwards,
    _stop,
    _unknown_action,
    _garbage,
    _burst,
    _disconnect,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
    _heartbeat,
]

SCENARIOS: dict[str, Callable[[Context], Awaitable[None]]] = {
    "sessions": sessions,
    "idle": idle,
    "abusive": abusive,
    "sessions201": sessions201,
}
# The websocket subprotocol each scenario's charge points offer (OCPP-J: Part 4 section 3.1).
SUBPROTOCOLS: dict[str, str] = {"sessions201": "ocpp2.0.1"}
