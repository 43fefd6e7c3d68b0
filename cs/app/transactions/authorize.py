"""Use case: may this id token charge here? (OCPP 1.6 section 4.1, 2.0.1 C01)."""

from __future__ import annotations

from cs.app.recorder import MessageContext
from cs.app.transactions.lookups import SessionLookups
from cs.domain.authorization import IdTagInfo


class AuthorizationService:
    """Answers from the registry and the unknown-tag policy; every decision is an event.

    Promises: a tag with an active session is answered ConcurrentTx; an expired
    registration Expired; an unknown tag as the policy says.
    """

    def __init__(self, lookups: SessionLookups) -> None:
        self._lookups = lookups

    async def authorize(self, ctx: MessageContext, id_tag: str) -> IdTagInfo:
        tag = await self._lookups.tag(ctx, id_tag)
        info = self._lookups.decide(ctx, tag, "Authorize")
        ctx.save(tag)
        return info
