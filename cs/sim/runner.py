"""Runs N simulated charge points against a central system and reports."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from cs.sim.acklog import AckLog
from cs.sim.client import CallFailedError, SimulatedChargePoint
from cs.sim.pacing import Budget, Pace
from cs.sim.scenarios import SCENARIOS, SUBPROTOCOLS, Context
from cs.sim.stats import Stats


class NotLoopbackError(ValueError):
    """The simulator only targets this machine."""


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as error:
        raise NotLoopbackError(f"cannot resolve {host!r}: {error}") from None
    if not addresses or not all(
        ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses
    ):
        raise NotLoopbackError(
            f"{host!r} is not a loopback address; the simulator only targets this machine"
        )


@dataclass
class SimConfig:
    """One simulator run. `rate` is the total offered messages/s (None: as fast as answered).

    `ack_log`: a file to append a JSON line to for every CALL answered (`cs.sim.acklog`).
    `reconnect`: a charge point whose connection is lost or whose CALL fails starts its
    scenario again on a new connection (as a real one does), until the run is over;
    without it, it stops for the rest of the run.
    """

    url: str = "http://127.0.0.1:8180"
    charge_points: int = 10
    scenario: str = "sessions"
    duration: float = 30.0
    ramp_up: float = 0.0
    rate: float | None = None
    max_messages: int | None = None
    id_prefix: str = "SIM"
    tenant: str | None = None
    call_timeout: float = 30.0
    seed: int = 1
    ack_log: str | None = None
    reconnect: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def _path(config: SimConfig, index: int) -> str:
    charge_box_id = f"{config.id_prefix}-{index:05d}"
    if config.tenant:
        return f"/ws/{config.tenant}/{charge_box_id}"
    return f"/ocpp/{charge_box_id}"


async def run(config: SimConfig) -> dict[str, Any]:
    """Run the simulation; returns the summary (see `cs.sim.stats.Stats.summary`)."""
    require_loopback(config.url)
    if config.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {config.scenario!r}; choose from {sorted(SCENARIOS)}")
    stats = Stats()
    budget = Budget(
        deadline=time.monotonic() + config.ramp_up + config.duration,
        max_messages=config.max_messages,
    )
    interval = config.charge_points / config.rate if config.rate else None
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    started = time.perf_counter()
    # The steady state: everyone connected (ramp-up done), a second to settle, until the end.
    settle = min(1.0, config.duration / 4)
    stats.window = (started + config.ramp_up + settle, started + config.ramp_up + config.duration)
    ack_log = AckLog(config.ack_log) if config.ack_log else None
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=None, connect=30)
        ) as session:
            tasks = [
                asyncio.create_task(_one(config, session, stats, budget, index, interval, ack_log))
                for index in range(config.charge_points)
            ]
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if ack_log is not None:
            ack_log.close()
    summary = stats.summary(time.perf_counter() - started)
    summary["config"] = {k: v for k, v in vars(config).items() if k != "options"} | config.options
    return summary


async def _one(
    config: SimConfig,
    session: aiohttp.ClientSession,
    stats: Stats,
    budget: Budget,
    index: int,
    interval: float | None,
    ack_log: AckLog | None = None,
) -> None:
    rng = random.Random(config.seed * 1_000_003 + index)
    if config.ramp_up:
        await asyncio.sleep(config.ramp_up * index / max(1, config.charge_points))
    cp = SimulatedChargePoint(
        config.url + _path(config, index),
        f"{config.id_prefix}-{index:05d}",
        stats,
        call_timeout=config.call_timeout,
        ack_log=ack_log,
        subprotocol=SUBPROTOCOLS.get(config.scenario, "ocpp1.6"),
    )

    async def reconnect() -> None:
        await cp.close()
        for attempt in range(5):
            if budget.stopped:
                return
            try:
                await cp.connect(session)
                return
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                stats.connect_failed(error)
                await asyncio.sleep(0.2 * (attempt + 1))

    try:
        await cp.connect(session)
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        stats.connect_failed(error)
        if not config.reconnect:
            return
    ctx = Context(cp, Pace(budget, interval, rng), rng, index, reconnect, config.options)
    try:
        while True:
            try:
                await SCENARIOS[config.scenario](ctx)
                return
            except (ConnectionError, TimeoutError, aiohttp.ClientError, CallFailedError):
                if not config.reconnect or budget.stopped:
                    return
            await asyncio.sleep(0.05 + rng.uniform(0, 0.2))  # not all at once
            await reconnect()
    finally:
        await cp.close()
