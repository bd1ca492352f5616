"""A Tape computes what Graph.forward and Graph.backward compute, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from engine.program import parse_expression, parse_program
from engine.surfaces import SURFACES
from engine.tape import Tape

CUSTOM = [
    "x",  # the output is a leaf: its gradient is the seed, y's is zero
    "3.5",  # no leaf at all
    "x * x * x + 2 * x",  # fan-out into one leaf from three places
    "-(x - y) / (1 + y**2)",  # unary minus, sub, div
    "(x * x + 1) ** y",  # a non-constant exponent: both local derivatives of pow
    "exp(-x) * sin(3 * y) + sqrt(abs(x) + 1) + log(1 + y**2)",
    "tanh(x) + sigmoid(y) + relu(x - y) + leaky_relu(y) + elu(x) + softplus(y) + gelu(x) + square(y)",
    "(x + 1) * (x + y) + cos(x) * y",
]


def graph_values_and_grads(graph, x, y):
    graph.by_id["x"].value, graph.by_id["y"].value = x, y
    with np.errstate(all="ignore"):
        value = graph.forward(check=False)
        grads = graph.backward(check=False)
    return value, grads["x"], grads["y"]


def points(n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-2.0, 2.0, n), rng.uniform(0.1, 2.0, n)


@pytest.mark.parametrize("expression", [s.expression for s in SURFACES.values()] + CUSTOM)
def test_tape_equals_the_graph_bit_for_bit(expression):
    x0, y0 = points(9, seed=0)
    graph = parse_expression(expression, {"x": x0, "y": y0})
    with np.errstate(all="ignore"):
        graph.forward(check=False)
        tape = Tape(graph, [graph.by_id["x"], graph.by_id["y"]])
    for seed in (1, 2, 3):  # the tape is recorded once and then run on new values
        x, y = points(9, seed)
        with np.errstate(all="ignore"):
            value, (dx, dy) = tape(x, y)
        want = graph_values_and_grads(graph, x, y)
        for got, expected in zip((value, dx, dy), want):
            np.testing.assert_array_equal(np.broadcast_to(got, np.shape(expected)), expected)


def test_unbroadcasting_is_recorded_where_shapes_differ():
    # x (3, 1) against y (1, 4): each gradient sums the other axis away, as Graph.backward does
    x, y = np.array([[1.0], [2.0], [3.0]]), np.array([[0.5, 1.0, 1.5, 2.0]])
    graph = parse_expression("x * y + x**2", {"x": x, "y": y})
    graph.forward(check=False)
    tape = Tape(graph, [graph.by_id["x"], graph.by_id["y"]])
    _, (dx, dy) = tape(x + 1, y * 2)
    want = graph_values_and_grads(graph, x + 1, y * 2)
    assert dx.shape == (3, 1) and dy.shape == (1, 4)
    np.testing.assert_array_equal(dx, want[1])
    np.testing.assert_array_equal(dy, want[2])
    np.testing.assert_allclose(dx[:, 0], (y * 2).sum() + 2 * 4 * (x + 1)[:, 0])  # Σ_j y_j + 2x·4


def test_only_elementwise_graphs():
    graph = parse_program("W = param([[1.0, 2.0]])\nx = input([1.0, 1.0])\nz = sum(W @ x)")
    graph.forward()
    with pytest.raises(ValueError, match="elementwise"):
        Tape(graph, graph.leaves)
