"""An embedded PostgreSQL for `make run` on a machine with nothing but Python."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """A real PostgreSQL server from the `pgserver` package, with data under `data_dir`.

    Started on demand, stopped when the process exits; the data directory persists, so
    a restarted server finds every event again.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve() / "pgdata"
        self._server: Any = None

    def start(self) -> str:
        """Start (or reuse) the server; return its connection URL."""
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI)
            # and falls back to /tmp; harmless, but it read like an error at every start.
            warnings.simplefilter("ignore")
            import pgserver  # imported here: only `make run` without a database needs it

        logging.getLogger("pgserver").setLevel(logging.WARNING)  # it narrates every command
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(  # type: ignore[attr-defined]
            self.data_dir, cleanup_mode="stop"
        )
        url: str = self._server.get_uri()
        log.info("using the embedded PostgreSQL in %s (CS_DATABASE_URL is not set)", self.data_dir)
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
