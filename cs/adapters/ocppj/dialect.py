"""What one OCPP version adds to OCPP-J: its name, its spelling, what it serves and sends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cs.adapters.ocppj.errors import NotImplementedAction, NotSupportedAction, RpcError
from cs.adapters.ocppj.schemas import PayloadValidator
from cs.app.commands.calls import OutgoingCall
from cs.app.recorder import MessageContext
from cs.domain.chargebox import ChargeBox

Payload = dict[str, Any]


class ActionHandler(Protocol):
    """Serves one action a station sends: a payload valid for its schema in, the answer out.

    A handler translates the payload into central-system terms, calls one use case and
    builds the answer; it raises `RpcError` for what the schema cannot say.
    """

    def __call__(self, ctx: MessageContext, payload: Payload) -> Awaitable[Payload]: ...


class CommandCatalogue(Protocol):
    """Turns operations (REST's names and JSON arguments) into this version's CALLs."""

    def prepare(self, operation: str, arguments: Mapping[str, Any]) -> OutgoingCall:
        """The CALL, checked against the schema; raises `InvalidCommand` or
        `UnsupportedOperation`."""
        ...


# Whether a station in this state may send this action: None, or why not (SecurityError).
Admission = Callable[[ChargeBox, str], str | None]


@dataclass(frozen=True)
class Dialect:
    """One OCPP version on OCPP-J.

    `actions` serve the CALLs a station sends; `known_actions` are every action the
    version defines (one we do not serve is NotSupported, an unknown one NotImplemented);
    `spelling` maps an error's code to this version's name where they differ; `admits`
    is the version's rule for stations whose boot was not accepted;
    `answers_unknown_message_types` says whether a frame with an unknown MessageTypeId
    is answered (2.0.1: MessageTypeNotSupported) or ignored (1.6).
    """

    subprotocol: str
    validator: PayloadValidator
    actions: Mapping[str, ActionHandler]
    known_actions: frozenset[str]
    commands: CommandCatalogue
    admits: Admission
    spelling: Mapping[str, str]
    answers_unknown_message_types: bool = False

    def code(self, error: RpcError) -> str:
        """The CALLERROR code of `error` as this version spells it."""
        return self.spelling.get(error.code, error.code)

    def handler(self, action: str) -> ActionHandler:
        """The handler of `action`; raises NotSupported or NotImplemented."""
        handler = self.actions.get(action)
        if handler is not None:
            return handler
        if action in self.known_actions:
            # An action of this version we do not serve, e.g. one only a central system sends.
            raise NotSupportedAction(details={"action": action})
        raise NotImplementedAction(details={"action": action})
