"""Hand-worked numbers from the lecture, end to end through programs (micrograd style)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import PRESETS, gradcheck, parse_program, trace


def grads_of(program: str) -> dict:
    return trace(parse_program(program))["grads"]


def test_z_equals_xy():
    # ∂z/∂x = y, ∂z/∂y = x.
    t = trace(parse_program("x = input(3.0)\ny = input(-2.0)\nz = x * y"))
    assert t["loss"] == -6.0
    assert t["grads"] == {"x": -2.0, "y": 3.0}


def test_colah_example():
    # e = (a + b)(b + 1) at a = 2, b = 1: c = 3, d = 2, e = 6; ∂e/∂a = 2, ∂e/∂b = 5.
    t = trace(parse_program(PRESETS["colah"].program))
    values = {f["node"]: f["value"] for f in t["forward"]}
    assert (values["c"], values["d"], values["e"]) == (3.0, 2.0, 6.0)
    assert t["grads"] == {"a": 2.0, "b": 5.0}


def test_fan_out_is_the_sum_of_each_consumers_share():
    # b feeds c = a + b (share ∂e/∂c · 1 = d = 2) and d = b + 1 (share ∂e/∂d · 1 = c = 3).
    t = trace(parse_program(PRESETS["colah"].program))
    shares_to_b = [to["grad"] for step in t["backward"] for to in step["to"] if to["input"] == "b"]
    assert sorted(shares_to_b) == [2.0, 3.0]
    b_step = next(step for step in t["backward"] if step["node"] == "b")
    assert b_step["grad"] == 5.0 == sum(shares_to_b)


def test_backward_events_show_local_times_incoming():
    t = trace(parse_program(PRESETS["colah"].program))
    e_step = t["backward"][0]
    assert e_step["node"] == "e" and e_step["grad"] == 1.0
    # e = c·d: the local gradient towards c is d = 2, towards d is c = 3.
    assert e_step["to"] == [
        {"input": "c", "local": 2.0, "grad": 2.0, "formula": "∂e/∂c = d"},
        {"input": "d", "local": 3.0, "grad": 3.0, "formula": "∂e/∂d = c"},
    ]
    d_step = next(step for step in t["backward"] if step["node"] == "d")
    assert d_step["to"][1]["formula"] == "∂d/∂1 = 1"  # a constant is shown by its value


def test_logistic_regression_gradient_is_y_minus_t_times_x():
    x, t, w, b = np.array([1.0, 2.0]), 1.0, np.array([0.8, -0.3]), 0.25
    y = 1 / (1 + np.exp(-(w @ x + b)))
    g = grads_of(f"x = input({x.tolist()})\nt = input({t})\nw = param({w.tolist()})\nb = param({b})\n"
                 "y = sigmoid(w @ x + b)\nloss = bce(y, t)")
    np.testing.assert_allclose(g["w"], (y - t) * x, rtol=1e-12)
    assert g["b"] == pytest.approx(y - t, rel=1e-12)


def test_logreg_preset_numbers():
    # wᵀx + b = 0.75 − 0.5 − 0.25 = 0 exactly, so y = 0.5 and ∂L/∂w = (0.5 − 1)·[1, 2].
    t = trace(parse_program(PRESETS["logreg"].program))
    assert next(f["value"] for f in t["forward"] if f["node"] == "z") == 0.0
    assert t["loss"] == pytest.approx(np.log(2))
    np.testing.assert_allclose(t["grads"]["w"], [-0.5, -1.0])
    assert t["grads"]["b"] == pytest.approx(-0.5)


@pytest.mark.parametrize("depth", [1, 5, 10])
def test_deep_linear_gradient_grows_as_two_to_the_depth(depth):
    lines = ["x = input([1.0, 1.0])"]
    previous = "x"
    for layer in range(1, depth + 1):
        lines += [f"W{layer} = param(2 * eye(2))", f"h{layer} = W{layer} @ {previous}"]
        previous = f"h{layer}"
    lines.append(f"loss = sum({previous})")
    g = grads_of("\n".join(lines))
    np.testing.assert_allclose(g["x"], [2.0**depth, 2.0**depth])
    # ∂L/∂W1 = (W_L···W_2)ᵀ 1 xᵀ = 2^(L−1) everywhere.
    np.testing.assert_allclose(g["W1"], np.full((2, 2), 2.0 ** (depth - 1)))


def test_deep_linear_half_identity_vanishes():
    program = PRESETS["deep_linear"].program.replace("2 * eye(2)", "0.5 * eye(2)")
    np.testing.assert_allclose(grads_of(program)["x"], [2.0**-10, 2.0**-10])


def test_relu_layer_bias_gradient_sums_over_the_batch():
    t = trace(parse_program(PRESETS["relu_layer"].program))
    values = {f["node"]: np.array(f["value"]) for f in t["forward"]}
    active = (values["Z"] > 0).astype(float)  # H is seeded with ones; relu passes 1 where Z > 0
    np.testing.assert_allclose(t["grads"]["b"], active.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(t["grads"]["W"], active @ values["X"].T)


def test_mlp_output_gradient_is_softmax_minus_targets_over_n():
    t = trace(parse_program(PRESETS["mlp"].program))
    values = {f["node"]: np.array(f["value"]) for f in t["forward"]}
    y = values["Y"]
    p = np.exp(y - y.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y_step = next(s for s in t["backward"] if s["node"] == "Y")
    np.testing.assert_allclose(y_step["grad"], (p - values["T"]) / 4, rtol=1e-12)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_matches_finite_differences(preset):
    graph = parse_program(PRESETS[preset].program)
    result = gradcheck(graph)
    assert result["max_rel_error"] < 1e-6, result
    assert set(result["leaves"]) == {n.id for n in graph.nodes if n.kind in ("input", "param")}
