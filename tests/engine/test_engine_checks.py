"""Static checks and code extraction: failures found without running anything."""

from __future__ import annotations

import pytest
from engine_helpers import GOOD, SPEC

from langprop_driver.engine import NoCodeError, check_candidate, extract_code
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES


def kinds(source: str) -> list[tuple[str, int | None]]:
    return [(f.kind, f.line) for f in check_candidate(source, SPEC, DEFAULT_ALLOWED_MODULES)]


def test_a_correct_candidate_passes() -> None:
    assert kinds("import math\nK = 2\n\ndef double(x):\n    return K * x + math.floor(0)\n") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def double(x:\n    return x\n", [("syntax", 1)]),
        ("def triple(x):\n    return 3 * x\n", [("missing_function", None)]),
        ("def double(x, y):\n    return x\n", [("arity", 1)]),
        ("def double(x):\n    return helper(x)\n", [("undefined_name", 2)]),
        ("import os\n\ndef double(x):\n    return x\n", [("forbidden_import", 1)]),
        ("from subprocess import run\n\ndef double(x):\n    return x\n", [("forbidden_import", 1)]),
        ("def double(x):\n    return eval('2*x')\n", [("forbidden_name", 2)]),
    ],
)
def test_each_kind_of_failure_is_found_with_its_line(source: str, expected: list) -> None:
    assert kinds(source) == expected


def test_defaults_globals_and_closures_are_not_undefined() -> None:
    source = (
        "def double(x, scale=2, *rest):\n"
        "    global seen\n"
        "    seen = True\n"
        "    inner = lambda: scale\n"
        "    return [inner() * v for v in [x]][0]\n"
        "def report():\n"
        "    return seen\n"
    )
    assert kinds(source) == []


def test_the_block_defining_the_function_wins() -> None:
    answer = (
        "First a helper:\n```python\ndef helper(x):\n    return x\n```\n"
        f"Then:\n```python\n{GOOD}```\nUsage:\n```python\nprint(double(2))\n```\n"
    )
    assert extract_code(answer, "double") == GOOD


def test_unfenced_code_and_missing_code() -> None:
    assert extract_code(GOOD, "double") == GOOD
    with pytest.raises(NoCodeError, match="no code block"):
        extract_code("I cannot help with that.", "double")


def test_a_block_without_the_function_is_still_taken_for_compiler_feedback() -> None:
    assert extract_code("```python\ndef triple(x):\n    return 3 * x\n```", "double").startswith("def triple")
