"""Optimizers against hand-worked steps on f(w) = ½(w₀² + 4w₁²), d = (w₀, 4w₁), from w = (2, 1).

Step 1 is written out as numbers; later steps unroll the formula in plain NumPy
(never through engine code), coordinate-wise, exactly as the docstrings state it.
"""

import math

import numpy as np
import pytest

from engine.optimizers import OPTIMIZERS, stack_group
from engine.params import Param, ParamError

W0 = np.array([2.0, 1.0])


def grad(w):
    return np.array([1.0, 4.0]) * w  # ∂/∂w of ½(w₀² + 4w₁²)


def run(opt_id, steps, lr=0.1, **params):
    """Run one optimizer from W0 at constant η; the points after each update and each effective_lr."""
    opt = OPTIMIZERS[opt_id]
    hp = opt.stack_params([opt.validate_params(dict(lr=lr, **params))])
    w = W0[None, :].copy()
    state = opt.init_state(w, hp)
    points, rates = [], []
    for t in range(1, steps + 1):
        w, eff = opt.step(w, grad(w[0])[None, :], t, hp["lr"], state)
        points.append(w[0].copy())
        rates.append(np.array(eff[0], copy=True))
    return points, rates


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)


# --- hand-worked steps -----------------------------------------------------------------

def test_sgd():
    (w1, w2, w3), rates = run("sgd", 3)
    close(w1, [2 - 0.1 * 2, 1 - 0.1 * 4])            # (1.8, 0.6); d = (1.8, 2.4)
    close(w2, [1.8 - 0.1 * 1.8, 0.6 - 0.1 * 2.4])    # (1.62, 0.36); d = (1.62, 1.44)
    close(w3, [1.62 - 0.1 * 1.62, 0.36 - 0.1 * 1.44])  # (1.458, 0.216)
    for r in rates:
        close(r, [0.1, 0.1])


def test_momentum_lecture_form():
    # Δw(t) = −η d(t) + α Δw(t−1), η = 0.1, α = 0.9
    (w1, w2, w3), rates = run("momentum", 3, momentum=0.9)
    close(w1, [1.8, 0.6])                             # Δw = (−0.2, −0.4); d = (1.8, 2.4)
    close(w2, [1.8 - 0.18 - 0.18, 0.6 - 0.24 - 0.36])  # Δw = (−0.36, −0.6) → (1.44, 0); d = (1.44, 0)
    close(w3, [1.44 - 0.144 - 0.324, 0 - 0 - 0.54])    # Δw = (−0.468, −0.54) → (0.972, −0.54)
    close(rates[2], [0.1, 0.1])


def test_nesterov_torch_form():
    # B = αB + d (B(1) = d); Δw = −η(d + αB), η = 0.1, α = 0.9
    (w1, w2, w3), _ = run("nesterov", 3, momentum=0.9)
    close(w1, [2 - 0.1 * (2 + 0.9 * 2), 1 - 0.1 * (4 + 0.9 * 4)])  # (1.62, 0.24); d = (1.62, 0.96)
    # B = (0.9·2 + 1.62, 0.9·4 + 0.96) = (3.42, 4.56)
    close(w2, [1.62 - 0.1 * (1.62 + 0.9 * 3.42), 0.24 - 0.1 * (0.96 + 0.9 * 4.56)])  # (1.1502, −0.2664)
    # d = (1.1502, −1.0656); B = (0.9·3.42 + 1.1502, 0.9·4.56 − 1.0656) = (4.2282, 3.0384)
    close(w3, [1.1502 - 0.1 * (1.1502 + 0.9 * 4.2282), -0.2664 - 0.1 * (-1.0656 + 0.9 * 3.0384)])
    close(w3, [0.654642, -0.433296])


def test_adagrad():
    # S(t) = S(t−1) + d²; Δw = −η/(√S + ε)·d with η = 0.1 and a large ε = 0.5 so its place shows
    (w1, w2, w3), rates = run("adagrad", 3, eps=0.5)
    close(w1, [2 - 0.1 / (2 + 0.5) * 2, 1 - 0.1 / (4 + 0.5) * 4])  # S = (4, 16)
    close(rates[0], [0.1 / 2.5, 0.1 / 4.5])
    d = np.array([1.0, 4.0]) * w1
    S = np.array([4.0, 16.0]) + d**2
    close(w2, w1 - 0.1 / (np.sqrt(S) + 0.5) * d)
    close(rates[1], 0.1 / (np.sqrt(S) + 0.5))
    d = np.array([1.0, 4.0]) * w2
    S = S + d**2
    close(w3, w2 - 0.1 / (np.sqrt(S) + 0.5) * d)
    assert np.all(rates[2] < rates[1]) and np.all(rates[1] < rates[0])  # only ever falls


