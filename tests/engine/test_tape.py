"""A Tape is the one backward loop (engine.graph.backprop) recorded: when it is recorded
and every time it replays on new leaf values, it gives what the loop gives when it runs
each call now (the trace's Graph.backward_steps). The same NumPy calls in the same order,
so the comparison is bit for bit; this catches a replay that reads a stale slot or
skips a call."""

from __future__ import annotations

import numpy as np
import pytest

from engine.presets import PRESETS
from engine.program import parse_expression, parse_program
from engine.surfaces import SURFACES
from engine.tape import Tape

CUSTOM = [
    "x",  # the output is a leaf: its gradient is the seed, y's is zero
    "3.5 + 0 * x",  # a gradient of exactly zero
    "x * x * x + 2 * x",  # fan-out into one leaf from three places
    "-(x - y) / (1 + y**2)",  # unary minus, sub, div
    "(x * x + 1) ** y",  # a non-constant exponent: both local derivatives of pow
    "exp(-x) * sin(3 * y) + sqrt(abs(x) + 1) + log(1 + y**2)",
    "tanh(x) + sigmoid(y) + relu(x - y) + leaky_relu(y) + elu(x) + softplus(y) + gelu(x) + square(y)",
    "(x + 1) * (x + y) + cos(x) * y",
]


def traced_gradients(graph) -> dict[str, np.ndarray]:
    """dL/dnode from the loop run now, as the trace runs it (every node, every input)."""
    graph.forward()
    return {step.node.id: step.grad for step in graph.backward_steps()}


def assert_same(tape_grads: dict, traced: dict):
    for name, grad in tape_grads.items():
        np.testing.assert_array_equal(np.broadcast_to(grad, np.shape(traced[name])), traced[name], err_msg=name)


def recorded(tape) -> dict[str, np.ndarray]:
    """dL/dnode of the Tape's last run, by node id."""
    return {name: tape.slots[slot] for name, slot in tape.grad_of.items()}


def points(n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-2.0, 2.0, n), rng.uniform(0.1, 2.0, n)


@pytest.mark.parametrize("expression", [s.expression for s in SURFACES.values()] + CUSTOM)
def test_surface_tapes_equal_the_trace_as_recorded_and_when_run_again(expression):
    x0, y0 = points(9, seed=0)
    graph = parse_expression(expression, {"x": x0, "y": y0})
    x, y = graph.by_id["x"], graph.by_id["y"]
    tape = Tape(graph, [x, y])
    assert_same(recorded(tape), traced_gradients(graph))
    for seed in (1, 2, 3):  # recorded once, then run on new values
        x.value, y.value = points(9, seed)
        value, (dx, dy) = tape(x.value, y.value)
        traced = traced_gradients(graph)
        np.testing.assert_array_equal(value, graph.output.value)
        assert_same({"x": dx, "y": dy}, traced)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_graph_tapes_equal_the_trace_for_every_preset(preset):
    # matmul, sums, softmax and the losses: the VJPs' shares, and gradients of interior nodes
    graph = parse_program(PRESETS[preset].program)
    tape = Tape(graph, graph.leaves)
    traced = traced_gradients(graph)
    grads = recorded(tape)
    assert set(grads) == {n.id for n in graph.nodes if n.kind != "const"}  # every op node leads back to a leaf here
    assert_same(grads, traced)
    assert_same(graph.backward(), traced)
    rng = np.random.default_rng(0)
    for leaf in graph.leaves:  # run again on new values
        leaf.value = leaf.value + rng.normal(0.0, 0.1, leaf.value.shape)
    _, leaf_grads = tape(*(leaf.value for leaf in graph.leaves))
    assert_same({leaf.id: g for leaf, g in zip(graph.leaves, leaf_grads)}, traced_gradients(graph))


def test_unbroadcasting_is_recorded_where_shapes_differ():
    # x (3, 1) against y (1, 4): each gradient sums the other axis away, as the trace does
    x, y = np.array([[1.0], [2.0], [3.0]]), np.array([[0.5, 1.0, 1.5, 2.0]])
    graph = parse_expression("x * y + x**2", {"x": x, "y": y})
    tape = Tape(graph, [graph.by_id["x"], graph.by_id["y"]])
    graph.by_id["x"].value, graph.by_id["y"].value = x + 1, y * 2
    _, (dx, dy) = tape(x + 1, y * 2)
    assert dx.shape == (3, 1) and dy.shape == (1, 4)
    assert_same({"x": dx, "y": dy}, traced_gradients(graph))
    np.testing.assert_allclose(dx[:, 0], (y * 2).sum() + 2 * 4 * (x + 1)[:, 0])  # Σ_j y_j + 2x·4
