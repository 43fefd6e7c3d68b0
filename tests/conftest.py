"""Shared fixtures: real PostgreSQL databases, service checks that fail loudly in CI."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
ADMIN_URL = os.environ.get("CS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def service_missing(what: str, reason: object) -> None:
    """In CI a missing service fails the test; elsewhere the test is skipped, saying why."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not reachable: {reason}", pytrace=False)
    pytest.skip(f"{what} is not reachable ({reason}); in CI (CI=true) this fails instead")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        service_missing("PostgreSQL", error)
    return ADMIN_URL


@contextlib.contextmanager
def fresh_database(pg_admin_url: str) -> Iterator[str]:
    name = f"cs_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_conninfo(pg_admin_url, dbname=name)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    with fresh_database(pg_admin_url) as url:
        yield url


@pytest.fixture
def another_database_url(pg_admin_url: str) -> Iterator[str]:
    """A second fresh database, for tests that compare two stores."""
    with fresh_database(pg_admin_url) as url:
        yield url
