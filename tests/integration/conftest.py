from __future__ import annotations

from collections.abc import Iterator

import pytest

from cs.adapters.eventstore import EventStore, eventstore_env

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    store = EventStore(env=eventstore_env(database_url))
    yield store
    store.close()
