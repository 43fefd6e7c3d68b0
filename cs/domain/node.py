"""The node aggregate: one server process identity across restarts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from cs.domain import ids


class Node(Aggregate):
    """A server node (e.g. `host:port`), recording each start.

    A node that stopped without closing its connections (killed, crashed) records, when
    it starts again, which connections it found still open: those are over, and read
    models and subscribers learn it from `Started.orphaned_connections`.
    """

    TOPIC = "cs.Node"

    class Event(Aggregate.Event):
        """Base of every node event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.Node.Created"

    class Named(Created):
        TOPIC = "cs.Node.Named"
        node: str

    class Started(Event):
        """The node started; connections it held before are closed as of now."""

        TOPIC = "cs.Node.Started"
        orphaned_connections: list[str]

        def apply(self, node: Node) -> None:
            node.starts += 1

    def __init__(self, node: str) -> None:
        self.node = node
        self.starts = 0

    @classmethod
    def create_for(cls, node: str, at: datetime) -> Node:
        """The first start of a node named `node`."""
        return cls._create(cls.Named, id=ids.node_id(node), timestamp=at, node=node)

    def start(self, orphaned_connections: list[UUID], at: datetime) -> None:
        self.trigger_event(
            self.Started,
            timestamp=at,
            orphaned_connections=sorted(str(c) for c in orphaned_connections),
        )
