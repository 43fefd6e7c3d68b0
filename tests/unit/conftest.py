"""The unit tier: use cases and protocol adapters on fakes (tests/support/fakes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.station import Node, Station, a_node


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    """A node's core on fakes, with default settings."""
    async with a_node() as node:
        yield node


@pytest.fixture
async def station(node: Node) -> Station:
    """Charge point CP-1, connected to `node` (not booted)."""
    return await node.connect("CP-1")
