"""What the transaction use cases share: finding tags and sessions, deciding about tags."""

from __future__ import annotations

from typing import Any

from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.recorder import MessageContext
from cs.domain import ids
from cs.domain.authorization import IdTagInfo, UnknownTagPolicy
from cs.domain.idtag import IdTag
from cs.domain.session import ChargingSession


class SessionLookups:
    """Loads id tags and sessions through the cache, and records authorization decisions.

    `policy` is what an id tag the registry does not know is answered.
    """

    def __init__(self, *, cache: AggregateCache, policy: UnknownTagPolicy) -> None:
        self.cache = cache
        self._policy = policy

    async def tag(self, ctx: MessageContext, id_tag: str) -> Handle[IdTag]:
        """The tag's aggregate; a tag never seen is noted (in memory until saved)."""
        found = await get_typed(self.cache, ids.id_tag_id(ctx.tenant_id, id_tag), IdTag)
        if found is not None:
            return found
        return self.cache.peek_or_add(IdTag.note(ctx.tenant_id, id_tag, ctx.received_at))

    async def session(self, transaction_id: int | None) -> Handle[ChargingSession] | None:
        if transaction_id is None or transaction_id <= 0:
            return None
        return await get_typed(self.cache, ids.session_id(transaction_id), ChargingSession)

    def decide(
        self,
        ctx: MessageContext,
        tag: Handle[IdTag],
        purpose: str,
        *,
        concurrency: bool = True,
    ) -> IdTagInfo:
        """Decide about `tag` for `purpose` and record the decision on it."""
        return tag.aggregate.authorize(
            purpose=purpose,
            policy=self._policy,
            charge_box=(ctx.tenant_id, ctx.charge_box_id),
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
            check_concurrency=concurrency,
        )


def present(*handles: Handle[Any] | None) -> list[Handle[Any]]:
    return [handle for handle in handles if handle is not None]
