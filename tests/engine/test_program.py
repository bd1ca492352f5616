"""The program language: what it accepts, and errors that point at line and column."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import EvaluationError, ProgramError, parse_expression, parse_program, trace
from engine.inits import HELPERS
from engine.inits import INITS as INIT_REGISTRY
from engine.limits import MAX_ELEMENTS, MAX_NODES


def error_of(program: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        parse_program(program)
    return info.value


def test_design_example_program():
    graph = parse_program(
        "x = input([1.0, 2.0])          # leaf, not trained\n"
        "t = input(1.0)\n"
        "w = param([0.5, -0.3])         # leaf, trainable\n"
        "b = param(0.1)\n"
        "W = param(glorot(3, 2, seed=0))\n"
        "y = sigmoid(w @ x + b)\n"
        "loss = bce(y, t)               # the last assignment is the output\n"
    )
    assert graph.output.id == "loss"
    assert graph.by_id["W"].kind == "param" and graph.by_id["W"].value.shape == (3, 2)
    assert graph.by_id["x"].kind == "input" and graph.by_id["w"].kind == "param"


def test_named_nodes_keep_their_names_and_anonymous_ones_never_collide():
    graph = parse_program("add_1 = input(1.0)\nb = add_1 + 2\nc = b * b")
    ids = [n.id for n in graph.nodes]
    assert len(ids) == len(set(ids))
    assert {"add_1", "b", "c"} <= set(ids)


def test_operators_broadcasting_and_functions():
    g = parse_program("a = input([[1.0, 2.0], [3.0, 4.0]])\nb = input([10.0, 20.0])\n"
                      "c = -(a + b) / 2 ** 1 - a @ b\nd = sum(c, axis=0)\ne = mean(max(c, axis=1))")
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([10.0, 20.0])
    c = -(a + b) / 2 - a @ b
    np.testing.assert_allclose(g.by_id["c"].value, c)
    np.testing.assert_allclose(g.by_id["d"].value, c.sum(axis=0))
    assert g.output.value == pytest.approx(c.max(axis=1).mean())


def test_exponent_can_be_any_expression():
    g = parse_program("x = param(2.0)\ny = param(3.0)\nz = x ** (y - 1)")
    grads = g.backward()
    assert g.output.value == 4.0
    assert grads["x"] == pytest.approx(2 * 2.0)  # (y−1)·x^(y−2)
    assert grads["y"] == pytest.approx(4.0 * np.log(2.0))


def test_alias_makes_a_new_node():
    g = parse_program("a = input(2.0)\nb = a")
    assert g.output.id == "b" and g.output.op.name == "identity"
    assert g.backward()["a"] == 1.0


def test_non_scalar_output_is_seeded_with_ones_and_loss_is_its_sum():
    t = trace(parse_program("x = param([1.0, 2.0, 3.0])\ny = x * x"))
    assert t["loss"] == 14.0
    assert t["grads"]["x"] == [2.0, 4.0, 6.0]
    assert t["graph"]["seeded_with_ones"] is True


def test_init_helpers_are_seeded_and_shaped():
    a = parse_program("W = param(randn(3, 4, seed=7))").output.value
    b = parse_program("W = param(randn(3, 4, seed=7))").output.value
    c = parse_program("W = param(randn(3, 4, seed=8))").output.value
    assert a.shape == (3, 4) and np.array_equal(a, b) and not np.array_equal(a, c)
    g = parse_program("W = param(glorot(200, 300, seed=0))").output.value
    assert np.abs(g).max() <= np.sqrt(6 / 500)
    h = parse_program("W = param(he(400, 500, seed=0))").output.value
    assert h.std() == pytest.approx(np.sqrt(2 / 500), rel=0.02)  # fan_in = 500 for a (out, in) weight
    assert np.array_equal(parse_program("I = param(3 * eye(2))").output.value, 3 * np.eye(2))


def value_of(helper_call: str) -> np.ndarray:
    return parse_program(f"W = param({helper_call})").output.value


@pytest.mark.parametrize("call, same_calls", [
    # What each helper computed before it drew from engine.inits.INITS: the same NumPy calls
    # in the same order, so the numbers must be equal to the bit.
    ("zeros(3, 2)", lambda: np.zeros((3, 2))),
    ("ones(4)", lambda: np.ones((4,))),
    ("eye(3)", lambda: np.eye(3)),
    ("randn(3, 4)", lambda: np.random.default_rng(0).normal(0.0, 1.0, (3, 4))),
    ("randn(3, 4, seed=7, std=0.3)", lambda: np.random.default_rng(7).normal(0.0, 0.3, (3, 4))),
    ("uniform(5)", lambda: np.random.default_rng(0).uniform(-1.0, 1.0, (5,))),
    ("uniform(2, 3, seed=4, low=0.5, high=2)", lambda: np.random.default_rng(4).uniform(0.5, 2.0, (2, 3))),
    ("glorot(3, 4, seed=0)", lambda: np.random.default_rng(0).uniform(-math.sqrt(6 / 7), math.sqrt(6 / 7), (3, 4))),
    ("glorot(5)", lambda: np.random.default_rng(0).uniform(-math.sqrt(6 / 10), math.sqrt(6 / 10), (5,))),
    ("glorot(2, 3, 4, seed=9)", lambda: np.random.default_rng(9).uniform(-math.sqrt(6 / 7), math.sqrt(6 / 7), (2, 3, 4))),
    ("he(4, 3, seed=5)", lambda: np.random.default_rng(5).normal(0.0, math.sqrt(2 / 3), (4, 3))),
    ("he(6)", lambda: np.random.default_rng(0).normal(0.0, math.sqrt(2 / 6), (6,))),
])
def test_init_helpers_give_the_numbers_they_always_gave(call, same_calls):
    np.testing.assert_array_equal(value_of(call), same_calls())


@pytest.mark.parametrize("helper, init, params", [
    ("randn(3, 4, seed=2, std=0.5)", "normal", {"gain": 0.5}),
    ("uniform(3, 4, seed=2, low=-2, high=3)", "uniform", {"low": -2.0, "high": 3.0}),
    ("glorot(3, 4, seed=2, gain=2)", "glorot_uniform", {"gain": 2.0}),
    ("he(3, 4, seed=2, gain=0.5)", "he_normal", {"gain": 0.5}),
    ("zeros(3, 4)", "zeros", {}),
    ("ones(3, 4)", "ones", {}),
])
def test_init_helpers_are_names_for_entries_of_the_registry(helper, init, params):
    np.testing.assert_array_equal(value_of(helper), INIT_REGISTRY[init]((3, 4), params, rng=2))
    np.testing.assert_array_equal(value_of("eye(3)"), INIT_REGISTRY["identity"]((3, 3)))


def test_engine_program_inits_is_keyed_by_helper_name():
    assert set(HELPERS) == {"zeros", "ones", "eye", "randn", "uniform", "glorot", "he"}
    assert all(helper.init in INIT_REGISTRY for helper in HELPERS.values())


@pytest.mark.parametrize("program, column, words", [
    ("W = param(randn(2, std=-1))", 11, "randn: std must be between 0 and 1e+06, got -1.0"),
    ("W = param(uniform(2, low=3, high=1))", 11, "uniform: low (3) must not exceed high (1)"),
    ("W = param(uniform(2, low=-1e308, high=1e308))", 11, "uniform: low must be between"),
    ("W = param(randn(2, std=[1.0, 2.0]))", 24, "std must be one finite number"),
    ("W = param(randn(2, std=1e309))", 24, "std must be one finite number"),
    ("W = param(randn(2, seed=1e309))", 25, "seed must be a whole number"),
    ("W = param(randn(1e309))", 17, "a shape must be a whole number"),
    ("W = param(he(2, std=1))", 21, "he takes seed=, gain="),
    ("W = param(zeros(2, seed=1))", 25, "zeros takes no keyword arguments"),
])
def test_bad_helper_arguments_are_program_errors_at_their_place(program, column, words):
    err = error_of(program)
    assert words in err.message and (err.line, err.column) == (1, column), err.detail()


@pytest.mark.parametrize(
    "program, line, column, words",
    [
        ("x = input(1.0)\nz = x *", 2, 8, "syntax error"),
        ("x = input(1.0)\ny = sigmod(x)", 2, 5, "did you mean sigmoid"),
        ("x = input(1.0)\ny = z + 1", 2, 5, "unknown name 'z'"),
        ("x = input(1.0)\ny = z + 1\nz = 2 * x", 2, 5, "used before it is assigned"),
        ("x = input(1.0)\nx = x + 1", 2, 1, "already assigned"),
        ("x = input([1.0, 2.0])\ny = input([1.0, 2.0, 3.0])\nz = x + y", 3, 5, "(2,) and y (3,)"),
        ("x = input([1.0, 2.0])\nW = input([[1.0, 2.0, 3.0]])\nz = W @ x", 3, 5, "inner dimensions differ"),
        ("x = input(1.0)\nprint(x)", 2, 1, "one assignment"),
        ("x = input(1.0)\ny = x.T", 2, 5, "not part of the language"),
        ("x = input(1.0)\ny = sigmoid(x, x)", 2, 5, "takes 1 argument"),
        ("x = input([1.0, 2.0])\ny = sum(x, keepdims=1)", 2, 21, "only axis="),
        ("x = input([[1.0], [2.0, 3.0]])", 1, 11, "different lengths"),
        ("x = input('a')", 1, 11, "not a number"),
        ("import os", 1, 1, "one assignment"),
        ("x = input(1.0)\ny = __import__('os')", 2, 5, "unknown function"),
        ("x = input(1.0)\ny = (lambda: 1)()", 2, 5, "call functions by name"),
        ("x = input(1.0)\ny = x if x else x", 2, 5, "not part of the language"),
        ("x = input(1.0)\nsum = x + 1", 2, 1, "built-in"),
        ("W = param(glorot(3, -2))", 1, 11, "positive sizes"),
        ("x = input(1.0)\ny = param(x)", 2, 11, "numbers and init helpers"),
        ("", 1, 1, "empty"),
    ],
)
def test_errors_point_at_line_and_column(program, line, column, words):
    err = error_of(program)
    assert words in err.message
    assert (err.line, err.column) == (line, column), err.message


def test_unknown_function_suggests_close_names():
    assert "did you mean softmax" in error_of("x = input([1.0])\ny = sofmax(x)").message


def test_non_finite_values_name_the_node():
    with pytest.raises(EvaluationError) as info:
        parse_program("x = input(0.0)\ny = log(x)")
    assert info.value.detail() == {"message": info.value.message, "node": "y", "line": 2, "column": 1}
    with pytest.raises(EvaluationError) as info:
        parse_program("x = input(1000.0)\ny = exp(x)")
    assert info.value.node.id == "y"


def test_infinite_gradient_is_an_error_not_a_nan():
    with pytest.raises(EvaluationError) as info:
        trace(parse_program("x = input(0.0)\ny = sqrt(x)"))
    assert "not a finite number" in info.value.message


def test_limits_name_themselves():
    assert error_of("x = input(1.0)\n" + "# pad\n" * 2000).limit == "max_program_chars"
    assert error_of("x = param(zeros(1001, 1000))").limit == "max_elements"
    assert error_of("a = input(ones(1000, 1))\nb = input(ones(1, 1001))\nc = a @ b").limit == "max_elements"
    assert error_of("a = input(ones(1000, 1))\nb = input(ones(1001))\nc = a + b").limit == "max_elements"
    body = "x = input(1.0)\n" + "".join(f"y{i} = x + {i}\n" for i in range(MAX_NODES // 2))
    assert error_of(body).limit == "max_nodes"
    assert MAX_ELEMENTS == 1_000_000


def test_deep_nesting_is_an_error_not_a_crash():
    err = error_of("x = " + "(" * 500 + "1" + ")" * 500)
    assert err.line == 1


def test_custom_surface_expression_is_vectorised():
    x, y = np.array([0.0, 1.0, -1.0]), np.array([1.0, 2.0, 0.5])
    g = parse_expression("x**2 + 10*y**2", {"x": x, "y": y})
    np.testing.assert_allclose(g.forward(), x**2 + 10 * y**2)
    grads = g.backward()
    np.testing.assert_allclose(grads["x"], 2 * x)
    np.testing.assert_allclose(grads["y"], 20 * y)


def test_all_tensors_together_are_limited():
    program = "a = input(ones(1000, 1000))\n" + "".join(f"b{i} = a * {i}\n" for i in range(6))
    assert error_of(program).limit == "max_total_elements"


def test_a_trace_is_limited_to_what_a_page_can_show():
    graph = parse_program("a = input(ones(1000, 1000))\nb = a * 2")
    with pytest.raises(ProgramError) as info:
        trace(graph)
    assert info.value.limit == "max_trace_elements"


def test_inputs_give_leaves_numpy_values():
    """A notebook runs a program on its own arrays: a leaf the program assigns takes the
    given value (same kind), and a name it only uses becomes an input leaf."""
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    t = np.array([1.0, 0.0, 2.0])
    g = parse_program("w = param([0.5, -0.3])\nt = input(0.0)\nloss = mse(X @ w, t)", inputs={"X": X, "t": t})
    assert g.by_id["t"].kind == "input" and g.by_id["X"].kind == "input" and g.by_id["w"].kind == "param"
    grads = g.backward()
    np.testing.assert_allclose(grads["w"], 2 * X.T @ (X @ [0.5, -0.3] - t) / 3, rtol=1e-14)
    assert parse_program("w = param(1.0)\ny = w * w", inputs={"w": 4.0}).backward()["w"] == 8.0


@pytest.mark.parametrize("inputs, words", [
    ({"y": 1.0}, "inputs gives 'y' a value, but the program computes it"),
    ({"sigmoid": 1.0}, "cannot be a name"),
    ({"x": [1.0, float("nan")]}, "not a finite number"),
    ({"x": np.zeros(1_000_001)}, "limit max_elements"),
])
def test_bad_inputs_are_program_errors(inputs, words):
    with pytest.raises(ProgramError, match=words):
        parse_program("x = input(1.0)\ny = x * 2\nz = y + x", inputs=inputs)


# --- hostile literals and text: each a ProgramError at its place, never another exception ---

@pytest.mark.parametrize("program, line, column, words", [
    ("z = input(" + "9" * 400 + ")", 1, 11, "is beyond float64's range (about ±1.8e308)"),
    ("z = input([1.0, " + "9" * 400 + "])", 1, 17, "is beyond float64's range"),
    ("z = input(-1e309)", 1, 11, "`-1e309` is beyond float64's range"),
    ("x = input(2.0)\nz = x ** " + "9" * 400, 2, 10, "is beyond float64's range"),
    ("z = randn(" + "9" * 300 + ")", 1, 5, "a size of 1e+300 is more than the 1,000,000 elements"),
    ("z = randn(1e309)", 1, 11, "a shape must be a whole number; this one is beyond float64's range"),
    ("z = randn(3, seed=" + "9" * 300 + ")", 1, 5, "seed must be between 0 and 4,294,967,295 (limit seed)"),
    ("z = randn(3, seed=-1)", 1, 5, "seed must be between 0"),
    ("z = randn(True)", 1, 11, "a shape must be written as a number, like 2 or 3, not `True`"),
    ("z = randn(3, seed=True)", 1, 19, "seed must be written as a number, like 0 or 42, not `True`"),
    ("x = input([1.0, 2.0])\nz = sum(x, axis=10**30)", 2, 17,
     "axis must be written as a number, like 0 or -1, not `10**30`"),
    ("x = input([1.0])\nz = sum(x, axis=1e300)", 2, 17,
     "axis 1e+300 is out of range for x, of shape (1,): its only axis is 0"),
    ("x = input(1.0)\nz = sum(x, axis=0)", 2, 17,
     "axis 0 is out of range for x, of shape scalar: a scalar has no axes"),
    ("x = param(2.0)\nz = mean(x, axis=-1)", 2, 18, "a scalar has no axes"),
    ("x = input([[1.0, 2.0]])\nz = max(x, axis=-3)", 2, 17, "its axes are 0 … 1 (or -2 … -1)"),
    ("z = input(" + "[" * 17 + "1" + "]" * 17 + ")", 1, 27, "lists nested more than 16 deep (limit max_dimensions)"),
    ("z = ones(" + ", ".join(["1"] * 17) + ")", 1, 5,
     "a tensor with 17 axes; at most 16 are allowed (limit max_dimensions)"),
    ("z = input(1.0)\x00", 1, 15, "the program contains a null character"),
    ("x = input(1.0)\nz = x + '\ud800'", 2, 10, "not valid Unicode (a lone surrogate)"),
    ("x = input(1.0)  # \udcff\nz = x * 2", 1, 19, "not valid Unicode"),
    ("z = input(" + "9" * 4400 + ")", 1, 1, "syntax error: a number of more than 4,300 digits"),
    ("x = input(1.0)\nz = " + "-" * 5000 + "x", 1, 1, "nested too deeply to read"),
    ("z = " + "(" * 300 + "1" + ")" * 300, 1, 205, "syntax error: too many nested parentheses"),
    ("é = input(1.0)\nz = é + q", 2, 9, "unknown name 'q'"),
    ("ü = input(1.0)\nz = sum(ü, axis=1)", 2, 17, "a scalar has no axes"),
    ("z = param(param(1))", 1, 11, "not input() or param()"),
    ("x = input(1.0)\nz = exp(x, axis=1)", 2, 17, "exp takes no keyword arguments"),
    ("x = input([1.0])\nz = sum(x, **{})", 2, 14, "sum takes only axis="),
])
def test_hostile_text_is_a_program_error_at_its_place(program, line, column, words):
    err = error_of(program)
    assert words in err.message, err.detail()
    assert (err.line, err.column) == (line, column), err.detail()


def test_a_long_literal_is_shortened_in_the_message():
    err = error_of("z = input(" + "9" * 400 + ")")
    assert err.message == "`99999999999999999999999999999…99999999999999999999999999999` is beyond float64's range " \
                          "(about ±1.8e308)"


def test_a_name_after_non_ascii_text_is_pointed_at_by_characters():
    """ast counts columns in UTF-8 bytes; an editor counts characters."""
    text = "π2 = input(1.0)\nz = 'é' + π2 + nope"
    err = error_of(text)
    assert err.message.startswith("`'é'` is not a number") and (err.line, err.column) == (2, 5)
    err = error_of("é = input(1.0)\nzz = é + é + nope")
    line = "zz = é + é + nope"
    assert err.column == line.index("nope") + 1
    with pytest.raises(EvaluationError) as info:
        parse_program("é = input(0.0)\nzé = log(é)")
    assert (info.value.node.line, info.value.node.column) == (2, 1)


def test_a_seed_up_to_the_limit_draws_as_numpy_does():
    value = parse_program("z = input(randn(2, seed=4294967295))").by_id["z"].value
    np.testing.assert_array_equal(value, np.random.default_rng(4294967295).normal(0.0, 1.0, (2,)))


@pytest.mark.parametrize("program", [
    "#\x1caaaé\nz = input(1.0) + q",
    "x = input(1.0)  # \u2028 ééé\nz = x + q",
    "x = input(1.0)  # \x0c é\r\nz = x + q",
    "x = input(1.0)\rz = x + q",
])
def test_only_python_line_breaks_count_as_lines(program):
    """str.splitlines also splits at \\x1c, U+2028 and form feed; Python's lines do not."""
    err = error_of(program)
    last = program.replace("\r\n", "\n").replace("\r", "\n").split("\n")[-1]
    assert err.message.startswith("unknown name 'q'") and (err.line, err.column) == (2, last.index("q") + 1)
    graph = parse_program(program.replace(" + q", ""))
    assert graph.by_id["z"].source in ("input(1.0)", "x")
