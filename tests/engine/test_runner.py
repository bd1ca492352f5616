"""The runner: lockstep batches, stop rules, noise, schedules, sweeps and events."""

from __future__ import annotations

import json
import math

import numpy as np
import orjson
import pytest

import engine.runner as runner_module
from app.race_stream import race_events
from engine.budget import CpuTimeError
from engine.optimizers import OPTIMIZERS
from engine.races import race, sweep
from engine.runner import Noise, Run, minimum_test, surface_batch
from engine.surfaces import SURFACES, SurfaceFunction

ROSENBROCK = SURFACES["rosenbrock"].expression
QUADRATIC = SURFACES["quadratic"].expression  # ½x² + 10y², ∇ = (x, 20y)


def default_lr(name):
    return {} if name in ("rprop", "adadelta") else {"lr": 1e-3}


def sgd_on_quadratic(lr, start, steps):
    """Gradient descent on ½x² + 10y² in closed form: x(1 − η)ᵏ, y(1 − 20η)ᵏ."""
    k = np.arange(steps + 1)
    x = start[0] * (1 - lr) ** k
    y = start[1] * (1 - 20 * lr) ** k
    return np.column_stack([x, y, 0.5 * x**2 + 10 * y**2])


def to_json(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)


def test_sgd_follows_the_closed_form():
    [run] = race(QUADRATIC, (-4.5, 2.0), 50, [Run("sgd", {"lr": 0.01})])
    np.testing.assert_allclose(run["points"], sgd_on_quadratic(0.01, (-4.5, 2.0), 50), rtol=1e-13)
    # First step by hand: ∇ = (−4.5, 40), so p₁ = (−4.5 + 0.045, 2 − 0.4).
    assert run["points"][1].tolist() == pytest.approx([-4.455, 1.6, 0.5 * 4.455**2 + 10 * 1.6**2])
    assert run["lr"].tolist() == [0.01] * 50
    assert run["effective_lr"].tolist() == [[0.01, 0.01]] * 50
    assert (run["status"], run["stopped_at"]) == ("max_steps", 50)
    assert len(run["points"]) == 51


def test_lockstep_batch_equals_each_run_alone():
    runs = [Run(name, default_lr(name)) for name in OPTIMIZERS]
    runs += [
        Run("adam", {"lr": 0.05}, "cosine", {"period": 100}, label="Adam cosine"),
        Run("momentum", {"lr": 2e-3}, "newbob", {"epoch_steps": 20}),
        Run("sgd", {"lr": 1e-3}, "step", {"every": 50, "gamma": 0.5}),
    ]
    together = race(ROSENBROCK, (-1.5, 2.0), 400, runs, Noise(0.3, 7))
    assert [r["label"] for r in together][:3] == ["SGD", "Momentum", "Nesterov"]
    for run, batched in zip(runs, together):
        [alone] = race(ROSENBROCK, (-1.5, 2.0), 400, [run], Noise(0.3, 7))
        for key in ("points", "lr", "effective_lr"):
            np.testing.assert_array_equal(batched[key], alone[key], err_msg=f"{run.optimizer} {key}")
        assert (batched["status"], batched["stopped_at"]) == (alone["status"], alone["stopped_at"])


def test_rows_are_grouped_by_kernel_but_results_keep_the_request_order():
    runs = [Run("adam"), Run("sgd"), Run("rmsprop"), Run("adam", {"lr": 0.02}), Run("momentum"),
            Run("sgd", {"lr": 0.002}), Run("nesterov")]
    batch = surface_batch(QUADRATIC, (1.0, 1.0), 5, runs)
    assert [batch.runs[i].optimizer for i in batch.order] == [
        "adam", "rmsprop", "adam", "sgd", "momentum", "sgd", "nesterov"]
    assert [(rows.start, rows.stop) for _, rows, _, _ in batch.groups] == [(0, 3), (3, 6), (6, 7)]
    assert len(surface_batch(QUADRATIC, (1.0, 1.0), 5, [Run(name) for name in OPTIMIZERS]).groups) == 5
    results = race(QUADRATIC, (1.0, 1.0), 5, runs)
    assert [r["label"] for r in results] == ["Adam", "SGD", "RMSProp", "Adam 2", "Momentum", "SGD 2", "Nesterov"]
    assert [r["params"]["lr"] for r in results] == [0.01, 0.01, 0.01, 0.02, 0.01, 0.002, 0.01]
    assert results[1]["params"] == {"lr": 0.01}  # SGD's own parameters, not momentum's


