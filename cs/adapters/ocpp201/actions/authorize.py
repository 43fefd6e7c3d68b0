"""Authorize (OCPP 2.0.1 C01): an idToken's IdTokenInfo from the registry and the policy."""

from __future__ import annotations

from cs.adapters.ocpp201.actions._id_token_info import id_token_info
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.transactions.authorize import AuthorizationService


class Authorize:
    """Answers whether the idToken may charge (`AuthorizationService`).

    The token's `idToken` is looked up as an id tag, whatever its `type`; ISO 15118
    certificate data is recorded in the frame, not checked (no certificate authority).
    """

    def __init__(self, authorizations: AuthorizationService) -> None:
        self._authorizations = authorizations

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        info = await self._authorizations.authorize(ctx, payload["idToken"]["idToken"])
        return {"idTokenInfo": id_token_info(info)}
