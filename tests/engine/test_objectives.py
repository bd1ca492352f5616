"""The runner trains a program's params through ParamsObjective, with no change to the runner."""

from __future__ import annotations

import numpy as np
import pytest

from engine import parse_program
from engine.errors import InputError
from engine.objectives import ParamsObjective
from engine.presets import PRESETS
from engine.races import race, sweep
from engine.runner import Batch, Noise, Run

LOGREG = PRESETS["logreg"].program


def test_flattening_round_trips_and_gradient_is_backprops():
    graph = parse_program(PRESETS["mlp"].program)
    objective = ParamsObjective(graph)
    params = [n for n in graph.leaves if n.kind == "param"]
    assert objective.dim == sum(n.value.size for n in params)
    start = objective.start()
    for n in params:
        np.testing.assert_array_equal(objective.unflatten(start)[n.id], n.value)
    grads = graph.backward()
    loss, grad = objective(start[None, :], np.empty((1, objective.dim)))
    assert loss[0] == pytest.approx(float(np.sum(graph.output.value)), rel=1e-15)
    np.testing.assert_allclose(grad[0], np.concatenate([np.ravel(grads[n.id]) for n in params]), rtol=1e-15)


def test_sgd_on_logistic_regression_is_w_minus_eta_grad_by_hand():
    """Three SGD updates w ← w − η ∂L/∂w through the runner, against the same updates made
    by hand with Graph.backward: a model trains with the race's code unchanged."""
    objective = ParamsObjective(parse_program(LOGREG))
    batch = Batch(objective, objective.start(), 3, [Run("sgd", {"lr": 0.5})]).run()
    graph = parse_program(LOGREG)
    params = [n for n in graph.leaves if n.kind == "param"]
    for t in range(3):
        graph.forward()
        grads = graph.backward()
        np.testing.assert_allclose(batch.points[t, 0, -1], float(graph.output.value), rtol=1e-14)
        for n in params:
            n.value = n.value - 0.5 * grads[n.id]
    graph.forward()
    final = objective.unflatten(batch.points[3, 0, :-1])
    for n in params:
        np.testing.assert_allclose(final[n.id], n.value, rtol=1e-14)


def test_several_optimizers_race_on_a_model_in_lockstep_with_noise():
    objective = ParamsObjective(parse_program(PRESETS["mlp"].program))
    runs = [Run("sgd", {"lr": 0.1}), Run("adam", {"lr": 0.01}), Run("rprop")]
    batch = Batch(objective, objective.start(), 200, runs, Noise(0.01, 3)).run()
    for k in range(3):
        result = batch.result(k)
        assert result["status"] == "max_steps"
        assert result["points"].shape == (201, objective.dim + 1)
        assert result["effective_lr"].shape == (200, objective.dim)
        assert result["points"][-1, -1] < result["points"][0, -1]  # every one lowered the loss
        [alone] = [Batch(objective, objective.start(), 200, [runs[k]], Noise(0.01, 3)).run().result(0)]
        np.testing.assert_array_equal(alone["points"], result["points"])  # same calls, rows alone


def test_a_program_without_params_cannot_be_trained():
    with pytest.raises(InputError, match="no param"):
        ParamsObjective(parse_program("x = input(1.0)\ny = x * x"))


def test_the_start_must_have_the_objectives_dimension():
    objective = ParamsObjective(parse_program(LOGREG))
    with pytest.raises(InputError, match=f"{objective.dim} finite numbers"):
        Batch(objective, np.zeros(objective.dim + 1), 3, [Run("sgd")])


def test_a_long_recording_is_refused_by_name():
    objective = ParamsObjective(parse_program("w = param(zeros(1000))\nl = sum(w * w)"))
    with pytest.raises(InputError, match="limit max_recorded_numbers"):
        Batch(objective, objective.start(), 10_000, [Run("sgd")])


def test_one_coordinate_races_and_sweeps():
    """D = 1: a single scalar weight. f(w) = (w − 3)², so SGD's step is w ← w − η·2(w − 3)
    and after t steps w − 3 = (1 − 2η)ᵗ(w₀ − 3)."""
    objective = ParamsObjective(parse_program("w = param(0.0)\nloss = (w - 3) ** 2"))
    assert objective.dim == 1
    [run] = race(objective, objective.start(), 20, [Run("sgd", {"lr": 0.1})])
    np.testing.assert_allclose(run["points"][:, 0], 3 - 3 * 0.8 ** np.arange(21), rtol=1e-12)
    assert run["effective_lr"].shape == (20, 1)
    cells = sweep(objective, objective.start(), 50, "momentum", {}, {"x": ("lr", [0.01, 0.1, 1.5]),
                                                                       "y": ("momentum", [0.0, 0.5])})
    assert cells["status"][0][2] == "diverged" and cells["final_loss"][0][2] is None  # |1 − 2η| > 1
    assert cells["final_loss"][0][1] < cells["final_loss"][0][0] < 9.0  # lr 0.1 beats lr 0.01
