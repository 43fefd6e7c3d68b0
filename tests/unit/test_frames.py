from __future__ import annotations

import json

import pytest

from cs.adapters.ocpp16.errors import code
from cs.adapters.ocppj import frames


def bad(text: str) -> frames.BadFrame:
    with pytest.raises(frames.BadFrame) as caught:
        frames.parse(text)
    return caught.value


def test_a_call_is_parsed_and_a_null_payload_is_an_empty_one() -> None:
    assert frames.parse('[2,"a","Heartbeat",null]') == frames.Call("a", "Heartbeat", {})


def test_text_that_is_not_json_is_a_formation_violation_answered_when_the_id_is_readable() -> None:
    error = bad('[2, "abc", "Heartbeat", {')
    assert (code(error.error), error.unique_id) == ("FormationViolation", "abc")
    assert bad("garbage").unique_id is None


@pytest.mark.parametrize(
    ("frame", "unique_id"),
    [
        ([2, "a", "Heartbeat"], "a"),
        ([2, "a", "Heartbeat", {}, 5], "a"),
        ([2, "a", 17, {}], "a"),
        ([2, "a", "Heartbeat", [1]], "a"),
        ([2, 5, "Heartbeat", {}], None),
        (["2", "a", "Heartbeat", {}], "a"),
        ({"not": "an array"}, None),
        ([], None),
    ],
)
def test_malformed_calls_are_formation_violations(frame: object, unique_id: str | None) -> None:
    error = bad(json.dumps(frame))
    assert code(error.error) == "FormationViolation"
    assert error.unique_id == unique_id


def test_a_unique_id_longer_than_36_characters_is_rejected_with_that_id() -> None:
    long_id = "x" * 37
    error = bad(json.dumps([2, long_id, "Heartbeat", {}]))
    assert (code(error.error), error.unique_id) == ("FormationViolation", long_id)


def test_an_unknown_message_type_is_ignored() -> None:
    assert bad('[7,"a","Heartbeat",{}]').ignored


def test_results_and_errors_are_parsed_and_missing_details_tolerated() -> None:
    assert frames.parse('[3,"a",{"x":1}]') == frames.CallResult("a", {"x": 1})
    assert frames.parse('[4,"a","GenericError","boom"]') == frames.CallError(
        "a", "GenericError", "boom", {}
    )


def test_deep_nesting_is_refused_not_crashed_on() -> None:
    assert code(bad("[" * 5000 + "]" * 5000).error) == "FormationViolation"
