from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from cs.adapters.eventstore import EventStore, eventstore_env
from cs.bootstrap import bootstrap
from cs.config import Settings
from cs.http.app import init_app
from tests.support.server import TESTS_CLOCK_TOLERANCE

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    store = EventStore(env=eventstore_env(database_url))
    yield store
    store.close()


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Settings:
    """Settings of the in-process app; `@pytest.mark.settings(name=value)` overrides some.

    REST access control is off here (explicitly: the product default is on): these tests
    are about other features; tests/integration/test_api_auth.py turns it on.
    """
    marker = request.node.get_closest_marker("settings")
    overrides = marker.kwargs if marker else {}
    # the e2e tests cover projections="process"; the builders' frames carry fixed times
    # (2026-11-25), so clocks are trusted for years here (tests of clock trust set theirs)
    values = {
        "projections": "thread",
        "api_auth": "off",
        "clock_tolerance": TESTS_CLOCK_TOLERANCE,
        **overrides,
    }
    return Settings(database_url=database_url, data_dir=tmp_path, node="in-process", **values)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """The whole app, in-process, on a real PostgreSQL, on a real port."""
    app = init_app(bootstrap(settings))
    async with TestClient(TestServer(app)) as client:
        yield client


def base(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("")).rstrip("/")


async def get_json(client: TestClient[Any, Any], path: str, **headers: str) -> tuple[int, Any]:
    response = await client.get(path, headers=headers)
    return response.status, await response.json()
