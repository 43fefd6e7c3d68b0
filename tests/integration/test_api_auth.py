"""REST access control and limits, in-process over real HTTP, on a real PostgreSQL.

Every test here runs with CS_API_AUTH=on (the product default; the other integration
tests turn it off explicitly to test other features).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from cs.adapters.api_keys import KeyTable, Role
from cs.http.keys import SETTINGS
from cs.sim.commands import answer as simulated_answer
from tests.integration.conftest import base
from tests.support.builders import a_boot_notification
from tests.support.responder import Answer, Responder
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
Client = TestClient[Any, Any]
ON = {"api_auth": "on"}
pytestmark = [pytest.mark.postgres, pytest.mark.settings(**ON)]


@pytest.fixture
def keys(client: Client, database_url: str) -> KeyTable:
    """The key table of the running app (created by its start)."""
    return KeyTable(database_url)


def make_key(keys: KeyTable, role: str, name: str = "test", **kwargs: Any) -> str:
    return keys.create(name, Role(role), created_by="test", **kwargs).text


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def call(
    client: Client, method: str, path: str, key: str | None = None, **kwargs: Any
) -> tuple[int, Any, Any]:
    headers = {**(bearer(key) if key else {}), **kwargs.pop("headers", {})}
    response = await client.request(method, path, headers=headers, **kwargs)
    body = await response.json() if response.content_type == "application/json" else None
    return response.status, body, response.headers


@pytest.fixture
async def box(client: Client) -> AsyncIterator[Responder]:
    """A booted charge point (websockets need no API key) that answers Reset."""
    responder = await Responder.connect(base(client), "AUTH-1")
    responder.answer("Reset", lambda p: Answer(result=simulated_answer("Reset", p, {})))
    assert (await responder.call("BootNotification", a_boot_notification()))[0] == 3
    yield responder
    await responder.close()


async def test_without_a_key_reads_and_writes_are_401_but_health_and_the_document_are_open(
    client: Client,
) -> None:
    for method, path in [
        ("GET", "/summary"),
        ("GET", "/charge-boxes"),
        ("GET", "/sessions/1/history"),
        ("PUT", "/tokens/ABC"),
        ("DELETE", "/tokens/ABC"),
        ("POST", "/charge-boxes/CP-1/remote/reset"),
        ("GET", "/api-keys"),
        ("GET", "/no/such/path"),  # no route: still 401, nothing learnt without a key
    ]:
        status, body, headers = await call(client, method, path, json={"status": "Accepted"})
        assert (status, body["code"]) == (401, "unauthorized"), (method, path, body)
        assert "Authorization: Bearer" in body["error"]
        assert headers["WWW-Authenticate"].startswith("Bearer")
    for path in ("/health", "/openapi.json"):
        assert (await client.get(path)).status == 200


async def test_a_websocket_path_without_a_charge_point_id_is_404(client: Client) -> None:
    # OCPP-J 1.6 section 3.1.1: the charge point's id is the last path segment; without
    # one there is no such endpoint. A plain HTTP GET and a websocket upgrade alike.
    for path in ("/ocpp/", "/ocpp", "/ws/default/", "/ws/"):
        status, body, _ = await call(client, "GET", path)
        assert (status, body["code"]) == (404, "not_found"), (path, body)
    upgrade = await client.get(
        "/ocpp/",
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Protocol": "ocpp1.6",
        },
    )
    assert upgrade.status == 404


def every_route(client: Client) -> list[tuple[str, str]]:
    """(method, concrete path) of every route the app serves, path parameters filled in."""
    routes = []
    for route in client.app.router.routes():
        resource = route.resource
        if resource is None or route.method == "HEAD":
            continue
        routes.append((route.method, re.sub(r"\{[^}]+\}", "X1", resource.canonical)))
    return routes


@pytest.mark.settings(**ON, api_auth_failure_rate=0)  # many 401s from one address on purpose
async def test_no_route_but_the_public_ones_is_reachable_without_a_key_or_with_too_low_a_role(
    client: Client, keys: KeyTable
) -> None:
    """Walks the router itself, so a route added later is covered without being listed."""
    read_key = make_key(keys, "read")
    public = {
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("GET", "/ocpp/X1"),
        ("GET", "/ws/X1/X1"),
    }
    routes = every_route(client)
    writes = [(m, p) for m, p in routes if m not in ("GET", "OPTIONS")]
    assert len(routes) > 30, routes  # the walk found the API
    assert len(writes) > 5, writes
    for method, path in routes:
        if (method, path) in public:
            continue
        status, body, _ = await call(client, method, path, json={})
        assert (status, body["code"]) == (401, "unauthorized"), (method, path)
    for method, path in writes:
        status, body, _ = await call(client, method, path, read_key, json={})
        assert (status, body["code"]) == (403, "forbidden"), (method, path)


async def test_unknown_malformed_and_wrong_keys_are_401(client: Client, keys: KeyTable) -> None:
    real = make_key(keys, "admin")
    wrong_secret = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    unknown_id = "cs_00000000_" + real.split("_", 2)[2]
    for presented in ["nope", wrong_secret, unknown_id, real + "x", ""]:
        status, body, headers = await call(
            client,
            "GET",
            "/summary",
            presented or None,
            headers={} if presented else {"Authorization": "Bearer"},
        )
        assert status == 401, presented
        assert body["code"] in ("invalid_api_key", "unauthorized")
        assert "WWW-Authenticate" in headers
    status, body, _ = await call(
        client, "GET", "/summary", headers={"Authorization": f"Basic {real}"}
    )
    assert (status, body["code"]) == (401, "invalid_api_key")
    assert (await call(client, "GET", "/summary", real))[0] == 200
    assert (await call(client, "GET", "/summary", headers={"X-API-Key": real}))[0] == 200


async def test_an_expired_key_is_401_from_the_moment_it_expires(
    client: Client, keys: KeyTable
) -> None:
    expired = make_key(keys, "operator", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    status, body, _ = await call(client, "GET", "/summary", expired)
    assert (status, body["code"]) == (401, "api_key_expired")
    soon = make_key(keys, "read", expires_at=datetime.now(UTC) + timedelta(seconds=1.5))
    assert (await call(client, "GET", "/summary", soon))[0] == 200  # now cached
    await eventually(
        lambda: call(client, "GET", "/summary", soon),
        lambda r: r[0] == 401,
        timeout=3,
        what="expiry honoured although the key is cached",
    )


async def test_a_revoke_takes_effect_within_the_cache_time(client: Client, keys: KeyTable) -> None:
    key = make_key(keys, "read")
    key_id = key.split("_")[1]
    assert (await call(client, "GET", "/summary", key))[0] == 200  # cached from now on
    bound = client.app[SETTINGS].api_key_cache_seconds
    keys.revoke(key_id, by="another node")  # not through this node: only the cache time helps
    revoked_at = time.monotonic()
    _, body, _ = await eventually(
        lambda: call(client, "GET", "/summary", key),
        lambda r: r[0] == 401,
        timeout=bound + 2,
        interval=0.1,
        what="revoked key refused",
    )
    assert time.monotonic() - revoked_at <= bound + 0.5
    assert (body["code"], body["key_id"]) == ("api_key_revoked", key_id)


async def test_a_read_key_can_query_but_not_command_or_change(
    client: Client, keys: KeyTable, box: Responder
) -> None:
    key = make_key(keys, "read", name="dashboard")
    for path in ("/summary", "/charge-boxes/AUTH-1", "/charge-boxes/AUTH-1/commands", "/tokens"):
        assert (await call(client, "GET", path, key))[0] == 200, path
    for method, path, body in [
        ("POST", "/charge-boxes/AUTH-1/remote/reset", {"type": "soft"}),
        ("PUT", "/tokens/ABC", {"status": "Accepted"}),
        ("DELETE", "/tokens/ABC", None),
        ("PUT", "/charge-boxes/AUTH-1/registration", {"status": "Accepted"}),
    ]:
        status, answer, _ = await call(client, method, path, key, json=body)
        assert (status, answer["code"], answer["required_role"]) == (403, "forbidden", "operator")
    status, answer, _ = await call(client, "GET", "/api-keys", key)
    assert (status, answer["required_role"]) == (403, "admin")
    assert box.received == []  # nothing reached the charger


async def test_an_operator_command_records_the_key_not_a_claimed_user(
    client: Client, keys: KeyTable, box: Responder
) -> None:
    key = make_key(keys, "operator", name="ops-bot")
    key_id = key.split("_")[1]
    status, body, _ = await call(
        client,
        "POST",
        "/charge-boxes/AUTH-1/remote/reset",
        key,
        json={"type": "soft"},
        headers={"x-user-id": "somebody-else"},
    )
    assert status == 200, body
    assert body["requested_by"] == f"key:{key_id} (ops-bot)"
    assert box.received[-1] == ("Reset", {"type": "Soft"})
    _, listed, _ = await eventually(
        lambda: call(client, "GET", "/charge-boxes/AUTH-1/commands", key),
        lambda r: r[0] == 200 and len(r[1]["items"]) == 1,
        what="command listed",
    )
    assert listed["items"][0]["requested_by"] == f"key:{key_id} (ops-bot)"
    status, _, _ = await call(
        client, "PUT", "/tokens/ABC", key, json={"status": "Accepted"}, headers={"x-user-id": "x"}
    )
    assert status == 201
    status, _, _ = await call(client, "GET", "/api-keys", key)
    assert status == 403  # operators do not manage keys


async def test_an_admin_manages_keys_over_rest(client: Client, keys: KeyTable) -> None:
    admin = make_key(keys, "admin", name="root")
    status, created, headers = await call(
        client, "POST", "/api-keys", admin, json={"name": "grafana", "role": "read"}
    )
    assert status == 201, created
    assert created["key"].startswith(f"cs_{created['key_id']}_")
    assert created["created_by"] == f"key:{admin.split('_')[1]} (root)"
    assert headers["Cache-Control"] == "no-store"
    assert (await call(client, "GET", "/summary", created["key"]))[0] == 200
    status, listing, _ = await call(client, "GET", "/api-keys", admin)
    assert status == 200
    assert {item["name"] for item in listing["items"]} >= {"root", "grafana"}
    assert all("key" not in item and "secret_sha256" not in item for item in listing["items"])
    status, revoked, _ = await call(client, "DELETE", f"/api-keys/{created['key_id']}", admin)
    assert (status, revoked["revoked_by"]) == (200, created["created_by"])
    status, body, _ = await call(client, "GET", "/summary", created["key"])
    assert (status, body["code"]) == (401, "api_key_revoked")  # at once on this node
    assert (await call(client, "DELETE", "/api-keys/ffffffff", admin))[0] == 404
    status, body, _ = await call(
        client, "POST", "/api-keys", admin, json={"name": "x", "role": "root"}
    )
    assert (status, body["code"]) == (422, "invalid_body")


@pytest.mark.settings(**ON, api_max_body_bytes=2048)
async def test_a_body_over_the_limit_is_413_json_naming_the_limit(
    client: Client, keys: KeyTable
) -> None:
    key = make_key(keys, "operator")
    big = {"status": "Accepted", "padding": "x" * 4096}
    status, body, _ = await call(client, "PUT", "/tokens/ABC", key, json=big)
    assert (status, body["code"], body["max_body_bytes"]) == (413, "body_too_large", 2048)
    assert "2048 bytes (CS_API_MAX_BODY_BYTES)" in body["error"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: caught while reading
        for _ in range(8):
            yield b" " * 1024

    status, body, _ = await call(client, "PUT", "/tokens/ABC", key, data=chunks())
    assert (status, body["code"]) == (413, "body_too_large")
    status, body, _ = await call(client, "PUT", "/tokens/ABC", key, json={"status": "Accepted"})
    assert status == 201, body


@pytest.mark.settings(**ON, api_rate=1.0, api_burst=3)
async def test_a_key_over_its_rate_gets_429_with_retry_after_and_others_do_not(
    client: Client, keys: KeyTable
) -> None:
    busy, quiet = make_key(keys, "read", name="busy"), make_key(keys, "read", name="quiet")
    statuses = [(await call(client, "GET", "/summary", busy))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, body, headers = await call(client, "GET", "/summary", busy)
    assert (status, body["code"]) == (429, "rate_limited")
    assert int(headers["Retry-After"]) >= 1
    assert "1 requests/s per key (burst 3" in body["error"]
    assert [(await call(client, "GET", "/summary", quiet))[0] for _ in range(3)] == [200] * 3
    await eventually(
        lambda: call(client, "GET", "/summary", busy), lambda r: r[0] == 200, timeout=3
    )


@pytest.mark.settings(**ON, api_auth_failure_burst=3, api_auth_failure_rate=0.5)
async def test_failed_authentications_from_one_address_are_throttled(
    client: Client, keys: KeyTable
) -> None:
    good = make_key(keys, "read")
    assert (await call(client, "GET", "/summary", good))[0] == 200
    guesses = [f"cs_{n:08x}_{'A' * 43}" for n in range(6)]
    statuses = [(await call(client, "GET", "/summary", guess))[0] for guess in guesses]
    assert statuses == [401, 401, 401, 429, 429, 429]
    status, body, headers = await call(client, "GET", "/summary", guesses[0])
    assert (status, body["code"]) == (429, "rate_limited")
    assert int(headers["Retry-After"]) >= 1
    # a key already in use from here goes on working; a wrong secret for it does not
    assert (await call(client, "GET", "/summary", good))[0] == 200
    assert (await call(client, "GET", "/summary", good[:-1] + "-"))[0] == 429


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CS_DATABASE_URL": database_url, "CS_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "cs", "keys", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_keys_are_created_listed_and_revoked_by_the_cli(
    client: Client, database_url: str
) -> None:
    created = cli(
        database_url, "create", "--name", "ci-reader", "--role", "read", "--expires-in", "30"
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    key_id = key.split("_")[1]
    assert "shown once" in created.stderr
    status, _, _ = await call(client, "GET", "/summary", key)
    assert status == 200
    assert (await call(client, "PUT", "/tokens/ABC", key, json={"status": "Accepted"}))[0] == 403

    listing = cli(database_url, "list")
    assert listing.returncode == 0, listing.stderr
    line = next(line for line in listing.stdout.splitlines() if line.startswith(key_id))
    assert line.split()[1:3] == ["read", "active"]
    assert line.endswith("ci-reader")
    assert key.split("_", 2)[2] not in listing.stdout + cli(database_url, "list", "--json").stdout

    revoked = cli(database_url, "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in revoked.stdout
    assert "revoked" in next(
        line for line in cli(database_url, "list").stdout.splitlines() if line.startswith(key_id)
    )
    bound = client.app[SETTINGS].api_key_cache_seconds
    await eventually(
        lambda: call(client, "GET", "/summary", key),
        lambda r: r[0] == 401,
        timeout=bound + 2,
        what="revoked by the CLI",
    )
    assert cli(database_url, "revoke", "ffffffff").returncode == 1
    past = cli(
        database_url,
        "create",
        "--name",
        "x",
        "--role",
        "read",
        "--expires-at",
        "2020-01-01T00:00:00Z",
    )
    assert past.returncode == 2


@pytest.mark.settings(api_auth="off")
async def test_with_auth_off_everything_is_open_and_x_user_id_is_recorded(
    client: Client,
) -> None:
    status, body, _ = await call(
        client, "PUT", "/tokens/ABC", json={"status": "Accepted"}, headers={"x-user-id": "dev"}
    )
    assert status == 201, body
    assert (await call(client, "GET", "/summary"))[0] == 200
    async with aiohttp.ClientSession() as session:
        response = await session.put(
            base(client) + "/tokens/ABC", data=b"{" + b" " * (2 * 1024**2) + b"}"
        )
        assert response.status == 413  # the body limit holds with auth off too
        assert (await response.json())["code"] == "body_too_large"
