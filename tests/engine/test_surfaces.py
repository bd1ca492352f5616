"""Surfaces: the engine's gradients against finite differences, the known minima,
grids, and custom expressions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine.budget as budget_module
import engine.surfaces as surfaces_module
from engine import EvaluationError, InputError, ProgramError
from engine.surfaces import SURFACES, SurfaceFunction, check_elementwise, grid
from tests.contract import DESIGN_SURFACES


def value_and_grad(expression: str, points) -> tuple[np.ndarray, np.ndarray]:
    """f and ∇f at K points (K, 2), by one forward and one backward pass of the engine."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    loss, grad = SurfaceFunction(expression, [tuple(points[0])])(points)
    return np.array(loss), grad


# The textbook formulas, written independently of the registry's expressions (values only).
REFERENCE = {
    "quadratic": lambda x, y: 0.5 * x**2 + 10 * y**2,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "saddle": lambda x, y: x**2 - y**2,
    "rastrigin": lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
    "six_hump_camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "goldstein_price": lambda x, y: (
        (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
        * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))
    ),
}


def sample_points(surface, n=4, seed=0):
    """The start and a few random points of the domain."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.domain
    rng = np.random.default_rng(seed)
    pts = np.column_stack([rng.uniform(x_lo, x_hi, n), rng.uniform(y_lo, y_hi, n)])
    return np.vstack([surface.start, pts])


def test_registry_has_the_designs_surfaces():
    assert set(SURFACES) >= DESIGN_SURFACES
    for s in SURFACES.values():
        d = s.describe()
        assert set(d) >= {"id", "title", "expression", "domain", "minima", "start"}
        assert d["domain"]["x"][0] < d["domain"]["x"][1] and d["domain"]["y"][0] < d["domain"]["y"][1]


@pytest.mark.parametrize("sid", sorted(DESIGN_SURFACES))
def test_expression_matches_the_textbook_formula(sid):
    s = SURFACES[sid]
    pts = sample_points(s, 6)
    loss, _ = value_and_grad(s.expression, pts)
    np.testing.assert_allclose(loss, REFERENCE[sid](pts[:, 0], pts[:, 1]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sid", sorted(DESIGN_SURFACES))
def test_gradient_matches_central_differences(sid):
    s = SURFACES[sid]
    pts = sample_points(s, 4, seed=1)
    _, grad = value_and_grad(s.expression, pts)
    h = 1e-6
    shifted = np.vstack([pts + [h, 0], pts - [h, 0], pts + [0, h], pts - [0, h]])
    f, _ = value_and_grad(s.expression, shifted)  # one engine pass for all shifted points
    k = len(pts)
    numeric = np.column_stack([(f[:k] - f[k : 2 * k]) / (2 * h), (f[2 * k : 3 * k] - f[3 * k :]) / (2 * h)])
    scale = np.maximum(1.0, np.abs(f[:k]))[:, None]  # FD error grows with the value's size
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * scale.max())


@pytest.mark.parametrize("sid", sorted(DESIGN_SURFACES - {"saddle"}))
def test_known_minima_have_the_value_and_zero_gradient(sid):
    s = SURFACES[sid]
    assert s.minima
    loss, grad = value_and_grad(s.expression, s.minima)
    np.testing.assert_allclose(loss, s.minimum_value, atol=1e-9)
    assert np.abs(grad).max() < 1e-6
    (x_lo, x_hi), (y_lo, y_hi) = s.domain
    for x, y in s.minima:
        assert x_lo <= x <= x_hi and y_lo <= y <= y_hi


def test_minima_agree_with_the_literature():
    # Himmelblau (1972), six-hump camel (Dixon & Szegö 1978), to the published digits.
    himmelblau = np.array(SURFACES["himmelblau"].minima)
    for known in [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]:
        assert np.abs(himmelblau - known).max(axis=1).min() < 1e-6
    camel = np.array(SURFACES["six_hump_camel"].minima)
    assert np.abs(np.abs(camel) - [0.0898, 0.7126]).max() < 1e-4
    assert SURFACES["six_hump_camel"].minimum_value == pytest.approx(-1.0316, abs=1e-4)
    assert SURFACES["goldstein_price"].minimum_value == 3.0


def test_saddle_has_a_stationary_point_but_no_minimum():
    s = SURFACES["saddle"]
    assert s.minima == () and s.minimum_value is None
    loss, grad = value_and_grad(s.expression, [(0.0, 0.0)])
    assert loss[0] == 0.0 and np.abs(grad).max() == 0.0


@pytest.mark.parametrize("sid", sorted(SURFACES))
def test_start_is_inside_the_domain_and_not_stationary(sid):
    s = SURFACES[sid]
    (x_lo, x_hi), (y_lo, y_hi) = s.domain
    assert x_lo <= s.start[0] <= x_hi and y_lo <= s.start[1] <= y_hi
    loss, grad = value_and_grad(s.expression, [s.start])
    assert abs(loss[0]) < 1e6 and np.abs(grad).max() > 1e-3


def test_hand_worked_gradients():
    # Rosenbrock at (−1.5, 2): ∂x = −2(1 − x) − 400x(y − x²) = −5 − 150, ∂y = 200(y − x²) = −50.
    loss, grad = value_and_grad(SURFACES["rosenbrock"].expression, [(-1.5, 2.0), (1.0, 1.0)])
    assert loss.tolist() == [12.5, 0.0]
    assert grad[0].tolist() == [-155.0, -50.0]
    # Booth at (−8, 8): ∂x = 2(x + 2y − 7) + 4(2x + y − 5) = 2 − 52, ∂y = 4·1 + 2·(−13).
    loss, grad = value_and_grad(SURFACES["booth"].expression, [(-8.0, 8.0)])
    assert loss.tolist() == [170.0] and grad[0].tolist() == [-50.0, -22.0]
    # The quadratic bowl ½x² + 10y²: ∇ = (x, 20y).
    _, grad = value_and_grad(SURFACES["quadratic"].expression, [(-4.5, 2.0)])
    assert grad[0].tolist() == [-4.5, 40.0]


def test_surface_function_is_built_once_and_takes_any_number_of_points():
    f = SurfaceFunction("x*y + x", [(1.0, 1.0)])
    graph = f.graph
    pts = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    loss, grad = f(pts)
    assert f.graph is graph
    assert loss.tolist() == [3.0, 0.0, 0.75]
    assert grad.tolist() == [[3.0, 1.0], [0.0, 3.0], [1.5, 0.5]]  # (y + 1, x)
    loss, grad = f(pts[:1])
    assert loss.tolist() == [3.0]



def test_call_writes_the_gradient_into_out():
    f = SurfaceFunction(SURFACES["rosenbrock"].expression, [(-1.5, 2.0)])
    pts = np.array([[-1.5, 2.0], [0.0, 0.0], [0.3, -0.7]])
    loss, grad = f(pts)
    buffer = np.full((3, 2), np.nan)
    loss_out, grad_out = f(pts, out=buffer)
    assert grad_out is buffer
    assert loss_out.tolist() == loss.tolist() and buffer.tolist() == grad.tolist()

def test_expression_without_x_or_y_broadcasts():
    loss, grad = value_and_grad("3", [(1.0, 2.0), (5.0, 6.0)])
    assert loss.tolist() == [3.0, 3.0] and grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    loss, grad = value_and_grad("x**2", [(1.0, 2.0), (-3.0, 6.0)])
    assert loss.tolist() == [1.0, 9.0] and grad.tolist() == [[2.0, 0.0], [-6.0, 0.0]]
    loss, grad = value_and_grad("y", [(1.0, 2.0)])
    assert loss.tolist() == [2.0] and grad.tolist() == [[0.0, 1.0]]


@pytest.mark.parametrize(
    "text, line, column, words",
    [
        ("x +* y", 1, 4, "syntax"),
        ("x + z", 1, 5, "unknown name 'z'"),
        ("x + sum(y)", 1, 5, "sum mixes elements"),
        ("mean(x) * y", 1, 1, "mean mixes elements"),
        ("x * [1, 2]", 1, 5, "lists are not allowed"),
        ("x @ y", 1, 1, "use * instead of @"),
        ("x + randn(1)", 1, 5, "randn(...) makes a tensor"),
        ("softmax(x)", 1, 1, "softmax mixes elements"),
    ],
)
def test_bad_custom_expressions_point_at_the_mistake(text, line, column, words):
    with pytest.raises(ProgramError) as info:
        value_and_grad(text, [(1.0, 1.0)])
    assert (info.value.line, info.value.column) == (line, column)
    assert words in info.value.message


def test_check_elementwise_accepts_the_builtin_surfaces():
    for s in SURFACES.values():
        check_elementwise(s.expression)


def test_non_finite_at_the_start_names_the_node():
    with pytest.raises(EvaluationError) as info:
        SurfaceFunction("log(x) + y", [(-1.0, 0.0)])
    assert "(-1, 0)" in info.value.message and info.value.node


def test_grid_layout_is_z_i_j_equals_f_of_x_j_y_i():
    g = grid("x - 2*y + x*y", ((0.0, 1.0), (0.0, 2.0)), 3)
    assert g["x"].tolist() == [0.0, 0.5, 1.0] and g["y"].tolist() == [0.0, 1.0, 2.0]
    assert g["z"].tolist() == [[0.0, 0.5, 1.0], [-2.0, -1.0, 0.0], [-4.0, -2.5, -1.0]]


@pytest.mark.parametrize("sid", ["rosenbrock", "goldstein_price", "rastrigin"])
def test_grid_of_a_builtin_surface(sid):
    s = SURFACES[sid]
    g = grid(s.expression, s.domain, 37)
    assert g["z"].shape == (37, 37)
    X, Y = np.meshgrid(g["x"], g["y"])
    np.testing.assert_allclose(g["z"], REFERENCE[sid](X, Y), rtol=1e-12)


def test_grid_in_blocks_equals_one_block(monkeypatch):
    s = SURFACES["beale"]
    whole = grid(s.expression, s.domain, 64)["z"]
    monkeypatch.setattr(surfaces_module, "GRID_CHUNK_ELEMENTS", 100)  # blocks of one row
    np.testing.assert_array_equal(grid(s.expression, s.domain, 64)["z"], whole)


def test_grid_marks_non_finite_points_nan_and_builds_where_finite():
    # The domain's centre (0, 0.5) is fine; x ≤ 0 is not.
    g = grid("log(x) + y", ((-1.0, 1.0), (0.0, 1.0)), 3)
    z = g["z"]
    assert np.isnan(z[:, :2]).all() and z[:, 2].tolist() == [0.0, 0.5, 1.0]
    # The centre is not finite (log 0), but other points of the domain are.
    g = grid("log(x)", ((-2.0, 2.0), (0.0, 1.0)), 5)
    assert g["z"][0, 4] == pytest.approx(math.log(2.0))


def test_grid_where_nothing_is_finite_says_so():
    with pytest.raises(EvaluationError):
        grid("log(-1 - x*x)", ((-1.0, 1.0), (-1.0, 1.0)), 4)


def test_grid_cpu_limit(monkeypatch):
    monkeypatch.setattr(budget_module, "MAX_CPU_SECONDS", 0.0)
    with pytest.raises(InputError) as info:
        grid("x*y", ((0.0, 1.0), (0.0, 1.0)), 64)
    assert info.value.limit == "cpu_time" and "limit cpu_time" in info.value.message


@pytest.mark.parametrize("sid", ["model_logreg", "model_relu"])
def test_a_model_surface_is_its_programs_loss_and_gradient(sid):
    """The elementwise expression and the program a student reads give the same loss and
    gradient over (w, b); the gradient agrees with central differences; the minimum is one."""
    from engine import parse_program
    from engine.objectives import ParamsObjective

    s = SURFACES[sid]
    objective = ParamsObjective(parse_program(s.program))
    assert objective.dim == 2
    rng = np.random.default_rng(5)
    points = np.column_stack([rng.uniform(*s.domain[0], 12), rng.uniform(*s.domain[1], 12)])
    loss, grad = value_and_grad(s.expression, points)
    want_loss, want_grad = objective(points, np.empty_like(points))
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9, atol=1e-12)
    h = 1e-6
    for k in range(2):
        step = np.zeros(2)
        step[k] = h
        up, _ = value_and_grad(s.expression, points + step)
        down, _ = value_and_grad(s.expression, points - step)
        np.testing.assert_allclose(grad[:, k], (up - down) / (2 * h), rtol=1e-5, atol=1e-7)
    at_min, g_min = value_and_grad(s.expression, s.minima)
    assert at_min[0] == pytest.approx(s.minimum_value, rel=1e-9) and np.abs(g_min).max() < 1e-9
