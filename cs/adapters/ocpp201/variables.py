"""The 2.0.1 device model commands' payloads: GetVariables / SetVariables answers read
into facts (B05, B06), and the station password a SetVariables may carry (A01)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cs.adapters.ocppj.catalogue import REDACTED
from cs.app.commands import effects as fx
from cs.app.commands.calls import Payload


def variable_of(item: Payload) -> tuple[Any, ...]:
    """What names a variable attribute in a request or a result (component, its EVSE,
    variable, attribute type): results need not come in the order asked (B05, B06)."""
    component = item.get("component") or {}
    variable = item.get("variable") or {}
    evse = component.get("evse") or {}
    return (
        component.get("name"),
        component.get("instance"),
        evse.get("id"),
        evse.get("connectorId"),
        variable.get("name"),
        variable.get("instance"),
        item.get("attributeType") or "Actual",
    )


def variables(kind: str) -> Any:
    """GetVariables / SetVariables results (B06, B05): a set result's value is the one
    asked for that same variable attribute."""

    def meaning(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
        key = "getVariableResult" if kind == "read" else "setVariableResult"
        asked = {
            variable_of(item): item.get("attributeValue")
            for item in sent.get("getVariableData" if kind == "read" else "setVariableData") or []
        }
        results = []
        for item in result.get(key) or []:
            value = item.get("attributeValue") if kind == "read" else asked.get(variable_of(item))
            results.append(
                fx.VariableResult(
                    component=dict(item.get("component") or {}),
                    variable=dict(item.get("variable") or {}),
                    attribute_type=str(item.get("attributeType") or "Actual"),
                    value=None if value is None else str(value),
                    status=str(item.get("attributeStatus")),
                )
            )
        facts: list[fx.Fact] = [fx.VariablesAnswered(kind, results)] if results else []
        if kind == "set" and any(
            variable_of(item) == _PASSWORD and item.get("attributeStatus") == "Accepted"
            for item in result.get(key) or []
        ):
            facts.append(fx.StationKeyAccepted())
        return facts

    return meaning


# SecurityCtrlr.BasicAuthPassword: the station's Basic auth password (A01, profiles 1
# and 2); write-only on the station, recorded redacted (docs/adr/0022).
_PASSWORD = ("SecurityCtrlr", None, None, None, "BasicAuthPassword", None, "Actual")


def basic_auth_password(payload: Payload) -> tuple[Payload, str] | None:
    """A SetVariables payload with its BasicAuthPassword redacted, and the password;
    None when it sets no password."""
    items = payload.get("setVariableData") or []
    found = [i for i, item in enumerate(items) if variable_of(item) == _PASSWORD]
    if not found:
        return None
    redacted = [
        {**item, "attributeValue": REDACTED} if i in found else item for i, item in enumerate(items)
    ]
    return {**payload, "setVariableData": redacted}, str(items[found[-1]]["attributeValue"])