def test_rmsprop():
    # S = βS + (1−β)d²; Δw = −η/(√S + ε)·d, η = 0.1, β = 0.9, ε = 1e-8
    (w1, w2, w3), rates = run("rmsprop", 3, beta=0.9)
    # S = 0.1·(4, 16) = (0.4, 1.6): the first step is η/√(1−β) = 0.316… in each coordinate
    close(w1, [2 - 0.1 * 2 / (math.sqrt(0.4) + 1e-8), 1 - 0.1 * 4 / (math.sqrt(1.6) + 1e-8)])
    np.testing.assert_allclose(w1, [2 - 0.1 * math.sqrt(10), 1 - 0.1 * math.sqrt(10)], rtol=1e-7)  # ε aside
    S = np.array([0.4, 1.6])
    for w_prev, w_next, rate in ((w1, w2, rates[1]), (w2, w3, rates[2])):
        d = np.array([1.0, 4.0]) * w_prev
        S = 0.9 * S + 0.1 * d**2
        close(w_next, w_prev - 0.1 / (np.sqrt(S) + 1e-8) * d)
        close(rate, 0.1 / (np.sqrt(S) + 1e-8))


def _adam_by_hand(steps, bias_correction, weight_decay=0.0):
    """M = αM + (1−α)d; S = βS + (1−β)d²; Δw = −η/(1−αᵗ)·M/(√S/√(1−βᵗ) + ε), unrolled."""
    eta, a, b, eps = 0.1, 0.9, 0.999, 1e-8
    w, M, S, out = W0.copy(), np.zeros(2), np.zeros(2), []
    for t in (1, 2, 3)[:steps]:
        d = np.array([1.0, 4.0]) * w
        w = w * (1 - eta * weight_decay)
        M = a * M + (1 - a) * d
        S = b * S + (1 - b) * d**2
        c1, c2 = (1 - a**t, 1 - b**t) if bias_correction else (1.0, 1.0)
        w = w - eta / c1 * M / (np.sqrt(S) / np.sqrt(c2) + eps)
        out.append(w)
    return out


def test_adam_first_step_by_hand():
    (w1,), (r1,) = run("adam", 1)
    # M = 0.1·d, S = 0.001·d²; M/(1−α) = d, √(S/(1−β)) = |d|: Δw = −η·d/(|d| + ε)
    close(w1, [2 - 0.1 * 2 / (2 + 1e-8), 1 - 0.1 * 4 / (4 + 1e-8)])
    close(r1, [0.1 / 0.1 / (math.sqrt(0.004) / math.sqrt(0.001) + 1e-8),
               0.1 / 0.1 / (math.sqrt(0.016) / math.sqrt(0.001) + 1e-8)])  # rate multiplying M


def test_lecture_adam_differs_at_step_one_as_the_formula_says():
    (w_lecture,), (r_lecture,) = run("adam", 1, bias_correction=False)
    (w_adam,), _ = run("adam", 1)
    # lecture: Δw = −η M/(√S + ε) = −0.1·0.2/(√0.004 + ε), −0.1·0.4/(√0.016 + ε)
    close(w_lecture, [2 - 0.1 * 0.2 / (math.sqrt(0.004) + 1e-8), 1 - 0.1 * 0.4 / (math.sqrt(0.016) + 1e-8)])
    close(r_lecture, [0.1 / (math.sqrt(0.004) + 1e-8), 0.1 / (math.sqrt(0.016) + 1e-8)])
    # without ε the ratio of the two first steps is (1 − α)/√(1 − β) = 0.1/√0.001 = √10
    np.testing.assert_allclose((w_lecture - W0) / (w_adam - W0), math.sqrt(10), rtol=1e-6)


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam_three_steps(bias_correction):
    points, _ = run("adam", 3, bias_correction=bias_correction)
    for got, want in zip(points, _adam_by_hand(3, bias_correction)):
        close(got, want)


