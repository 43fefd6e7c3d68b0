"""Authorize (OCPP 1.6 section 4.1): idTagInfo from the registry and the policy."""

from __future__ import annotations

from cs.adapters.ocpp16.actions._idtaginfo import id_tag_info
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.transactions.authorize import AuthorizationService


class Authorize:
    """Answers whether the id tag may charge (`AuthorizationService`)."""

    def __init__(self, authorizations: AuthorizationService) -> None:
        self._authorizations = authorizations

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        info = await self._authorizations.authorize(ctx, payload["idTag"])
        return {"idTagInfo": id_tag_info(info)}