def test_sgd_with_lr_1_on_rosenbrock_diverges_at_once():
    # p₁ = (−1.5, 2) + (155, 50) = (153.5, 52): f ≈ 5.5e10 > 1e6.
    [run] = race(ROSENBROCK, (-1.5, 2.0), 100, [Run("sgd", {"lr": 1.0})])
    assert (run["status"], run["stopped_at"]) == ("diverged", 1)
    assert run["points"].tolist() == [[-1.5, 2.0, 12.5]]
    assert run["lr"].tolist() == [1.0]  # the rate of the update that diverged
    text = to_json(run).decode()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


def test_divergence_step_is_where_the_loss_passes_1e6():
    # η = 0.11 on ½x² + 10y²: y(k) = 2·(1 − 2.2)ᵏ, and 10·y² first passes 1e6 at k = 28
    # (10·(2·1.2²⁷)² ≈ 7.6e5, 10·(2·1.2²⁸)² ≈ 1.09e6).
    [run] = race(QUADRATIC, (-4.5, 2.0), 100, [Run("sgd", {"lr": 0.11})])
    assert (run["status"], run["stopped_at"]) == ("diverged", 28)
    assert len(run["points"]) == 28 and len(run["lr"]) == 28 and len(run["effective_lr"]) == 28
    np.testing.assert_allclose(run["points"], sgd_on_quadratic(0.11, (-4.5, 2.0), 27), rtol=1e-12)
    assert np.abs(run["points"]).max() <= 1e6


def test_non_finite_loss_diverges_and_stays_out_of_the_json():
    # f = x − log x + y², from (2, 1): ∂x = 1 − 1/x = 0.5, so η = 5 gives x₁ = −0.5 and log(−0.5) is NaN.
    runs = [Run("sgd", {"lr": 5.0}), Run("sgd", {"lr": 0.1})]
    diverged, fine = race("x - log(x) + y*y", (2.0, 1.0), 30, runs)
    assert (diverged["status"], diverged["stopped_at"]) == ("diverged", 1)
    assert diverged["points"].tolist() == [[2.0, 1.0, 3.0 - math.log(2.0)]]
    assert fine["status"] == "max_steps" and np.isfinite(fine["points"]).all()
    text = to_json([diverged, fine]).decode()
    assert "NaN" not in text and "Infinity" not in text


def test_coordinates_beyond_1e6_diverge_even_when_the_loss_is_small():
    # f = 999500 − y from y = 999500: ∂y = −1, so η = 10 gives y(k) = 999500 + 10k, beyond
    # 1e6 first at k = 51, while the loss is only −510 there.
    [run] = race("999500 - y", (0.0, 999_500.0), 200, [Run("sgd", {"lr": 10.0})])
    assert (run["status"], run["stopped_at"]) == ("diverged", 51)
    assert run["points"][-1].tolist() == [0.0, 1_000_000.0, -500.0]


def test_a_start_beyond_the_limit_is_diverged_at_0_with_the_start_kept():
    [run] = race("x*x + 2e6", (0.0, 0.0), 10, [Run("sgd")])
    assert (run["status"], run["stopped_at"]) == ("diverged", 0)
    assert run["points"].tolist() == [[0.0, 0.0, 2e6]] and run["lr"].tolist() == []


def test_converged_run_stops_where_gradient_and_step_are_below_1e_8():
    lr = 0.02
    ref = sgd_on_quadratic(lr, (-4.5, 2.0), 2000)
    grad = np.hypot(ref[:, 0], 20 * ref[:, 1])
    step = np.r_[np.inf, np.hypot(*np.diff(ref[:, :2], axis=0).T)]
    expected = int(np.flatnonzero((grad < 1e-8) & (step < 1e-8))[0])
    assert 500 < expected < 2000
    [run] = race(QUADRATIC, (-4.5, 2.0), 2000, [Run("sgd", {"lr": lr})])
    assert (run["status"], run["stopped_at"]) == ("converged", expected)
    assert len(run["points"]) == expected + 1 and len(run["lr"]) == expected