def test_adamw_decays_before_the_adam_step():
    points, rates = run("adamw", 3, weight_decay=0.1)
    # step 1: w(1 − ηλ) = (2·0.99, 1·0.99), then Adam's −η·d/(|d| + ε) with d at the old w
    close(points[0], [1.98 - 0.1 * 2 / (2 + 1e-8), 0.99 - 0.1 * 4 / (4 + 1e-8)])
    for got, want in zip(points, _adam_by_hand(3, True, weight_decay=0.1)):
        close(got, want)
    _, adam_rates = run("adam", 1)
    close(rates[0], adam_rates[0])


def test_rprop_sign_flip_and_first_step():
    # Δ(0) = η = 0.5, η⁺ = 1.2, η⁻ = 0.5
    points, sizes = run("rprop", 4, lr=0.5)
    close(points[0], [2 - 0.5, 1 - 0.5])        # d(0) = 0: factor 1; → (1.5, 0.5); d = (1.5, 2)
    close(points[1], [1.5 - 0.6, 0.5 - 0.6])    # same signs: Δ = 0.6 → (0.9, −0.1); d = (0.9, −0.4)
    close(points[2], [0.9 - 0.72, -0.1])        # w₁'s sign flipped: Δ₁ = 0.3, d₁ := 0, no move
    close(points[3], [0.18 - 0.864, -0.1 + 0.3])  # d₁(t−1) = 0: factor 1, Δ₁ stays 0.3
    close(np.array(sizes), [[0.5, 0.5], [0.6, 0.6], [0.72, 0.3], [0.864, 0.3]])


def test_rprop_clips_and_ignores_later_lr():
    opt = OPTIMIZERS["rprop"]
    hp = opt.stack_params([opt.validate_params({"lr": 0.5, "step_max": 0.7})])
    w = W0[None, :]
    state = opt.init_state(w, hp)
    sizes = []
    for t, lr in ((1, 0.5), (2, 99.0), (3, 0.0)):  # a schedule's later η is ignored, like torch
        w, size = opt.step(w, grad(w[0])[None, :], t, np.array([[lr]]), state)
        sizes.append(size[0])
    close(np.array(sizes), [[0.5, 0.5], [0.6, 0.6], [0.7, 0.3]])  # 0.72 clipped to step_max


def test_adadelta():
    # S = ρS + (1−ρ)d²; Δx = √(A + ε)/√(S + ε)·d; A = ρA + (1−ρ)Δx²; Δw = −ηΔx; η = 1, ρ = 0.9, ε = 1e-6
    points, rates = run("adadelta", 3, lr=1.0)
    close(points[0], [2 - math.sqrt(1e-6) / math.sqrt(0.4 + 1e-6) * 2,
                      1 - math.sqrt(1e-6) / math.sqrt(1.6 + 1e-6) * 4])  # ≈ (1.99684, 0.99684)
    close(rates[0], [math.sqrt(1e-6) / math.sqrt(0.4 + 1e-6), math.sqrt(1e-6) / math.sqrt(1.6 + 1e-6)])
    w, S, A = W0.copy(), np.zeros(2), np.zeros(2)
    for got, rate in zip(points, rates):
        d = np.array([1.0, 4.0]) * w
        S = 0.9 * S + 0.1 * d**2
        ratio = np.sqrt(A + 1e-6) / np.sqrt(S + 1e-6)
        dx = ratio * d
        A = 0.9 * A + 0.1 * dx**2
        w = w - 1.0 * dx
        close(got, w)
        close(rate, 1.0 * ratio)


def test_momentum_equals_velocity_form_at_constant_lr():
    points, _ = run("momentum", 50, lr=0.05, momentum=0.8)
    w, buf = W0.copy(), None
    for got in points:
        d = grad(w)
        buf = d if buf is None else 0.8 * buf + d  # torch SGD(momentum, dampening=0)
        w = w - 0.05 * buf
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)


def test_step_does_not_mutate_w():
    for opt in OPTIMIZERS.values():
        hp = opt.stack_params([opt.validate_params({})])
        w = np.array([[2.0, 1.0]])
        state = opt.init_state(w, hp)
        w_new, eff = opt.step(w, np.array([[2.0, 4.0]]), 1, hp["lr"], state)
        assert w_new is not w and w.tolist() == [[2.0, 1.0]]
        assert w_new.shape == eff.shape == (1, 2)


def test_diverging_run_goes_non_finite_without_raising():
    # The runner silences overflow once around its loop and stops such runs.
    for opt in OPTIMIZERS.values():
        hp = opt.stack_params([opt.validate_params({"lr": 10.0})])
        w = np.array([[1e300, -1e300]])
        state = opt.init_state(w, hp)
        with np.errstate(all="ignore"):
            for t in (1, 2, 3):
                w, _ = opt.step(w, np.array([[1e308, -np.inf]]), t, hp["lr"], state)
        # RProp only reads the gradient's sign, so its steps stay finite; the rest overflow.
        assert np.isfinite(w).all() == (opt.id == "rprop"), opt.id


