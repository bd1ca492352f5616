"""The trainability map's engine: the design's network and draw, the batched tile against
plain gradient descent one pixel at a time, the toy surfaces' map against the sweep, and
the map's limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import trainability as tr
from engine.errors import InputError

try:  # the sweep is moving from engine.runner to engine.races
    from engine.races import sweep
except ImportError:
    from engine.runner import sweep
from engine.surfaces import SURFACES


def test_the_setup_is_the_designs_draw():
    s = tr.setup(7)
    rng = np.random.default_rng(7)
    X, y, W, v = (rng.standard_normal(shape) for shape in ((16, 16), (16,), (16, 16), (16,)))
    for got, want in ((s.X, X), (s.y, y), (s.W, W), (s.v, v)):
        np.testing.assert_array_equal(got, want)
    # L by the definition, one point and one unit at a time: f(x) = v·tanh(Wx/√16)/16
    f = [sum(v[j] * math.tanh(sum(W[j, k] * X[i, k] for k in range(16)) / 4) for j in range(16)) / 16
         for i in range(16)]
    assert s.loss() == pytest.approx(sum((f[i] - y[i]) ** 2 for i in range(16)) / 16, rel=1e-12)


def plain(s, eta_w, eta_v, steps):
    """(diverged_at, mean Lₜ/L₀) of plain float64 descent."""
    losses = tr.plain_descent(s, eta_w, eta_v, steps)
    if not losses[-1] <= 1e6:
        return len(losses) - 1, math.nan
    return -1, float(np.mean(losses[1:] / losses[0]))


def stable(s, eta_w, eta_v, steps) -> bool:
    """Away from the boundary (and from chaos): rates 1e-6 apart (relative) give the same
    fate, and the same mean loss to 1e-4, so rounding cannot flip the pixel."""
    here = plain(s, eta_w, eta_v, steps)
    for a, b in ((1 + 1e-6, 1), (1, 1 + 1e-6), (1 - 1e-6, 1 - 1e-6)):
        there = plain(s, eta_w * a, eta_v * b, steps)
        if there[0] != here[0] or (here[0] < 0 and abs(there[1] - here[1]) > 1e-4 * here[1]):
            return False
    return True


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 2e-3)])
def test_a_tiles_pixels_equal_plain_descent_one_pixel_at_a_time(dtype, rtol):
    """Small blocks and two workers: lanes are refilled as pixels diverge and end."""
    s, n, steps = tr.setup(0), 10, 120
    x, y = (-1.0, 4.0), (1.0, 3.0)
    eta_w, eta_v = tr._rates(x, y, n)
    diverged_at, ratio = tr.train_pixels(s, eta_w, eta_v, steps, dtype, threads=2, block=16)
    checked = diverged = 0
    for k in range(n * n):
        if not stable(s, eta_w[k], eta_v[k], steps):
            continue
        want_at, want_ratio = plain(s, eta_w[k], eta_v[k], steps)
        assert diverged_at[k] == want_at, k
        if want_at < 0:
            assert ratio[k] == pytest.approx(want_ratio, rel=rtol), k
        checked += 1
        diverged += want_at >= 0
    assert checked >= 40 and 10 <= diverged <= checked - 10  # both sides of the boundary are tested


def test_a_tile_is_the_maps_answer():
    out = tr.tile(seed=0, steps=60, n=6, x=(-1, 4), y=(1, 3))
    assert out["dtype"] == "float32"
    np.testing.assert_allclose(out["x"], -1 + 5 * (np.arange(6) + 0.5) / 6)
    np.testing.assert_allclose(out["y"], 1 + 2 * (np.arange(6) + 0.5) / 6)
    s = tr.setup(0)
    assert out["setup"]["W"] == s.W.tolist() and out["setup"]["v"] == s.v.tolist()
    for i, ly in enumerate(out["y"]):
        for j, lx in enumerate(out["x"]):
            if not stable(s, 10**lx, 10**ly, 60):
                continue
            at, ratio = plain(s, 10**lx, 10**ly, 60)
            assert out["diverged"][i][j] == (at >= 0)
            if at >= 0:  # how soon: the step it diverged at, over the steps
                assert out["score"][i][j] == pytest.approx(at / 60)
            else:  # how fast: the mean of Lₜ/L₀
                assert out["score"][i][j] == pytest.approx(ratio, rel=2e-3)
    assert any(map(any, out["diverged"])) and not all(map(all, out["diverged"]))


def test_a_pixels_loss_curve_is_plain_descent():
    curve = tr.loss_curve(0, 200, 0.0, 1.5, "float64")
    np.testing.assert_allclose(curve["loss"], tr.plain_descent(tr.setup(0), 1.0, 10**1.5, 200), rtol=1e-9)
    assert curve["diverged_at"] == -1 and len(curve["loss"]) == 201
    diverging = tr.loss_curve(0, 200, 1.5, 2.8, "float64")
    want = tr.plain_descent(tr.setup(0), 10**1.5, 10**2.8, 200)
    assert diverging["diverged_at"] == len(want) - 1 < 200
    assert diverging["loss"][-1] > 1e6 and diverging["loss"] == pytest.approx(list(want), rel=1e-9)


def test_float64_where_float32_stops_resolving_the_rates():
    assert tr.map_dtype((-1, 4), (1, 3), 128) == "float32"
    assert tr.map_dtype((1.5, 1.5 + 1e-4), (2, 2 + 1e-4), 128) == "float64"  # rates 1.8e-6 apart
    assert tr.map_dtype((1.5, 1.5 + 1e-3), (2, 2 + 1e-3), 128) == "float32"  # 1.8e-5 apart
    assert tr.tile(n=4, steps=5, x=(1.5, 1.5 + 1e-6), y=(2, 2 + 1e-6))["dtype"] == "float64"


def test_the_toy_surface_map_equals_the_sweeps_statuses():
    out = tr.surface_map("rosenbrock", "momentum", ("lr", -5, -1), ("momentum", 0, 0.99), steps=300, n=12)
    surface = SURFACES["rosenbrock"]
    swept = sweep(surface.expression, surface.start, 300, "momentum", {},
                  {"x": ("lr", [10**v for v in out["x"]]), "y": ("momentum", out["y"])})
    assert out["status"] == swept["status"]
    assert out["diverged"] == [[s == "diverged" for s in row] for row in swept["status"]]
    statuses = {s for row in out["status"] for s in row}
    assert "diverged" in statuses and statuses - {"diverged"}  # the map has its edge
    for i, row in enumerate(out["score"]):
        for j, score in enumerate(row):
            if out["diverged"][i][j]:
                assert score == pytest.approx(swept["stopped_at"][i][j] / 300)
            else:
                assert 0 <= score <= 1.5


@pytest.mark.parametrize("kwargs, limit", [
    ({"n": 257}, "trainability_n"),
    ({"steps": 2001, "n": 1}, "trainability_steps"),
    ({"n": 129, "steps": 500}, "pixel_steps"),
    ({"x": (1.0, 1.0 + 1e-13)}, "span"),
    ({"y": (3.0, 1.0)}, "log_rate"),
    ({"x": (-13.0, 0.0)}, "log_rate"),
    ({"seed": -1}, "seed"),
])
def test_the_maps_limits_are_named(kwargs, limit):
    with pytest.raises(InputError) as caught:
        tr.tile(**{"n": 4, "steps": 5, **kwargs})
    assert caught.value.limit == limit and f"limit {limit}" in caught.value.message


def test_the_cpu_budget_counts_every_worker_and_is_named():
    s = tr.setup(0)
    eta_w, eta_v = np.full(4096, 0.1), np.full(4096, 10.0)  # none diverges: every pixel costs all its steps
    with pytest.raises(InputError) as caught:
        tr.train_pixels(s, eta_w, eta_v, 2000, cpu_seconds=0.05)
    assert caught.value.limit == "trainability_cpu_time"


def test_a_surface_maps_axes_are_the_optimizers_hyperparameters():
    with pytest.raises(InputError, match="no numeric hyperparameter 'beta'"):
        tr.surface_map("rosenbrock", "sgd", ("beta", 0, 1), ("lr", -3, -1), steps=10, n=4)
    with pytest.raises(InputError) as caught:
        tr.surface_map("rosenbrock", "sgd", ("lr", -3, -1), ("lr", -3, -1), steps=10_000, n=32)
    assert caught.value.limit == "sweep_cell_steps"
