"""Use cases for the id tag registry (managed over REST)."""

from __future__ import annotations

from datetime import datetime

from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import Clock
from cs.app.recorder import Recorder
from cs.domain import ids
from cs.domain.authorization import AuthorizationStatus
from cs.domain.idtag import IdTag


class TokenService:
    """Registers, changes and removes id tags; each change is committed before it returns."""

    def __init__(self, *, recorder: Recorder, cache: AggregateCache, clock: Clock) -> None:
        self._recorder = recorder
        self._cache = cache
        self._clock = clock

    async def put(
        self,
        tenant_id: str,
        id_tag: str,
        status: AuthorizationStatus,
        *,
        expiry_date: datetime | None,
        parent_id_tag: str | None,
        by: str | None,
    ) -> tuple[IdTag, bool]:
        """Create or replace a registration; returns the tag and whether it was created."""
        tag = await self._tag(tenant_id, id_tag)
        created = not tag.aggregate.registered
        at = self._clock.now()
        tag.aggregate.register(
            status, expiry_date=expiry_date, parent_id_tag=parent_id_tag, by=by, at=at
        )
        await self._recorder.commit(tag)  # commits nothing when the registration is unchanged
        return tag.aggregate, created

    async def get(self, tenant_id: str, id_tag: str) -> IdTag | None:
        """The registered tag (from its events, so a write is visible at once), or None."""
        found = await get_typed(self._cache, ids.id_tag_id(tenant_id, id_tag), IdTag)
        if found is None or not found.aggregate.registered:
            return None
        return found.aggregate

    async def delete(self, tenant_id: str, id_tag: str, *, by: str | None) -> bool:
        """Remove a registration; False if the tag was not registered."""
        found = await get_typed(self._cache, ids.id_tag_id(tenant_id, id_tag), IdTag)
        if found is None or not found.aggregate.unregister(by=by, at=self._clock.now()):
            return False
        await self._recorder.commit(found)
        return True

    async def _tag(self, tenant_id: str, id_tag: str) -> Handle[IdTag]:
        found = await get_typed(self._cache, ids.id_tag_id(tenant_id, id_tag), IdTag)
        if found is not None:
            return found
        return self._cache.peek_or_add(IdTag.note(tenant_id, id_tag, self._clock.now()))