# --- vectorisation --------------------------------------------------------------------

VARIANTS = {
    "sgd": [{"lr": 1e-3}, {"lr": 5e-4}, {"lr": 2e-4}],
    "momentum": [{"lr": 1e-3, "momentum": 0.9}, {"lr": 5e-4, "momentum": 0.5}, {"lr": 1e-4, "momentum": 0.0}],
    "nesterov": [{"lr": 5e-4, "momentum": 0.9}, {"lr": 5e-4, "momentum": 0.5}, {"lr": 1e-5, "momentum": 0.99}],
    "adagrad": [{"lr": 0.1}, {"lr": 0.5, "eps": 1e-3}, {"lr": 0.01, "eps": 1e-10}],
    "rmsprop": [{}, {"lr": 0.05, "beta": 0.5}, {"lr": 0.001, "beta": 0.99, "eps": 1e-4}],
    "adam": [{}, {"bias_correction": False}, {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}],
    "adamw": [{}, {"weight_decay": 0.0}, {"lr": 0.05, "beta1": 0.0, "beta2": 0.99, "weight_decay": 0.5}],
    "rprop": [{}, {"lr": 0.1, "eta_minus": 0.3, "eta_plus": 1.5}, {"lr": 0.001, "step_min": 0.01, "step_max": 0.05}],
    "adadelta": [{}, {"lr": 0.5, "rho": 0.5}, {"lr": 2.0, "eps": 1e-3}],
}


