"""`python -m cs relay`: one relay for the settings, until a signal or its parent's death."""

from __future__ import annotations

import asyncio
import signal
import threading

from cs.adapters.amqp.relay.loop import OutboxRelay
from cs.adapters.child import ParentWatch
from cs.adapters.eventstore import EventStore, eventstore_env
from cs.config import Settings


class RelayConfigError(ValueError):
    """The relay cannot run with these settings (no database or no broker configured)."""


async def run_relay(settings: Settings, *, parent_pid: int | None = None) -> None:
    """Run a relay for `settings` until SIGINT/SIGTERM (`python -m cs relay`).

    Needs `CS_DATABASE_URL` (the relay reads the server's database; it never starts an
    embedded one) and `CS_AMQP_URL`. Creates the event tables if missing, so a relay may
    start before the first server. With `parent_pid`, it also stops when that process is
    gone (as a child of `cs serve`).
    """
    database_url, amqp_url = _urls(settings)
    store = await asyncio.to_thread(
        EventStore, env=eventstore_env(database_url, pool_size=1, max_overflow=1)
    )
    try:
        relay = OutboxRelay.for_store(store, database_url=database_url, amqp_url=amqp_url)
        handled = _stop_on_signals(relay)
        watch = (
            ParentWatch(parent_pid, relay.stop, what="the relay").start() if parent_pid else None
        )
        try:
            await relay.run()
        finally:
            loop = asyncio.get_running_loop()
            for sig in handled:
                loop.remove_signal_handler(sig)
            if watch is not None:
                watch.cancel()
    finally:
        await asyncio.to_thread(store.close)


def _urls(settings: Settings) -> tuple[str, str]:
    if settings.database_url is None:
        raise RelayConfigError(
            "the relay needs CS_DATABASE_URL: the database of the servers whose events it "
            "publishes (it does not start an embedded PostgreSQL)"
        )
    if settings.amqp_url is None:
        raise RelayConfigError("the relay needs CS_AMQP_URL, e.g. amqp://guest:guest@127.0.0.1/")
    return settings.database_url, settings.amqp_url


def _stop_on_signals(relay: OutboxRelay) -> list[signal.Signals]:
    """SIGINT and SIGTERM stop the relay (only the main thread can handle signals)."""
    if threading.current_thread() is not threading.main_thread():
        return []
    loop = asyncio.get_running_loop()
    handled = [signal.SIGINT, signal.SIGTERM]
    for sig in handled:
        loop.add_signal_handler(sig, relay.stop)
    return handled
