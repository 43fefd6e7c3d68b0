"""The command line: `python -m cs serve` (and, later, sim, relay, replay...)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from aiohttp import web

from cs.config import Settings

log = logging.getLogger("cs")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


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
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=15,
        handle_signals=True,
    )
    log.info("stopped")
    return 0


def _serve(settings: Settings, _: argparse.Namespace) -> int:
    return serve(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cs", description="ChargeGrid Central System")
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="run the central system (websocket + REST)")
    serve_parser.set_defaults(run=_serve)
    args = parser.parse_args(argv)
    settings = Settings()
    _configure_logging(settings.log_level)
    run: Callable[[Settings, argparse.Namespace], int] = getattr(args, "run", _serve)
    return run(settings, args)