def rosenbrock_grad(w):
    x, y = w[:, :1], w[:, 1:]
    return np.hstack([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def march(opt, starts, runs, steps=60):
    """Advance len(runs) runs together with a per-run, per-update η (as from schedules)."""
    hp = opt.stack_params([opt.validate_params(r) for r in runs])
    w = np.array(starts, dtype=float)
    state = opt.init_state(w, hp)
    trail = []
    for t in range(1, steps + 1):
        lr = hp["lr"] * (1 + 0.5 * np.cos(t / 7.0))  # any varying η
        w, eff = opt.step(w, rosenbrock_grad(w), t, lr, state)
        trail.append((w, eff))
    return trail


def test_registry_matches_design():
    assert list(OPTIMIZERS) == list(VARIANTS)
    want = {
        "sgd": ["lr"], "momentum": ["lr", "momentum"], "nesterov": ["lr", "momentum"],
        "adagrad": ["lr", "eps"], "rmsprop": ["lr", "beta", "eps"],
        "adam": ["lr", "beta1", "beta2", "eps", "bias_correction"],
        "adamw": ["lr", "beta1", "beta2", "eps", "weight_decay"],
        "rprop": ["lr", "eta_minus", "eta_plus", "step_min", "step_max"],
        "adadelta": ["lr", "rho", "eps"],
    }
    for oid, opt in OPTIMIZERS.items():
        assert opt.id == oid and opt.title and opt.formula and opt.citation
        assert [p.name for p in opt.params] == want[oid]
        for p in opt.params:
            assert isinstance(p, Param) and p.description
            if p.kind != "bool":
                assert p.min <= p.default <= p.max, (oid, p.name)
        assert opt.validate_params({}) == {p.name: p.default for p in opt.params}
    defaults = {oid: opt.validate_params() for oid, opt in OPTIMIZERS.items()}
    assert defaults["momentum"]["momentum"] == 0.9 and defaults["adagrad"]["eps"] == 1e-8
    assert defaults["rmsprop"]["beta"] == 0.9 and defaults["adam"]["bias_correction"] is True
    assert (defaults["adam"]["beta1"], defaults["adam"]["beta2"]) == (0.9, 0.999)
    assert defaults["adamw"]["weight_decay"] == 0.01
    assert defaults["rprop"] == {"lr": 0.01, "eta_minus": 0.5, "eta_plus": 1.2, "step_min": 1e-6, "step_max": 50.0}
    assert defaults["adadelta"] == {"lr": 1.0, "rho": 0.9, "eps": 1e-6}


@pytest.mark.parametrize("opt_id", list(VARIANTS))
def test_batch_equals_each_run_alone(opt_id):
    opt, runs = OPTIMIZERS[opt_id], VARIANTS[opt_id]
    starts = [[-1.5, 2.0], [0.5, -0.5], [-1.5, 2.0]]
    together = march(opt, starts, runs)
    for k, (start, params) in enumerate(zip(starts, runs)):
        alone = march(opt, [start], [params])
        for (w_all, eff_all), (w_one, eff_one) in zip(together, alone):
            np.testing.assert_array_equal(w_all[k], w_one[0])
            np.testing.assert_array_equal(eff_all[k], eff_one[0])



@pytest.mark.parametrize("opt_id", list(OPTIMIZERS))
def test_out_and_spread_lr_give_the_same_numbers_and_keep_no_reference(opt_id):
    """The runner's way of calling step (η spread to (K, D), the new point written into
    ``out``, one gradient buffer reused) gives bit for bit what the plain way gives, and
    every effective_lr it returned earlier stays as it was."""
    opt = OPTIMIZERS[opt_id]
    runs = [{"lr": 0.02}, {"lr": 0.05}]
    hp = opt.stack_params([opt.validate_params(r) for r in runs])
    lr_spread = np.repeat(hp["lr"], 2, axis=1)
    w_plain = np.array([[-1.5, 2.0], [0.5, -0.3]])
    w_out = [w_plain.copy(), np.empty((2, 2))]  # two buffers taking turns, as in the runner
    plain_state, out_state = opt.init_state(w_plain, hp), opt.init_state(w_plain, hp)
    d_buffer = np.empty((2, 2))
    kept, kept_copies = [], []
    for t in range(1, 30):
        d = np.array([1.0, 4.0]) * w_plain
        w_plain, eff_plain = opt.step(w_plain, d, t, hp["lr"], plain_state)
        d_buffer[...] = np.array([1.0, 4.0]) * w_out[0]
        new, eff = opt.step(w_out[0], d_buffer, t, lr_spread, out_state, out=w_out[1])
        assert new is w_out[1]
        d_buffer[...] = np.nan  # whatever step kept of d must not matter
        w_out.reverse()
        assert np.array_equal(w_out[0], w_plain) and np.array_equal(eff, eff_plain)
        kept.append(eff)
        kept_copies.append(eff.copy())
    for eff, copy in zip(kept, kept_copies):
        assert np.array_equal(eff, copy)

def test_special_cases_are_their_own_formula_to_the_bit():
    """SGD runs as momentum with α = 0, and AdaGrad, RMSProp, Adam and AdamW as one
    adaptive-rate update: stepped together as one group, each run is still its own
    optimizer's formula (written here as the paper writes it, in torch's order of
    operations) bit for bit.

    Exact equality holds on every machine because both sides make only IEEE +, −, ×, ÷
    and √ (correctly rounded by every SIMD kernel) and Python's scalar ``β ** t``;
    NumPy's vectorised ``power`` may round differently by CPU, so neither side uses it."""
    members = [("sgd", {"lr": 1e-3}), ("momentum", {"lr": 1e-3, "momentum": 0.5}),
               ("adagrad", {"lr": 0.1}), ("rmsprop", {"lr": 0.01, "beta": 0.8}),
               ("adam", {"lr": 0.05, "bias_correction": False}), ("adamw", {"lr": 0.05, "weight_decay": 0.1})]
    groups = {}
    for name, params in members:
        groups.setdefault(OPTIMIZERS[name].kernel, []).append((OPTIMIZERS[name], OPTIMIZERS[name].validate_params(params)))
    assert len(groups) == 2
    trails = {}
    for group in groups.values():
        hp = stack_group(group)
        w = np.tile([-1.5, 2.0], (len(group), 1))
        state = group[0][0].init_state(w, hp)
        trail = []
        for t in range(1, 41):
            w, _ = group[0][0].step(w, rosenbrock_grad(w), t, hp["lr"], state)
            trail.append(w)
        trails.update({opt.id: np.array([p[k] for p in trail]) for k, (opt, _) in enumerate(group)})

    w = {name: np.array([-1.5, 2.0]) for name, _ in members}
    S = {name: np.zeros(2) for name in ("adagrad", "rmsprop", "adam", "adamw")}
    M = {name: np.zeros(2) for name in ("adam", "adamw")}
    dw = np.zeros(2)
    for t in range(1, 41):
        d = {name: rosenbrock_grad(v[None, :])[0] for name, v in w.items()}
        w["sgd"] = w["sgd"] - 1e-3 * d["sgd"]
        dw = 0.5 * dw - 1e-3 * d["momentum"]
        w["momentum"] = w["momentum"] + dw
        S["adagrad"] = S["adagrad"] + d["adagrad"] ** 2
        w["adagrad"] = w["adagrad"] - 0.1 * (d["adagrad"] / (np.sqrt(S["adagrad"]) + 1e-8))
        S["rmsprop"] = 0.8 * S["rmsprop"] + (1 - 0.8) * d["rmsprop"] ** 2
        w["rmsprop"] = w["rmsprop"] - 0.01 * (d["rmsprop"] / (np.sqrt(S["rmsprop"]) + 1e-8))
        M["adam"] = 0.9 * M["adam"] + (1 - 0.9) * d["adam"]
        S["adam"] = 0.999 * S["adam"] + (1 - 0.999) * d["adam"] ** 2
        w["adam"] = w["adam"] - 0.05 * (M["adam"] / (np.sqrt(S["adam"]) + 1e-8))
        decayed = w["adamw"] * (1 - 0.05 * 0.1)
        M["adamw"] = 0.9 * M["adamw"] + (1 - 0.9) * d["adamw"]
        S["adamw"] = 0.999 * S["adamw"] + (1 - 0.999) * d["adamw"] ** 2
        c1, c2 = 1 - 0.9**t, 1 - 0.999**t
        w["adamw"] = decayed - 0.05 / c1 * (M["adamw"] / (np.sqrt(S["adamw"]) / np.sqrt(c2) + 1e-8))
        for name, v in w.items():
            np.testing.assert_array_equal(trails[name][t - 1], v, err_msg=f"{name} at update {t}")


def test_stack_group_refuses_optimizers_of_different_kernels():
    with pytest.raises(ValueError, match="one kernel"):
        stack_group([(OPTIMIZERS["sgd"], {}), (OPTIMIZERS["adam"], {})])


def test_stack_params_shapes():
    adam = OPTIMIZERS["adam"]
    hp = adam.stack_params([adam.validate_params({"lr": 0.1}), adam.validate_params({"bias_correction": False})])
    assert hp["lr"].shape == (2, 1) and hp["lr"].dtype == np.float64
    assert hp["lr"][:, 0].tolist() == [0.1, 0.01]
    assert hp["bias_correction"][:, 0].tolist() == [True, False]
    with pytest.raises(ValueError):
        OPTIMIZERS["adam"].stack_params([])


# --- validation -----------------------------------------------------------------------

@pytest.mark.parametrize("opt_id, params, words", [
    ("adam", {"beta3": 0.5}, ["beta3", "lr, beta1, beta2, eps, bias_correction"]),
    ("adam", {"beta1": 1.5}, ["beta1", "between 0 and 0.9999", "1.5"]),
    ("adam", {"lr": -0.1}, ["lr", "between 0 and 10"]),
    ("adam", {"eps": float("nan")}, ["eps"]),
    ("adam", {"lr": "fast"}, ["lr", "must be a number"]),
    ("adam", {"lr": True}, ["lr", "must be a number"]),
    ("adam", {"bias_correction": 1}, ["bias_correction", "true or false"]),
    ("momentum", {"momentum": 1.0}, ["momentum", "between 0 and 0.9999"]),
    ("rprop", {"eta_minus": 1.0}, ["eta_minus", "between 0.01 and 0.99"]),
    ("rprop", {"eta_plus": 1.0}, ["eta_plus", "between 1.01 and 10"]),
    ("rprop", {"step_min": 1.0, "step_max": 0.5}, ["step_min", "must not exceed step_max"]),
])
def test_bad_params_name_the_parameter_and_range(opt_id, params, words):
    with pytest.raises(ValueError) as err:
        OPTIMIZERS[opt_id].validate_params(params)
    assert isinstance(err.value, ParamError) and err.value.param == next(iter(params))
    for word in words:
        assert word in str(err.value)
    assert str(err.value).startswith(opt_id + ":")


def test_validate_fills_defaults_and_coerces():
    p = OPTIMIZERS["rmsprop"].validate_params({"lr": 1})
    assert p == {"lr": 1.0, "beta": 0.9, "eps": 1e-8} and isinstance(p["lr"], float)
    assert OPTIMIZERS["sgd"].validate_params(None) == {"lr": 0.01}
    with pytest.raises(ValueError, match="name: value"):
        OPTIMIZERS["sgd"].validate_params([("lr", 0.1)])
