"""Response bodies shaped from their models: keys, order and values exactly as declared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pytest

from cs.http.models import Model
from cs.http.shapes import Computed, From, Given, Nested, Shape


class Inner(Model):
    status: Annotated[str | None, From("inner_status")]
    at: int


class Outer(Model):
    name: str
    present: Annotated[bool, Computed(lambda row: row["inner_status"] is not None)]
    inner: Annotated[Inner, Nested()]
    maybe: Annotated[Inner | None, Nested(when="inner_status")]
    alias: Annotated[str, From("name")]


def test_a_row_becomes_the_dict_its_model_declares_in_its_order() -> None:
    body = Shape(Outer)({"name": "CP-1", "inner_status": "ok", "at": 3, "ignored": 1})
    assert body == {
        "name": "CP-1",
        "present": True,
        "inner": {"status": "ok", "at": 3},
        "maybe": {"status": "ok", "at": 3},
        "alias": "CP-1",
    }
    assert list(body) == list(Outer.model_fields)
    Outer.model_validate(body)


def test_a_nested_model_with_a_condition_is_null_when_it_is_not_met() -> None:
    body = Shape(Outer)({"name": "CP-1", "inner_status": None, "at": 3})
    assert (body["present"], body["maybe"]) == (False, None)


def test_values_are_passed_through_unconverted() -> None:
    value = object()
    assert Shape(Inner)({"inner_status": value, "at": 1.5})["status"] is value


class WithGiven(Model):
    first: Annotated[int, Given()]
    middle: int
    last: Annotated[dict[str, Any], Given()]


def test_given_values_keep_their_place_and_are_required() -> None:
    shape = Shape(WithGiven)
    body = shape({"middle": 2}, first=1, last={})
    assert list(body.items()) == [("first", 1), ("middle", 2), ("last", {})]
    with pytest.raises(TypeError, match="needs exactly"):
        shape({"middle": 2}, first=1)


@dataclass
class Source:
    inner_status: str
    at: int


def test_an_object_is_read_by_attribute() -> None:
    assert Shape(Inner, attributes=True)(Source("ok", 2)) == {"status": "ok", "at": 2}


class Weird(Model):
    value: Annotated[int, From("not an identifier")]


def test_a_name_that_cannot_be_an_attribute_is_refused_at_once() -> None:
    assert Shape(Weird)({"not an identifier": 1}) == {"value": 1}
    with pytest.raises(TypeError, match="cannot be an attribute"):
        Shape(Weird, attributes=True)
