"""Training a program through the runner: hand-computed SGD updates and the lecture's
zero-init symmetry, iteration by iteration."""

from __future__ import annotations

import numpy as np
import pytest

from engine import parse_program
from engine.errors import InputError
from engine.presets import PRESETS
from engine.runner import Run
from engine.training import train


def test_sgd_iterations_are_w_minus_eta_grad_with_the_numbers_of_the_last_update():
    program = "x = input([1.0, 2.0])\nt = input(1.0)\nw = param([0.5, -0.3])\nb = param(0.1)\nloss = mse(w @ x + b, t)"
    result = train(parse_program(program), Run("sgd", {"lr": 0.1}), iterations=3)
    by_hand = parse_program(program)
    for k in range(3):
        by_hand.forward()
        grads = by_hand.backward()
        assert result["losses"][k] == pytest.approx(float(by_hand.output.value), rel=1e-14)
        if k == 2:
            np.testing.assert_allclose(result["updates"]["w"]["grad"], grads["w"], rtol=1e-14)
            np.testing.assert_allclose(result["updates"]["w"]["before"], by_hand.by_id["w"].value, rtol=1e-14)
        for name in ("w", "b"):
            by_hand.by_id[name].value = by_hand.by_id[name].value - 0.1 * grads[name]
    assert result["iteration"] == 3 and result["lr"] == [0.1, 0.1, 0.1] and result["status"] == "max_steps"
    np.testing.assert_allclose(result["updates"]["w"]["after"], by_hand.by_id["w"].value, rtol=1e-14)
    u = result["updates"]["b"]
    assert u["after"] == pytest.approx(u["before"] - 0.1 * u["grad"], rel=1e-15)


def test_the_graph_is_left_at_the_trained_values_ready_to_trace():
    graph = parse_program(PRESETS["logreg"].program)
    result = train(graph, Run("adam", {"lr": 0.05}), iterations=20)
    assert float(graph.output.value) == pytest.approx(result["losses"][-1], rel=1e-14)
    assert result["losses"][-1] < result["losses"][0]


def test_zero_init_hidden_units_stay_identical_through_training():
    """"Is it a good idea to initialise weights with zero?": with W1 = 0 every hidden unit
    computes the same and gets the same gradient, so training never tells them apart."""
    program = PRESETS["mlp"].program
    assert "W1 = param(" in program
    zero = program.replace("glorot(3, 4, seed=0)", "0.1 * ones(3, 4)").replace("glorot(4, 3, seed=1)", "0.1 * ones(4, 3)")
    graph = parse_program(zero)
    result = train(graph, Run("sgd", {"lr": 0.5}), iterations=50)
    assert result["losses"][-1] < result["losses"][0]  # it learns something, with one feature detector
    W1, W2 = graph.by_id["W1"].value, graph.by_id["W2"].value  # hidden unit j: column j of W1, row j of W2
    assert np.ptp(W1, axis=1).max() < 1e-12 and np.ptp(W2, axis=0).max() < 1e-12
    assert np.ptp(W1) > 1e-3  # the weights did move
    graph_random = parse_program(program)
    train(graph_random, Run("sgd", {"lr": 0.5}), iterations=50)
    assert np.ptp(graph_random.by_id["W1"].value, axis=1).min() > 1e-3  # its units differ


def test_iteration_zero_is_the_program_and_limits_are_named():
    graph = parse_program(PRESETS["logreg"].program)
    result = train(graph, Run("sgd"), iterations=0)
    assert result["iteration"] == 0 and len(result["losses"]) == 1 and result["updates"] == {}
    with pytest.raises(InputError, match="limit steps"):
        train(graph, Run("sgd"), iterations=10_001)
    with pytest.raises(InputError, match="no param"):
        train(parse_program("x = input(1.0)\ny = x * x"), Run("sgd"))


def test_a_training_iteration_is_one_step_of_the_optimizer_engine_on_the_same_gradients():
    """Adam's first two updates through train() equal OPTIMIZERS["adam"].step made by hand on
    Graph.backward's gradients: training reuses the engine's update rule, it has no copy."""
    from engine.optimizers import OPTIMIZERS

    program = PRESETS["logreg"].program
    result = train(parse_program(program), Run("adam", {"lr": 0.1}), iterations=2)
    graph = parse_program(program)
    names = [n.id for n in graph.leaves if n.kind == "param"]
    adam = OPTIMIZERS["adam"]
    w = np.concatenate([np.ravel(graph.by_id[name].value) for name in names])[None, :]
    hp = adam.stack_params([adam.validate_params({"lr": 0.1})])
    state = adam.init_state(w, hp)
    for t in (1, 2):
        grads = graph.backward()
        d = np.concatenate([np.ravel(grads[name]) for name in names])[None, :]
        w, _ = adam.step(w, d, t, hp["lr"], state)
        offset = 0
        for name in names:
            size = graph.by_id[name].value.size
            graph.by_id[name].value = w[0, offset:offset + size].reshape(graph.by_id[name].value.shape)
            offset += size
        graph.forward()
    for name in names:
        np.testing.assert_allclose(np.ravel(result["updates"][name]["after"]), np.ravel(graph.by_id[name].value),
                                   rtol=1e-14)
