"""What every action handler may use from its connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp.routing import on
from ocpp.v16.enums import Action

from cs.app.services import Services
from cs.app.uow import MessageContext

F = TypeVar("F", bound=Callable[..., Any])


def handles(action: Action) -> Callable[[F], F]:
    """The library's `@on(action)` route decorator, with its type kept."""
    return cast(Callable[[F], F], on(action))


class ActionHandler:
    """Base of the per-action mixins and of the connection class that combines them."""

    services: Services
    ctx: MessageContext | None

    @property
    def context(self) -> MessageContext:
        """The message being handled; set only while a handler runs."""
        if self.ctx is None:
            raise RuntimeError("no message is being handled")
        return self.ctx
