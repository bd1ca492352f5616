"""Schedules: η(t) against the design table's formulas, worked by hand (η₀ = 0.1)."""

import math

import numpy as np
import pytest

from engine.params import ParamError
from engine.schedules import SCHEDULES


def eta(schedule, t, lr0=0.1, **params):
    return SCHEDULES[schedule].curve(np.array(t), lr0, params).tolist()


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-13, atol=0)


def test_registry():
    assert list(SCHEDULES) == ["constant", "piecewise", "exponential", "reciprocal", "step", "cosine", "newbob"]
    for sid, s in SCHEDULES.items():
        assert s.id == sid and s.title and "η" in s.formula
        names = [p.name for p in s.params]
        assert names[-1] == "warmup" and len(set(names)) == len(names)
        assert all(p.description for p in s.params)
        assert s.validate_params() == {p.name: list(p.default) if p.kind == "list" else p.default
                                       for p in s.params}


def test_constant():
    close(eta("constant", [0, 1, 500, 9999]), [0.1, 0.1, 0.1, 0.1])


def test_piecewise_values_are_absolute_rates():
    got = eta("piecewise", [0, 9, 10, 19, 20, 1000], lr0=123.0, boundaries=[10, 20], values=[0.3, 0.2, 0.1])
    assert got == [0.3, 0.3, 0.2, 0.2, 0.1, 0.1]
    assert eta("piecewise", [0, 50], boundaries=[], values=[0.7]) == [0.7, 0.7]


def test_exponential():
    close(eta("exponential", [0, 100, 250], r=100), [0.1, 0.1 * math.exp(-1), 0.1 * math.exp(-2.5)])


def test_reciprocal():
    close(eta("reciprocal", [0, 100, 300], r=100), [0.1, 0.1 / 2, 0.1 / 4])        # c = 1: (1 + t/r)⁻¹
    close(eta("reciprocal", [100, 300], r=100, c=2), [0.1 / 4, 0.1 / 16])           # (1 + t/r)⁻²
    close(eta("reciprocal", [50], r=100, c=0.5), [0.1 / math.sqrt(1.5)])


def test_step():
    close(eta("step", [0, 99, 100, 199, 250], every=100, gamma=0.5), [0.1, 0.1, 0.05, 0.05, 0.025])
    close(eta("step", [30], every=10, gamma=0.1), [0.1 * 0.1**3])


def test_cosine():
    # η_min + (η₀ − η_min)(1 + cos(π τ/period))/2 with η₀ = 0.1, η_min = 0.01, period 100
    close(eta("cosine", [0, 50, 100, 150, 400], period=100, eta_min=0.01),
          [0.1, 0.01 + 0.09 * 0.5, 0.01, 0.01, 0.01])                                  # τ = min(t, period)
    close(eta("cosine", [25], period=100), [0.1 * (1 + math.cos(math.pi / 4)) / 2])
    close(eta("cosine", [99, 100, 150, 200], period=100, eta_min=0.01, restarts=True),
          [0.01 + 0.09 * (1 + math.cos(math.pi * 0.99)) / 2, 0.1, 0.055, 0.1])          # τ = t mod period


def test_warmup_scales_the_first_steps():
    # for t < warmup: η(t)·(t + 1)/warmup
    close(eta("constant", [0, 1, 2, 3, 4, 100], warmup=4), [0.025, 0.05, 0.075, 0.1, 0.1, 0.1])
    close(eta("exponential", [0, 1, 2], r=100, warmup=2), [0.1 * 0.5, 0.1 * math.exp(-0.01), 0.1 * math.exp(-0.02)])
    close(eta("piecewise", [0, 1], boundaries=[1], values=[0.4, 0.2], warmup=3), [0.4 / 3, 0.2 * 2 / 3])
    sched = SCHEDULES["newbob"].start([0.1, 0.2], {"warmup": 2})
    close(sched.rate(0), [0.05, 0.1])
    close(sched.rate(1), [0.1, 0.2])


PARAMS = [
    ("constant", {}), ("constant", {"warmup": 7}),
    ("piecewise", {"boundaries": [3, 17, 40], "values": [0.5, 0.05, 0.2, 0.001], "warmup": 5}),
    ("exponential", {"r": 13.0}), ("reciprocal", {"r": 7.0, "c": 1.3, "warmup": 3}),
    ("step", {"every": 9, "gamma": 0.7}), ("cosine", {"period": 31, "eta_min": 0.003}),
    ("cosine", {"period": 31, "eta_min": 0.003, "restarts": True, "warmup": 10}),
    ("newbob", {"epoch_steps": 5}),
]


@pytest.mark.parametrize("schedule, params", PARAMS)
def test_rate_equals_curve(schedule, params):
    """The runner's table and the plotted curve are one formula function evaluated on the
    same t with the same NumPy calls (η₀ a column or a number: × is exact), so they agree
    to the bit."""
    s = SCHEDULES[schedule]
    lr0 = np.array([0.1, 0.03, 1.7])
    sched = s.start(lr0, params)
    t = np.arange(600)
    rates = np.array([sched.rate(int(k)) for k in t])  # crosses the table's growth at 256 and 512
    assert rates.shape == (600, 3)
    for k, lr in enumerate(lr0):
        np.testing.assert_array_equal(rates[:, k], s.curve(t, lr, params))


