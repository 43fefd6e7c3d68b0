"""The command line: `python -m cs serve` (and, later, sim, relay, replay...)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

from aiohttp import web

from cs.cli_audit import add_commands as add_audit_commands
from cs.config import Settings

log = logging.getLogger("cs")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def _use_event_loop(kind: str) -> None:
    """uvloop's event loop when asked for and installed (measured: docs/performance.md)."""
    if kind != "uvloop":
        return
    try:
        import uvloop
    except ImportError:
        log.info("uvloop is not installed; using the asyncio event loop")
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def serve(settings: Settings) -> int:
    """Run a node until SIGINT or SIGTERM, then shut down cleanly."""
    from cs.bootstrap import bootstrap
    from cs.http.app import init_app

    system = bootstrap(settings)
    app = init_app(system)

    async def announce(_: web.Application) -> None:
        log.info(
            "listening on http://%s:%d (OCPP: ws://%s:%d/ocpp/{charge_box_id})",
            settings.host,
            settings.port,
            settings.host,
            settings.port,
        )

    app.on_startup.append(announce)
    _use_event_loop(settings.event_loop)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=15,
        handle_signals=True,
        backlog=2048,  # a reconnect storm after a deploy must not overflow the accept queue
    )
    log.info("stopped")
    return 0


def _serve(settings: Settings, _: argparse.Namespace) -> int:
    return serve(settings)


def _sim(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from cs.sim.runner import NotLoopbackError, SimConfig, run
    from cs.sim.stats import render

    url = args.url or f"http://127.0.0.1:{settings.port}"
    config = SimConfig(
        url=url,
        charge_points=args.charge_points,
        scenario=args.scenario,
        duration=args.duration,
        ramp_up=args.ramp_up,
        rate=args.rate,
        max_messages=args.max_messages,
        id_prefix=args.id_prefix,
        tenant=args.tenant,
        seed=args.seed,
        options={"meter_values": args.meter_values, "heartbeat_interval": args.heartbeat_interval},
    )
    try:
        summary = asyncio.run(run(config))
    except NotLoopbackError as error:
        print(f"cs sim: {error}", file=sys.stderr)
        return 2
    print(render(summary))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(summary, out, indent=2, default=str)
    return 0


def _project(settings: Settings, _: argparse.Namespace) -> int:
    """Run the projections until SIGINT/SIGTERM (as `cs serve` does with CS_PROJECTIONS=process)."""
    import signal

    from cs.bootstrap import open_storage

    storage = open_storage(settings)
    runner = storage.runner
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: runner.request_stop())
    _stop_with_parent(runner.request_stop)
    log.info("projections running (%d read models)", len(runner.projections))
    try:
        runner.run_until_stopped()
    finally:
        storage.close()
    return 0


def _relay(settings: Settings, _: argparse.Namespace) -> int:
    """Publish the event log to RabbitMQ until SIGINT/SIGTERM (one relay per database leads)."""
    import os

    from cs.adapters.amqp.relay import RelayConfigError, run_relay

    parent = os.environ.get("CS_PARENT_PID")  # set when `cs serve` runs it as a child
    try:
        asyncio.run(run_relay(settings, parent_pid=int(parent) if parent else None))
    except RelayConfigError as error:
        print(f"cs relay: {error}", file=sys.stderr)
        return 2
    return 0


def _stop_with_parent(stop: Callable[[], None]) -> None:
    """A child of `cs serve` (CS_PARENT_PID set) stops when its parent is gone, even killed."""
    import os
    import threading
    import time

    parent = os.environ.get("CS_PARENT_PID")
    if not parent:
        return

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.5)
        log.warning("parent process %s is gone; stopping", parent)
        stop()

    threading.Thread(target=watch, name="cs-parent-watch", daemon=True).start()


def _add_sim_parser(commands: Any) -> None:
    sim = commands.add_parser("sim", help="simulate charge points against a central system")
    sim.add_argument(
        "--url", help="central system base URL (loopback only); default: CS_PORT on 127.0.0.1"
    )
    sim.add_argument("-n", "--charge-points", type=int, default=10)
    sim.add_argument("--scenario", choices=["sessions", "idle", "abusive"], default="sessions")
    sim.add_argument("--duration", type=float, default=30.0, help="seconds after ramp-up")
    sim.add_argument("--ramp-up", type=float, default=0.0, help="seconds to connect them all")
    sim.add_argument(
        "--rate", type=float, help="total offered messages/s (default: as fast as answered)"
    )
    sim.add_argument("--max-messages", type=int, help="stop after this many messages")
    sim.add_argument("--meter-values", type=int, default=10, help="meter values per session")
    sim.add_argument("--heartbeat-interval", type=float, default=60.0, help="idle scenario")
    sim.add_argument("--id-prefix", default="SIM")
    sim.add_argument("--tenant")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--json", help="also write the summary as JSON to this file")
    sim.set_defaults(run=_sim)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cs", description="ChargeGrid Central System")
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="run the central system (websocket + REST)")
    serve_parser.set_defaults(run=_serve)
    _add_sim_parser(commands)
    project = commands.add_parser(
        "project", help="keep the read models up to date (one per cluster leads)"
    )
    project.set_defaults(run=_project)
    relay = commands.add_parser(
        "relay", help="publish the event log to RabbitMQ (one relay per database publishes)"
    )
    relay.set_defaults(run=_relay)
    add_audit_commands(commands)
    args = parser.parse_args(argv)
    settings = Settings()
    _configure_logging(settings.log_level)
    run: Callable[[Settings, argparse.Namespace], int] = getattr(args, "run", _serve)
    return run(settings, args)