def test_a_constant_surface_converges_after_one_step():
    # A custom surface: no point of the ring around the stop is lower, so it is at a minimum.
    [run] = race("3", (1.0, 2.0), 10, [Run("adam")])
    assert (run["status"], run["stopped_at"]) == ("converged", 1)
    assert run["points"].tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_a_run_that_stops_on_a_dead_relu_plateau_has_stalled_with_the_plateaus_loss():
    # model_relu from (2.5, 1.5): momentum overshoots to where w·a + b < 0 for all five points.
    surface = SURFACES["model_relu"]
    sgd, momentum = race(surface.expression, (2.5, 1.5), 300, [Run("sgd", {"lr": 0.05}), Run("momentum", {"lr": 0.01})])
    assert (momentum["status"], momentum["stopped_at"]) == ("stalled", 177)
    assert momentum["points"][-1][2] == pytest.approx((0.2**2 + 0.9**2 + 2.1**2 + 2.9**2) / 5)  # relu ≡ 0: mean t²
    assert momentum["points"][-1][2] > 100 * surface.minimum_value
    assert sgd["status"] == "max_steps"  # still creeping down to the fit's 0.0086 at step 300


def test_a_local_minimum_above_the_surfaces_known_one_is_stalled():
    [run] = race(SURFACES["rastrigin"].expression, (-2.6, 3.4), 1000, [Run("sgd", {"lr": 0.001})])
    assert (run["status"], run["stopped_at"]) == ("stalled", 51)
    x, y, loss = run["points"][-1]
    assert (x, y) == pytest.approx((-2.98486, 2.98486), abs=1e-5) and loss == pytest.approx(17.9092, abs=1e-4)


def test_a_named_surface_converges_at_any_of_its_minima():
    [run] = race(SURFACES["himmelblau"].expression, (-0.5, -1.5), 1000, [Run("sgd", {"lr": 0.01})])
    assert (run["status"], run["stopped_at"]) == ("converged", 27)
    assert run["points"][-1][:2] == pytest.approx(SURFACES["himmelblau"].minima[2], abs=1e-8)


def test_the_saddle_has_no_minimum_so_a_run_that_stops_at_it_has_stalled():
    # Started exactly on the ridge y = 0, gradient descent walks into the saddle point (0, 0).
    for expression in (SURFACES["saddle"].expression, "x*x - y*y"):  # named; custom (the ring finds -y²)
        [run] = race(expression, (-1.5, 0.0), 1000, [Run("sgd", {"lr": 0.05})])
        assert (run["status"], run["stopped_at"]) == ("stalled", 186), expression
        assert abs(run["points"][-1][0]) < 1e-8 and run["points"][-1][1] == 0.0


def test_a_custom_surface_converges_where_no_nearby_point_is_lower():
    # The same walk as on the saddle, on a bowl: (0, 0) is a minimum.
    [run] = race("x*x + 10*y*y", (-1.5, 0.0), 1000, [Run("sgd", {"lr": 0.05})])
    assert (run["status"], run["stopped_at"]) == ("converged", 186)


def test_minimum_test_compares_with_the_known_minimum_value():
    surface = SURFACES["six_hump_camel"]
    f = SurfaceFunction(surface.expression, [surface.start])
    at = minimum_test(surface.expression, f)
    best = surface.minimum_value
    assert at(np.zeros((3, 2)), np.array([best, best + 5e-7, best + 1e-4])).tolist() == [True, True, False]


def test_a_sweep_reports_its_stalled_cells():
    result = sweep(SURFACES["model_relu"].expression, (2.5, 1.5), 300, "momentum", {},
                   {"x": ("lr", [0.005, 0.02]), "y": ("momentum", [0.5, 0.9])})
    assert result["status"] == [["max_steps", "max_steps"], ["max_steps", "stalled"]]
    assert result["stopped_at"][1][1] == 177
    assert result["final_loss"][1][1] == pytest.approx((0.2**2 + 0.9**2 + 2.1**2 + 2.9**2) / 5)


def test_stopped_runs_do_not_disturb_the_others():
    runs = [Run("sgd", {"lr": 1.0}), Run("sgd", {"lr": 0.02}), Run("sgd", {"lr": 0.01})]
    together = race(QUADRATIC, (-4.5, 2.0), 1500, runs)
    assert [r["status"] for r in together] == ["diverged", "converged", "max_steps"]
    for run, batched in zip(runs, together):
        [alone] = race(QUADRATIC, (-4.5, 2.0), 1500, [run])
        np.testing.assert_array_equal(batched["points"], alone["points"])