def test_first_update_uses_lr():
    for sid, s in SCHEDULES.items():
        if sid != "piecewise":
            assert s.start([0.25], {}).rate(0).tolist() == [0.25]


def test_rate_is_read_only():
    for s in SCHEDULES.values():
        with pytest.raises(ValueError):
            s.start([0.1, 0.2], {}).rate(3)[0] = 5.0


def test_newbob_halves_after_a_non_improving_epoch():
    sched = SCHEDULES["newbob"].start([0.1, 0.2], {"epoch_steps": 3})
    # run 0: epoch means 10, 8, 9 (no improvement), 5, 4; run 1 always improves
    losses = [[10, 5], [10, 5], [10, 5], [9, 4], [8, 4], [7, 4], [9, 3], [9, 3], [9, 3],
              [5, 2], [5, 2], [5, 2], [4, 1], [4, 1], [4, 1]]
    rates = []
    for t, loss in enumerate(losses, start=1):
        rates.append(sched.rate(t - 1).tolist())  # the η update t uses
        sched.observe(t, np.array(loss, dtype=float))
    rates.append(sched.rate(len(losses)).tolist())
    want0 = [0.1] * 9 + [0.05] * 3 + [0.025] * 3 + [0.0125]  # stalls at t = 9, then halves every epoch
    assert [r[0] for r in rates] == want0
    assert [r[1] for r in rates] == [0.2] * 16


def test_newbob_threshold_and_factor():
    sched = SCHEDULES["newbob"].start([1.0], {"epoch_steps": 2, "threshold": 1.0, "factor": 0.1})
    for t, loss in enumerate([5, 5, 4, 4.5], start=1):  # epoch means 5, 4.25: improved by 0.75 ≤ 1
        sched.observe(t, np.array([loss]))
    close(sched.rate(4), [0.1])
    for t, loss in enumerate([0, 0], start=5):  # improving again does not stop the decay
        sched.observe(t, np.array([loss]))
    close(sched.rate(6), [0.01])


def test_newbob_curve_without_losses_is_constant():
    close(eta("newbob", [0, 10, 1000], epoch_steps=5), [0.1, 0.1, 0.1])


def test_newbob_ignores_diverged_losses_without_warning():
    sched = SCHEDULES["newbob"].start([0.1, 0.1], {"epoch_steps": 1})
    for t, loss in enumerate([[np.inf, 1.0], [-np.inf, np.nan], [np.nan, 0.5]], start=1):
        sched.observe(t, np.array(loss))
        assert sched.rate(t).shape == (2,)


@pytest.mark.parametrize("params, name, words", [
    ({"boundaries": [10, 20], "values": [0.1, 0.2]}, "values", ["one more entry", "2 boundaries need 3 values, got 2"]),
    ({"boundaries": [20, 10], "values": [0.1, 0.2, 0.3]}, "boundaries", ["strictly increasing"]),
    ({"boundaries": [10, 10], "values": [0.1, 0.2, 0.3]}, "boundaries", ["strictly increasing"]),
    ({"boundaries": [10], "values": [0.1, -0.2]}, "values", ["between 0 and 10", "-0.2"]),
    ({"boundaries": [-5], "values": [0.1, 0.2]}, "boundaries", ["between 1 and 10000"]),
    ({"boundaries": [2.5], "values": [0.1, 0.2]}, "boundaries", ["whole step numbers"]),
    ({"boundaries": 10, "values": [0.1, 0.2]}, "boundaries", ["list of numbers"]),
    ({"boundaries": [10], "values": ["a", 0.2]}, "values", ["must contain only numbers, got 'a'"]),
])
def test_piecewise_validation(params, name, words):
    with pytest.raises(ValueError) as err:
        SCHEDULES["piecewise"].validate_params(params)
    assert isinstance(err.value, ParamError) and err.value.param == name
    assert str(err.value).startswith("piecewise: " + name)
    for word in words:
        assert word in str(err.value)


def test_piecewise_accepts_whole_floats():
    p = SCHEDULES["piecewise"].validate_params({"boundaries": [10.0, 20], "values": [1, 0.5, 0.25]})
    assert p["boundaries"] == [10, 20] and p["values"] == [1.0, 0.5, 0.25]


@pytest.mark.parametrize("schedule, params, name, words", [
    ("exponential", {"tau": 5}, "tau", ["not a parameter of exponential", "r, warmup"]),
    ("exponential", {"r": 0}, "r", ["between 0.001 and 1e+06"]),
    ("step", {"every": 0}, "every", ["between 1 and 10000"]),
    ("step", {"every": 2.5}, "every", ["whole number"]),
    ("cosine", {"restarts": "yes"}, "restarts", ["true or false"]),
    ("constant", {"warmup": -1}, "warmup", ["between 0 and 10000"]),
    ("newbob", {"factor": 2.0}, "factor", ["between 0 and 1"]),
])
def test_bad_params(schedule, params, name, words):
    with pytest.raises(ValueError) as err:
        SCHEDULES[schedule].start([0.1], params)
    assert err.value.param == name
    for word in words:
        assert word in str(err.value)


def test_validate_coerces_and_fills():
    p = SCHEDULES["step"].validate_params({"every": 50.0})
    assert p == {"every": 50, "gamma": 0.5, "warmup": 0} and isinstance(p["every"], int)
    assert SCHEDULES["cosine"].validate_params({"restarts": True})["restarts"] is True
