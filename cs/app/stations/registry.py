"""Use case: what operators register about a station (its boot answer, its security).

With several nodes, each caches the stations it uses. The node holding a station's
connection writes it all the time, so its copy is current; another node's copy may be
stale. A node that changes a station it does not hold therefore loads it afresh first,
then tells the holder to do the same (docs/adr/0013-command-routing.md).
"""

from __future__ import annotations

import logging

from cs.app.handles import AggregateCache, Handle, get_typed
from cs.app.ports import Clock, ConnectionDirectory, HolderNotices, StationLinks
from cs.app.recorder import Recorder
from cs.domain import ids
from cs.domain.chargebox import ChargeBox, check_security
from cs.domain.registration import RegistrationStatus

log = logging.getLogger(__name__)


class StationRegistry:
    """The registry of stations: each change is committed before it returns.

    Promises: a station registered over REST is the same aggregate its first
    connection would have registered; a change equal to the current state records
    nothing; a security profile without the key it needs is refused before anything
    is registered (ValueError); a change to a station another node holds is made on
    fresh state, and that node is told to reload it (best effort: without `notices`,
    or if the notice is lost, the holder's next write for it conflicts once).
    """

    def __init__(
        self,
        *,
        recorder: Recorder,
        cache: AggregateCache,
        clock: Clock,
        links: StationLinks,
        directory: ConnectionDirectory,
        node: str,
    ) -> None:
        self._recorder = recorder
        self._cache = cache
        self._clock = clock
        self._links = links
        self._directory = directory
        self._node = node
        self.notices: HolderNotices | None = None

    async def set_registration(
        self, tenant_id: str, charge_box_id: str, status: RegistrationStatus, *, by: str | None
    ) -> ChargeBox:
        """What this station's next boot is answered."""
        self._refresh_unless_held(tenant_id, charge_box_id)
        at = self._clock.now()
        box, _ = await self._recorder.station(tenant_id, charge_box_id, at)
        box.aggregate.set_registration(status, by=by, at=at)
        await self._recorder.commit(box)
        await self._tell_holder(tenant_id, charge_box_id)
        return box.aggregate

    async def configure_security(
        self,
        tenant_id: str,
        charge_box_id: str,
        security_profile: int,
        password_hash: str | None,
        *,
        by: str | None,
    ) -> tuple[ChargeBox, bool]:
        """Register a station's security profile (and key hash); True if it is new.

        `password_hash` None keeps the current key (profiles 1 and 2 need one by then).
        """
        self._refresh_unless_held(tenant_id, charge_box_id)
        at = self._clock.now()
        found = await self._handle(tenant_id, charge_box_id)
        if password_hash is None and found is not None:
            password_hash = found.aggregate.password_hash
        check_security(security_profile, password_hash)  # before anything is registered
        box, created = await self._recorder.station(tenant_id, charge_box_id, at)
        box.aggregate.configure_security(security_profile, password_hash, by=by, at=at)
        await self._recorder.commit(box)
        await self._tell_holder(tenant_id, charge_box_id)
        return box.aggregate, created

    async def known(self, tenant_id: str, charge_box_id: str) -> ChargeBox | None:
        """The station, if the central system has ever seen or registered it."""
        box = await self._handle(tenant_id, charge_box_id)
        return box.aggregate if box is not None else None

    async def current(self, tenant_id: str, charge_box_id: str) -> ChargeBox | None:
        """`known`, loaded afresh unless this node serves the station (for handshakes)."""
        self._refresh_unless_held(tenant_id, charge_box_id)
        return await self.known(tenant_id, charge_box_id)

    def refresh(self, tenant_id: str, charge_box_id: str) -> None:
        """Load the station afresh next time (unless units in flight still hold it).

        For a station this node does not serve: with several nodes, another one may
        have written it since it was cached here.
        """
        self._cache.forget(ids.charge_box_id(tenant_id, charge_box_id))

    def _refresh_unless_held(self, tenant_id: str, charge_box_id: str) -> None:
        if self._links.link(tenant_id, charge_box_id) is None:
            self.refresh(tenant_id, charge_box_id)

    async def _tell_holder(self, tenant_id: str, charge_box_id: str) -> None:
        """After changing a station held by another node: that node reloads it before
        its next write (else that write would conflict with ours once)."""
        notices = self.notices
        if notices is None or self._links.link(tenant_id, charge_box_id) is not None:
            return
        holder = await self._directory.node_holding(tenant_id, charge_box_id)
        if holder is not None and holder != self._node:
            await notices.refresh(holder, tenant_id, charge_box_id)

    async def _handle(self, tenant_id: str, charge_box_id: str) -> Handle[ChargeBox] | None:
        return await get_typed(self._cache, ids.charge_box_id(tenant_id, charge_box_id), ChargeBox)