def test_noise_is_the_seeded_table_shared_by_every_run():
    std, seed = 0.5, 11
    noise = np.random.default_rng(seed).normal(0.0, std, size=(3, 2))
    a, b = race(QUADRATIC, (-4.5, 2.0), 3, [Run("sgd", {"lr": 0.01}), Run("sgd", {"lr": 0.01})], Noise(std, seed))
    np.testing.assert_array_equal(a["points"], b["points"])  # the same draws for both runs
    p = np.array([-4.5, 2.0])
    for t in range(3):
        p = p - 0.01 * (np.array([p[0], 20 * p[1]]) + noise[t])
        np.testing.assert_allclose(a["points"][t + 1, :2], p, rtol=1e-14)
    [again] = race(QUADRATIC, (-4.5, 2.0), 3, [Run("sgd", {"lr": 0.01})], Noise(std, seed))
    np.testing.assert_array_equal(again["points"], a["points"])
    [other] = race(QUADRATIC, (-4.5, 2.0), 3, [Run("sgd", {"lr": 0.01})], Noise(std, seed + 1))
    assert not np.array_equal(other["points"], a["points"])
    [clean] = race(QUADRATIC, (-4.5, 2.0), 3, [Run("sgd", {"lr": 0.01})], Noise(0.0, seed))
    np.testing.assert_allclose(clean["points"], sgd_on_quadratic(0.01, (-4.5, 2.0), 3), rtol=1e-14)


def test_schedules_give_the_rate_of_each_update():
    runs = [
        Run("sgd", {"lr": 0.1}, "step", {"every": 3, "gamma": 0.5}),
        Run("sgd", {"lr": 0.1}, "exponential", {"r": 2.0, "warmup": 2}),
    ]
    step, expo = race(QUADRATIC, (1.0, 0.0), 7, runs)
    assert step["lr"].tolist() == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    expected = [0.1 * math.exp(-t / 2.0) * ((t + 1) / 2 if t < 2 else 1.0) for t in range(7)]
    assert expo["lr"].tolist() == pytest.approx(expected, rel=1e-14)
    # The first update uses η(0): x₁ = 1 − 0.1·1 for the step schedule.
    assert step["points"][1, 0] == pytest.approx(0.9)


def test_newbob_halves_once_the_epoch_loss_stalls():
    # f = x with η = 0.4: the loss falls by 0.4 per update, 1.6 per 4-update epoch, which
    # is not more than the threshold 100. Epoch 2 (updates 5–8) is the first with a
    # previous epoch to beat, so from update 9 on (lr[8]) the rate is halved, and halved
    # again after epoch 3 (update 13 on).
    [run] = race("x", (0.0, 0.0), 14, [Run("sgd", {"lr": 0.4}, "newbob", {"epoch_steps": 4, "threshold": 100.0})])
    assert run["lr"].tolist() == [0.4] * 8 + [0.2] * 4 + [0.1] * 2
    assert run["points"][:, 0].tolist() == pytest.approx(-np.cumsum([0.0] + run["lr"].tolist()))


def test_sweep_equals_its_cells_run_one_by_one():
    xs, ys = [1e-4, 5e-4, 2e-3, 5e-3], [0.0, 0.5, 0.9]
    result = sweep(ROSENBROCK, (-1.5, 2.0), 300, "momentum", {}, {"x": ("lr", xs), "y": ("momentum", ys)})
    assert result["x"] == xs and result["y"] == ys and result["names"] == {"x": "lr", "y": "momentum"}
    assert np.shape(result["final_loss"]) == (3, 4)
    for i, m in enumerate(ys):
        for j, lr in enumerate(xs):
            [cell] = race(ROSENBROCK, (-1.5, 2.0), 300, [Run("momentum", {"lr": lr, "momentum": m})])
            assert result["status"][i][j] == cell["status"]
            assert result["stopped_at"][i][j] == cell["stopped_at"]
            if cell["status"] == "diverged":
                assert result["final_loss"][i][j] is None
            else:
                assert result["final_loss"][i][j] == cell["points"][-1, 2]
    assert result["status"][2][3] == "diverged"  # lr 5e-3 with momentum 0.9


def test_sweep_runs_all_cells_as_one_batch(monkeypatch):
    made = []
    real = runner_module.Batch

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(runner_module, "Batch", spy)
    sweep(QUADRATIC, (1.0, 1.0), 20, "adam", {}, {"x": ("lr", [0.1, 0.2, 0.3]), "y": ("beta1", [0.5, 0.9])})
    assert len(made) == 1 and made[0].K == 6 and len(made[0].groups) == 1


