"""Authorize (OCPP 1.6 section 4.1): answer idTagInfo from the registry and the policy."""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions._idtaginfo import id_tag_info
from cs.adapters.ocpp16.actions.base import ActionHandler, handles


class AuthorizeHandler(ActionHandler):
    @handles(Action.authorize)
    async def on_authorize(self, id_tag: str) -> call_result.Authorize:
        info = await self.services.sessions.authorize(self.context, id_tag)
        return call_result.Authorize(id_tag_info=id_tag_info(info))
