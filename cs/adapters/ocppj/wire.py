"""The socket side of one connection: a frame leaves only after its record is committed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from cs.adapters.ocppj import frames
from cs.adapters.ocppj.dialect import Dialect
from cs.adapters.ocppj.errors import InternalError
from cs.adapters.ocppj.transport import Transport, TransportClosedError
from cs.app.handles import Handle
from cs.app.ports import CommitFailedError
from cs.domain.connection import Connection

log = logging.getLogger(__name__)


class SessionEndedError(Exception):
    """The connection cannot continue (its record could not be committed)."""


class Wire:
    """One connection's socket and record, shared by its receive loop and its CALLs.

    Promises (DESIGN 4, durable before acknowledged): `commit_then_send` sends nothing
    unless the commit succeeded; when it fails, the CALL being answered (if any) gets
    an InternalError CALLERROR and the session ends (`SessionEndedError`).
    """

    __slots__ = ("charge_box_id", "connection", "connection_id", "dialect", "transport")

    def __init__(
        self, transport: Transport, connection: Handle[Connection], dialect: Dialect
    ) -> None:
        self.transport = transport
        self.connection = connection
        self.dialect = dialect
        self.connection_id = str(connection.aggregate.id)
        self.charge_box_id = connection.aggregate.charge_box_id

    async def commit_then_send(
        self, commit: Awaitable[None], frame: str | None, call_id: str | None = None
    ) -> None:
        """Await `commit` (a recorder call), then send `frame`; `call_id`: the CALL answered."""
        try:
            await commit
        except CommitFailedError as failure:
            log.error("%s: frame not committed: %s", self.charge_box_id, failure)
            # Never acknowledge what is not stored: answer an error, then end the session.
            if call_id is not None:
                error = InternalError()
                await self.send_quietly(
                    frames.dump_call_error(call_id, self.dialect.code(error), error)
                )
            raise SessionEndedError(str(failure)) from None
        if frame is not None:
            try:
                await self.transport.send(frame)
            except (ConnectionError, RuntimeError) as error:  # closed while committing
                raise TransportClosedError(None, f"could not send: {error}") from None

    async def send_quietly(self, text: str) -> None:
        try:
            await self.transport.send(text)
        except Exception as error:  # the socket may already be gone
            log.debug("%s: could not send: %s", self.charge_box_id, error)