def test_sweep_checks_its_axes():
    with pytest.raises(ValueError, match="different hyperparameters"):
        sweep(QUADRATIC, (1.0, 1.0), 5, "adam", {}, {"x": ("lr", [0.1]), "y": ("lr", [0.2])})
    with pytest.raises(ValueError, match="not a numeric hyperparameter of adam; it has lr, beta1, beta2, eps"):
        sweep(QUADRATIC, (1.0, 1.0), 5, "adam", {}, {"x": ("lr", [0.1]), "y": ("gamma", [0.2])})


def test_events_concatenate_to_the_race():
    runs = [Run("sgd", {"lr": 1.0}), Run("sgd", {"lr": 0.02}), Run("adam", {"lr": 0.05})]
    expected = race(QUADRATIC, (-4.5, 2.0), 1200, runs)
    events = list(race_events(QUADRATIC, (-4.5, 2.0), 1200, runs, chunk=100))
    assert events[-1][0] == "done"
    assert [e for e, _ in events].count("end") == 3
    for k, want in enumerate(expected):
        steps = [d for e, d in events if e == "step" and d["run"] == k]
        assert [d["t"] for d in steps] == [0, *np.cumsum([len(d["points"]) for d in steps])[:-1]]
        for key in ("points", "lr", "effective_lr"):
            np.testing.assert_array_equal(np.concatenate([d[key] for d in steps]), want[key])
        [end] = [d for e, d in events if e == "end" and d["run"] == k]
        assert (end["status"], end["stopped_at"]) == (want["status"], want["stopped_at"])
        last_step = max(i for i, (e, d) in enumerate(events) if e == "step" and d["run"] == k)
        assert events.index(("end", end)) > last_step
        assert all(len(d["points"]) == 100 for d in steps[:-1])  # batched: 100 updates an event
        assert len(steps) == math.ceil(len(want["points"]) / 100)


def test_events_are_computed_only_as_they_are_read():
    events = race_events(ROSENBROCK, (-1.5, 2.0), 10_000, [Run("adam")], chunk=50)
    first = next(events)
    assert first[0] == "step" and len(first[1]["points"]) == 50
    events.close()  # the client left: nothing more is computed


def test_cpu_limit(monkeypatch):
    with pytest.raises(CpuTimeError) as info:
        surface_batch(ROSENBROCK, (-1.5, 2.0), 1000, [Run("adam")], cpu_seconds=0.0).run()
    assert info.value.limit == "cpu_time" and "limit cpu_time" in info.value.message
    monkeypatch.setattr(runner_module, "MAX_CPU_SECONDS", 0.0)
    events = list(race_events(ROSENBROCK, (-1.5, 2.0), 1000, [Run("adam")], chunk=100))
    assert events[-1][0] == "error" and events[-1][1]["detail"]["limit"] == "cpu_time"


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; optimizers: sgd"):
        race(QUADRATIC, (1.0, 1.0), 5, [Run("adamm")])
    with pytest.raises(ValueError, match="unknown schedule 'linear'"):
        race(QUADRATIC, (1.0, 1.0), 5, [Run("sgd", schedule="linear")])
    with pytest.raises(ValueError, match="limit steps"):
        race(QUADRATIC, (1.0, 1.0), 10_001, [Run("sgd")])
    with pytest.raises(ValueError, match="finite"):
        race(QUADRATIC, (math.nan, 1.0), 5, [Run("sgd")])
    with pytest.raises(ValueError, match="lr"):
        race(QUADRATIC, (1.0, 1.0), 5, [Run("sgd", {"lr": -1.0})])


def test_each_update_records_the_gradient_it_stepped_along():
    """gradient[k] is ∇f(p(k)) plus that update's noise, so SGD's p(k + 1) = p(k) − η·gradient[k]
    (IEEE arithmetic, the same on every machine: compared exactly)."""
    std, seed = 0.5, 4
    [run] = race(QUADRATIC, (-4.5, 2.0), 20, [Run("sgd", {"lr": 0.03})], Noise(std, seed))
    points, grads = run["points"][:, :2], run["gradient"]
    assert grads.shape == (20, 2)
    noise = np.random.default_rng(seed).normal(0.0, std, size=(20, 2))
    np.testing.assert_allclose(grads, points[:-1] * [1.0, 20.0] + noise, rtol=1e-13)  # ∇(½x² + 10y²) + noise
    np.testing.assert_array_equal(points[1:], points[:-1] - 0.03 * grads)
