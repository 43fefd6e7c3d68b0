"""Response bodies as plain dicts, shaped by the pydantic model that documents them.

A REST row is declared once, as its response model (`cs.http.models`): the fields, their
order, types and descriptions, and, as `Annotated` metadata, where each value comes from.
`Shape(model)` compiles that into a builder of plain dicts, which orjson serialises
several times faster than a pydantic round trip would (docs/adr/0016): nothing is
validated or converted on the way, so a body holds exactly the values of its source.

    class FirmwareOut(Model):
        status: Annotated[str | None, From("firmware_status")]   # another column
        at: Annotated[datetime | None, From("firmware_status_at")]

    class ChargeBoxOut(Model):
        charge_box_id: str                                        # the same name
        firmware: Annotated[FirmwareOut, Nested()]                # from the same row
        connected: Annotated[bool, Computed(lambda row: row["connection_id"] is not None)]
        connection: Annotated[LiveConnectionOut | None, Nested(when="connection_id")]
        rpc_calls: Annotated[dict[str, Any], Given()]             # passed by the view
"""

from __future__ import annotations

import keyword
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

Getter = Callable[[Any], Any]
M = TypeVar("M")


@dataclass(frozen=True)
class From:
    """The value is the source's `name` (a key of a row, or an attribute) as it is."""

    name: str


@dataclass(frozen=True)
class Computed:
    """The value is `compute(source)`."""

    compute: Getter


@dataclass(frozen=True)
class Nested:
    """The value is the field's model shaped from the same source; null unless `when`
    names a value of the source that is set (not None, not empty)."""

    when: str | None = None


@dataclass(frozen=True)
class Given:
    """The value is passed by the caller: `shape(source, name=value)`."""


class Shape:
    """Builds the plain dict `model` documents from a source: a read-model row (a
    mapping), or with `attributes=True` an object.

    Promises: the keys are the model's fields in the model's order; a field without
    metadata takes the source's value of the same name; values are not copied,
    validated or converted; a call without exactly the `Given` values is refused.
    """

    def __init__(self, model: type[BaseModel], *, attributes: bool = False) -> None:
        self.model = model
        self._attributes = attributes
        fields = model.model_fields
        self._given = frozenset(name for name, info in fields.items() if _mark(info, Given))
        self._globals: dict[str, Any] = {}
        values = [self._value(name, info) for name, info in fields.items()]
        self._build = self._compile(list(fields), values)

    def __call__(self, source: Any, **given: Any) -> dict[str, Any]:
        if given.keys() != self._given:
            raise TypeError(f"{self.model.__name__} needs exactly {sorted(self._given)}")
        body: dict[str, Any] = self._build(source, given)
        return body

    def _compile(self, names: list[str], values: list[str]) -> Callable[..., dict[str, Any]]:
        """A function returning a dict literal, the code one would write by hand.

        Generated because a generic loop over the fields costs 2 to 4 times as much per
        row (a charge box: 6 us against 1.6 us), and lists of 1,000 rows are what these
        bodies are for. The code holds only the model's own names, quoted with repr().
        """
        items = ", ".join(f"{name!r}: {value}" for name, value in zip(names, values, strict=True))
        code = f"def build(source, given=None):\n    return {{{items}}}\n"
        exec(code, self._globals)  # noqa: S102  (see the docstring)
        build: Callable[..., dict[str, Any]] = self._globals["build"]
        return build

    def _value(self, name: str, info: FieldInfo) -> str:
        """The expression of the field's value in the generated code."""
        if name in self._given:
            return f"given[{name!r}]"
        computed = _mark(info, Computed)
        if computed is not None:
            return f"{self._global(computed.compute)}(source)"
        nested = _mark(info, Nested)
        if nested is not None:
            shape = Shape(_model_of(self.model, name, info), attributes=self._attributes)
            value = f"{self._global(shape._build)}(source)"
            return f"({value} if {self._read(nested.when)} else None)" if nested.when else value
        source = _mark(info, From)
        return self._read(source.name if source is not None else name)

    def _read(self, name: str) -> str:
        if not self._attributes:
            return f"source[{name!r}]"
        if not name.isidentifier() or keyword.iskeyword(name):
            raise TypeError(f"{self.model.__name__}: {name!r} cannot be an attribute")
        return f"source.{name}"

    def _global(self, value: Any) -> str:
        name = f"_{len(self._globals)}"
        self._globals[name] = value
        return name


def _mark(info: FieldInfo, kind: type[M]) -> M | None:
    return next((item for item in info.metadata if isinstance(item, kind)), None)


def _model_of(model: type[BaseModel], name: str, info: FieldInfo) -> type[BaseModel]:
    """The model of a `Nested` field (`SomeOut` or `SomeOut | None`)."""
    annotation = info.annotation
    union = get_origin(annotation) in (Union, types.UnionType)
    candidates = get_args(annotation) if union else (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    raise TypeError(f"{model.__name__}.{name} is Nested but not a model")
