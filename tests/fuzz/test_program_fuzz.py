"""The program parser against hostile text, in the engine (no HTTP).

Property: ``parse_program`` either returns a graph whose trace (forward, backward, the
layout) completes, or raises an InputError (ProgramError, EvaluationError, ParamError…)
whose detail has a message, is JSON without NaN, and points at a line and column when
it is about a place in the text. Any other exception is a bug. The same for a custom
surface's expression (``parse_expression`` in x and y).
"""

from __future__ import annotations

import json
import re
import unicodedata

import numpy as np
import pytest
from hypothesis import example, given

from engine import InputError, ProgramError, parse_expression, parse_program, trace
from tests.fuzz import strategies as fz
from tests.fuzz.checks import check_detail, cpu_budget

# Inputs these suites found (or the issue listed) that once escaped as another exception,
# or broke a property. Each is an @example of the property test it breaks, and a case of
# its own below, so a failure names it.
PROGRAM_FINDINGS = {
    "int-literal-400-digits": "z = input(" + "9" * 400 + ")",
    "int-literal-400-digits-in-list": "z = input([1, " + "9" * 400 + "])",
    "int-literal-in-exponent": "x = input(2.0)\nz = x ** " + "9" * 400,
    "lone-surrogate": "x = input(1.0)\nz = x + '\ud800'",
    "lone-surrogate-in-comment": "x = input(1.0)  # \udcff\nz = x * 2",
    "reduce-a-scalar-on-axis-0": "x = input(1.0)\nz = sum(x, axis=0)",
    "mean-of-a-scalar-on-axis-minus-1": "x = param(2.0)\nz = mean(x, axis=-1)",
    "randn-1e309": "z = randn(1e309)",
    "randn-std-list": "z = randn(3, std=[1, 2])",
    "uniform-1e308": "z = uniform(3, low=-1e308, high=1e308)",
    "axis-10-to-30": "x = input([1.0, 2.0])\nz = sum(x, axis=10**30)",
    "randn-std-negative": "z = randn(3, std=-1)",
    "column-after-non-ascii": "é = input(1.0)\nz = é + q",
    "syntax-error-digit-limit": "z = input(" + "9" * 4400 + ")",
    "syntax-error-null-byte": "z = input(1.0)\x00",
    # str.splitlines() also ends a line at \x0b \x0c \x1c-\x1e \x85 U+2028 U+2029, which
    # Python's parser reads as ordinary characters: the lines the errors and the node
    # sources are cut from no longer match the parser's line numbers.
    "file-separator-before-multibyte": "#\x1caaaé\nz = input(1.0)",
    "line-separator-in-a-comment": "x = input(1.0)  # \u2028 ééé\nz = x * 2",
    "form-feed-in-a-comment": "x = input(1.0)  # \x0c\nz = x * 2",
    "loss-of-a-vector-output-overflows": "b = input([1e308, 1e308])",
    # -0.0 passes a range check of 0 <= v, but NumPy's samplers refuse a negative zero scale.
    "randn-std-negative-zero": "z = randn(3, std=-0.0)",
    "glorot-gain-negative-zero": "z = glorot(2, 2, gain=-0.0)",
    "uniform-high-negative-zero": "z = uniform(3, low=0.0, high=-0.0)",
}


def _check_error(exc: InputError, text: str) -> None:
    """An InputError as the API answers it: a message, JSON without NaN, the line and
    column it is about (unless it is a limit of the whole text), and for an unknown
    name, that place is where the name is."""
    detail = exc.detail()
    json.dumps(detail, allow_nan=False)
    check_detail(detail, f"{type(exc).__name__}")
    if "limit" not in detail:  # only a limit of the whole program (its length, its trace) has no place
        assert isinstance(detail.get("line"), int) and isinstance(detail.get("column"), int), f"no place: {detail!r}"
    if not isinstance(exc, ProgramError):
        return
    if exc.message.startswith("syntax error") or exc.message.startswith("unknown name"):
        lines = text.splitlines() or [""]
        assert 1 <= exc.line <= len(lines) + 1, f"line {exc.line} of {len(lines)}: {detail!r}"
    name = re.match(r"unknown name '(.+?)'", exc.message)
    if name:  # the column counts characters, as the editor's caret does
        line = re.split("\r\n|\r|\n", text)[exc.line - 1]  # Python's line breaks, no others
        # Python reads names in NFKC form: the message may name `μ` for a typed `µ`.
        at = unicodedata.normalize("NFKC", line[exc.column - 1:])
        assert at.startswith(name[1]), f"column {exc.column} of {line!r} is not at {name[1]!r}"


def check_program(text: str) -> None:
    with cpu_budget(f"parse and trace {text[:80]!r}"):
        try:
            graph = parse_program(text)
            doc = trace(graph)
        except InputError as exc:
            _check_error(exc, text)
            return
    assert doc["graph"]["output"] == graph.output.id
    assert len(doc["forward"]) == len(doc["backward"]) == len(graph.nodes)
    assert np.isfinite(doc["loss"])
    json.dumps(doc, allow_nan=False)
    for node in doc["graph"]["nodes"]:  # what the UI shows of each node is text the student wrote
        assert node["source"] and node["source"] in text, f"node {node['id']} shows {node['source']!r}"


def check_surface_expression(text: str) -> None:
    points = {"x": np.array([0.5, -1.0, 2.0]), "y": np.array([1.5, 0.0, -3.0])}
    with cpu_budget(f"surface {text[:80]!r}"):
        try:
            graph = parse_expression(text, points)
            graph.forward()
            graph.backward()
        except InputError as exc:
            _check_error(exc, text)


def _examples(findings: dict):
    def decorate(test):
        for text in findings.values():
            test = example(text)(test)
        return test
    return decorate


@_examples(PROGRAM_FINDINGS)
@fz.fuzz_settings(1200)
@given(fz.programs)
def test_any_program_text_gives_a_graph_or_an_input_error(text):
    check_program(text)


@_examples({"huge-int": "x * " + "9" * 400, "surrogate": "x + '\ud800'", "axis-of-scalar": "sum(1.0, axis=0)"})
@fz.fuzz_settings(600)
@given(fz.surface_expression())
def test_any_expression_text_gives_a_graph_or_an_input_error(text):
    check_surface_expression(text)


@pytest.mark.parametrize("text", PROGRAM_FINDINGS.values(), ids=PROGRAM_FINDINGS.keys())
def test_finding(text):
    check_program(text)
