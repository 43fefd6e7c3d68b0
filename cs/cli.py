"""The command line: `python -m cs serve` (and, later, sim, relay, replay...)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import socket
import ssl
import sys
from collections.abc import Callable
from typing import Any

from aiohttp import web

from cs.cli_audit import add_commands as add_audit_commands
from cs.cli_keys import add_commands as add_key_commands
from cs.config import Settings

log = logging.getLogger("cs")
LISTEN_BACKLOG = 65_535  # as many as the kernel allows (net.core.somaxconn)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiormq logs every lost broker connection as an ERROR with a traceback, and every
    # failed reconnect attempt; the relay and the command bus log each once, in words.
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)


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

    tls = tls_context(settings)
    # Bound before anything starts: a second instance on a taken port must fail before
    # it records its start (which closes the connections its node name left open).
    try:
        plain = _bind(settings.host, settings.port)
        secure = (
            _bind(settings.host, settings.tls_port)
            if tls is not None and settings.tls_port is not None
            else None
        )
    except OSError as error:
        log.error("%s (set CS_HOST / CS_PORT / CS_TLS_PORT)", error.strerror or error)
        return 1
    system = bootstrap(settings)
    app = init_app(system)
    _use_event_loop(settings.event_loop)
    with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):  # the way to stop
        asyncio.run(_listen(app, settings, plain, secure, tls))
    log.info("stopped")
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket; the backlog absorbs a reconnect storm after a deploy.

    The kernel caps it at net.core.somaxconn (4096 by default): a storm larger than the
    accept queue sees SYNs dropped and retried after 1, 3, 7... s (docs/operations.md).
    """
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    try:
        return socket.create_server(address, family=family, backlog=LISTEN_BACKLOG)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise OSError(error.errno, f"cannot listen on {host}:{port}: {reason}") from None


async def _listen(
    app: web.Application,
    settings: Settings,
    plain: socket.socket,
    secure: socket.socket | None,
    tls: ssl.SSLContext | None,
) -> None:
    """Serve `app` on the plain socket and, with TLS configured, on the TLS one too."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=15, handle_signals=True)
    await runner.setup()
    try:
        await web.SockSite(runner, plain, backlog=LISTEN_BACKLOG).start()
        log.info(
            "listening on http://%s:%d (OCPP: ws://%s:%d/ocpp/{charge_box_id})",
            settings.host,
            settings.port,
            settings.host,
            settings.port,
        )
        if secure is not None and tls is not None:
            await web.SockSite(runner, secure, ssl_context=tls, backlog=LISTEN_BACKLOG).start()
            log.info(
                "listening on https://%s:%d (OCPP: wss://%s:%d/ocpp/{charge_box_id})",
                settings.host,
                settings.tls_port,
                settings.host,
                settings.tls_port,
            )
        await asyncio.Event().wait()  # until SIGINT/SIGTERM raise GracefulExit
    finally:
        await runner.cleanup()


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The server's TLS context (TLS 1.2 or newer, as the Security Whitepaper requires).

    With a client CA, charge boxes may present a certificate (security profile 3); it is
    verified against that CA and its common name is checked at the handshake.
    """
    if settings.tls_port is None or settings.tls_cert_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    if settings.tls_client_ca_file is not None:
        context.load_verify_locations(cafile=str(settings.tls_client_ca_file))
        context.verify_mode = ssl.CERT_OPTIONAL  # profiles 1 and 2 bring no certificate
    return context


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
        ack_log=args.ack_log,
        reconnect=args.reconnect,
        options={
            "meter_values": args.meter_values,
            "meter_mix": args.meter_mix,
            "heartbeat_interval": args.heartbeat_interval,
        },
    )
    _use_event_loop(settings.event_loop)  # the simulator's own CPU is load on the host too
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

    from cs.adapters.child import ParentWatch, parent_pid
    from cs.adapters.storage import open_storage

    storage = open_storage(settings)
    runner = storage.runner
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: runner.request_stop())
    parent = parent_pid()  # set when `cs serve` runs it as a child
    if parent is not None:
        ParentWatch(parent, runner.request_stop, what="the projections").start()
    log.info("projections running (%d read models)", len(runner.projections))
    try:
        runner.run_until_stopped()
    finally:
        storage.close()
    return 0


def _relay(settings: Settings, _: argparse.Namespace) -> int:
    """Publish the event log to RabbitMQ until SIGINT/SIGTERM (one relay per database leads)."""
    from cs.adapters.amqp.relay import RelayConfigError, run_relay
    from cs.adapters.child import parent_pid

    try:  # CS_PARENT_PID is set when `cs serve` runs it as a child
        asyncio.run(run_relay(settings, parent_pid=parent_pid()))
    except RelayConfigError as error:
        print(f"cs relay: {error}", file=sys.stderr)
        return 2
    return 0


def _add_sim_parser(commands: Any) -> None:
    sim = commands.add_parser("sim", help="simulate charge points against a central system")
    sim.add_argument(
        "--url", help="central system base URL (loopback only); default: CS_PORT on 127.0.0.1"
    )
    sim.add_argument("-n", "--charge-points", type=int, default=10)
    sim.add_argument(
        "--scenario", choices=["sessions", "sessions201", "idle", "abusive"], default="sessions"
    )
    sim.add_argument("--duration", type=float, default=30.0, help="seconds after ramp-up")
    sim.add_argument("--ramp-up", type=float, default=0.0, help="seconds to connect them all")
    sim.add_argument(
        "--rate", type=float, help="total offered messages/s (default: as fast as answered)"
    )
    sim.add_argument("--max-messages", type=int, help="stop after this many messages")
    sim.add_argument("--meter-values", type=int, default=10, help="meter values per session")
    sim.add_argument(
        "--meter-mix",
        choices=["ac", "dc", "light"],
        default="ac",
        help="what each MeterValue carries: 3-phase AC (6 values), DC (14) or light (4)",
    )
    sim.add_argument("--heartbeat-interval", type=float, default=60.0, help="idle scenario")
    sim.add_argument("--id-prefix", default="SIM")
    sim.add_argument("--tenant")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--json", help="also write the summary as JSON to this file")
    sim.add_argument(
        "--ack-log",
        metavar="FILE",
        help="append a JSON line (charge_box_id, unique_id, action, answer, error_code, "
        "answered_at) to FILE for every CALL answered",
    )
    sim.add_argument(
        "--reconnect",
        action="store_true",
        help="after a lost connection or a CALLERROR, reconnect and start the scenario again",
    )
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
    add_key_commands(commands)
    args = parser.parse_args(argv)
    settings = Settings()
    _configure_logging(settings.log_level)
    run: Callable[[Settings, argparse.Namespace], int] = getattr(args, "run", _serve)
    return run(settings, args)
