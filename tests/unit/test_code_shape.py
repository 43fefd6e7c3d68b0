"""The shape issue 13 set for cs/: modules you read in one sitting, functions that do one thing.

Measured as the issue measured it: lines per module (every .py file under cs/, package
__init__ files included), and lines per function or method (from `def` to its last line).
"""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

import pytest

CS = Path(__file__).resolve().parents[2] / "cs"


def _modules() -> dict[str, int]:
    return {
        str(path.relative_to(CS)): len(path.read_text().splitlines()) for path in CS.rglob("*.py")
    }


def _function_lengths() -> list[int]:
    lengths = []
    for path in CS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lengths.append((node.end_lineno or node.lineno) - node.lineno + 1)
    return sorted(lengths)


@pytest.fixture(scope="module")
def modules() -> dict[str, int]:
    found = _modules()
    assert len(found) > 100, "cs/ not found where the test expects it"
    return found


def test_the_median_module_is_at_most_80_lines(modules: dict[str, int]) -> None:
    assert statistics.median(modules.values()) <= 80


def test_no_module_is_over_400_lines(modules: dict[str, int]) -> None:
    assert {name: n for name, n in modules.items() if n > 400} == {}


def test_nine_functions_in_ten_are_at_most_25_lines() -> None:
    lengths = _function_lengths()
    assert lengths[int(0.9 * len(lengths))] <= 25
