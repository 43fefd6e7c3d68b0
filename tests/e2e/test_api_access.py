"""REST access control of a real `python -m cs serve` with its default settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
KEY = re.compile(r"API key:\s+(cs_[0-9a-f]{8}_[A-Za-z0-9_-]{43})")


@pytest.fixture
def default_servers(database_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Servers as `make run` starts them: no CS_API_AUTH at all (the test support sets it)."""
    servers: list[ServerProcess] = []
    yield servers
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            server.stop()


def start_default(servers: list[ServerProcess], database_url: str, tmp_path: Path) -> ServerProcess:
    server = ServerProcess(database_url, tmp_path / f"server-{len(servers)}.log")
    server.env.pop("CS_API_AUTH")
    servers.append(server)
    return server.start()


async def request(
    server: ServerProcess, method: str, path: str, key: str | None = None, **kwargs: Any
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.base_url + path, headers=headers, **kwargs) as response,
    ):
        return response.status, await response.json()


async def test_by_default_writes_need_a_key_and_the_first_start_prints_one_admin_key_once(
    default_servers: list[ServerProcess], database_url: str, tmp_path: Path
) -> None:
    server = start_default(default_servers, database_url, tmp_path)
    for method, path in [
        ("PUT", "/tokens/04A2B3C4"),
        ("DELETE", "/tokens/04A2B3C4"),
        ("POST", "/charge-boxes/CP-1/remote/reset"),
        ("POST", "/evses/CP-1/remote/start-session"),
        ("PUT", "/charge-boxes/CP-1/registration"),
        ("POST", "/api-keys"),
        ("GET", "/summary"),
    ]:
        status, body = await request(server, method, path, json={"status": "Accepted"})
        assert (status, body["code"]) == (401, "unauthorized"), (method, path)
    assert server.health()["status"] == "ok"  # public

    log = server.log()
    printed = KEY.findall(log)
    assert len(printed) == 1, log
    admin = printed[0]
    assert "created admin key" in log
    assert log.count(admin) == 1  # the secret is in the banner only, not in the log line
    status, body = await request(
        server, "PUT", "/tokens/04A2B3C4", admin, json={"status": "Accepted"}
    )
    assert (status, body["status"]) == (201, "Accepted")
    status, body = await request(server, "GET", "/api-keys", admin)
    assert status == 200
    assert [(k["name"], k["role"]) for k in body["items"]] == [("first-start admin", "admin")]

    assert server.stop() == 0
    restarted = start_default(default_servers, database_url, tmp_path)
    assert KEY.findall(restarted.log()) == []  # printed once: a key exists now
    assert (await request(restarted, "GET", "/summary", admin))[0] == 200
