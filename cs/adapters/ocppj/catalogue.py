"""A version's commands: operations in, CALLs checked against its schemas out.

Shared by the OCPP versions: each gives its table of `Command`s (the action an
operation is, how its payload is built from the arguments, what an answer means), and
`Catalogue` builds the CALL, checks it against the version's schema and names the
field of a bad argument in REST's terms (snake_case).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cs.adapters.ocppj.casing import snake_path
from cs.adapters.ocppj.errors import RpcError
from cs.adapters.ocppj.schemas import PayloadValidator
from cs.app.commands import effects as fx
from cs.app.commands.calls import OutgoingCall, Payload
from cs.app.errors import InvalidCommand, UnsupportedOperation

Arguments = Mapping[str, Any]
Meaning = Callable[[Payload, Payload], Sequence[fx.Fact]]  # (payload sent, answer) -> facts
# A payload that sets the station's password -> (the payload redacted, the password)
Secret = Callable[[Payload], "tuple[Payload, str] | None"]
REDACTED = "[redacted]"  # stands for a station password in what is recorded


def nothing(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    """An answer that establishes no fact about the station."""
    return ()


@dataclass(frozen=True)
class Command:
    """One operation: the action it is, how its payload is built, what answers mean."""

    action: str
    build: Callable[[Arguments], Payload]
    meaning: Meaning = nothing
    # Where the payload names a field otherwise than REST's body (snake_case paths,
    # longest prefix first applies): so a bad value is named as the operator wrote it.
    fields: Mapping[str, str] = field(default_factory=dict)
    secret: Secret | None = None  # finds a station password the payload would set
    redacted_field: str = ""  # where REST's body holds it, to name it when it is refused


class Catalogue:
    """A `CommandCatalogue` over one version's table of commands.

    `name` and `version` name the version in errors ("OCPP 1.6", its subprotocol
    "ocpp1.6"); `spell` spells an error code as the version does.
    """

    def __init__(
        self,
        name: str,
        version: str,
        commands: Mapping[str, Command],
        validator: PayloadValidator,
        spell: Callable[[RpcError], str],
    ) -> None:
        self._name = name
        self._version = version
        self._commands = commands
        self._validator = validator
        self._spell = spell

    def prepare(self, operation: str, arguments: Arguments) -> OutgoingCall:
        command = self._commands.get(operation)
        if command is None:
            raise UnsupportedOperation(
                f"{self._name} has no operation {operation!r}", version=self._version
            )
        payload = command.build(arguments)
        try:
            self._validator.check_request(command.action, payload)
        except RpcError as error:
            raise self._invalid(error, command.fields) from None
        found = command.secret(payload) if command.secret is not None else None
        if found is None:
            return OutgoingCall(command.action, payload, partial(command.meaning, payload))
        recorded, secret = found
        _check_password(secret, command.redacted_field)
        # The answer is read against the redacted payload: no fact holds the password.
        return OutgoingCall(
            command.action, payload, partial(command.meaning, recorded), recorded, secret
        )

    def _invalid(self, error: RpcError, renamed: Mapping[str, str]) -> InvalidCommand:
        field = _in_rests_terms(snake_path(str(error.details.get("field", ""))), renamed)
        return InvalidCommand(
            f"invalid value for: {field}",
            problems=[
                {"field": field, "message": str(error.description), "type": self._spell(error)}
            ],
        )


def _check_password(secret: str, field: str) -> None:
    """The rule the registry applies to a key (docs/security.md): 16 to 40 printable
    ASCII characters (2.0.1 A00: BasicAuthPassword is at most 40)."""
    if 16 <= len(secret) <= 40 and secret.isascii() and secret.isprintable():
        return
    message = "a station password is 16 to 40 printable ASCII characters"
    raise InvalidCommand(
        f"invalid value for: {field}",
        problems=[{"field": field, "message": message, "type": "value_error"}],
    )


def _in_rests_terms(path: str, renamed: Mapping[str, str]) -> str:
    """`path` of the payload as REST's body names it ("(body)" for the whole payload)."""
    for prefix in sorted(renamed, key=len, reverse=True):
        if path == prefix or path.startswith((f"{prefix}.", f"{prefix}[")):
            return renamed[prefix] + path[len(prefix) :]
    return path or "(body)"
