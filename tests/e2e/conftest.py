from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def start_server(database_url: str, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers on the test's database; every one still running is stopped at the end."""
    servers: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        server = ServerProcess(database_url, tmp_path / f"server-{len(servers)}.log", **env).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            server.stop()
