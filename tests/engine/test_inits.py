"""The init registry: each initialisation's statistics on a large draw, its gain, seeds
that reproduce, and validation."""

import math

import numpy as np
import pytest

from engine.errors import InputError
from engine.inits import INITS, fans
from engine.params import ParamError

DESIGN_IDS = ["zeros", "identity", "normal", "uniform", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]
SHAPE = (400, 600)  # (fan_out, fan_in): 240,000 draws
FAN_OUT, FAN_IN = SHAPE


def test_registry_has_the_designs_inits_each_with_gain():
    assert set(DESIGN_IDS) <= set(INITS) and set(INITS) - set(DESIGN_IDS) == {"ones"}
    for iid, init in INITS.items():
        assert init.id == iid and init.title and init.formula and init.citation
        assert init.params[0].name == "gain" and init.params[0].default == 1.0
        assert all(p.description for p in init.params)


def test_fans_follow_pytorch_for_a_fan_out_by_fan_in_weight():
    assert fans((3, 5)) == (5, 3)
    assert fans((7,)) == (7, 7)
    assert fans((2, 3, 5)) == (5, 3)  # a stack of (3, 5) matrices


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_glorot_uniform_fills_its_bound(gain):
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT)) * gain
    w = INITS["glorot_uniform"](SHAPE, {"gain": gain}, rng=0)
    assert w.shape == SHAPE and w.dtype == np.float64
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert abs(w.mean()) < 0.01 * bound


@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_he_normal_std(gain):
    w = INITS["he_normal"](SHAPE, {"gain": gain}, rng=1)
    assert w.std() == pytest.approx(math.sqrt(2 / FAN_IN) * gain, rel=0.01)
    assert abs(w.mean()) < 0.01 * w.std()


def test_glorot_normal_std():
    w = INITS["glorot_normal"](SHAPE, {"gain": 3.0}, rng=2)
    assert w.std() == pytest.approx(math.sqrt(2 / (FAN_IN + FAN_OUT)) * 3.0, rel=0.01)


def test_he_uniform_bound():
    bound = math.sqrt(6 / FAN_IN) * 2.0
    w = INITS["he_uniform"](SHAPE, {"gain": 2.0}, rng=3)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert w.std() == pytest.approx(math.sqrt(2 / FAN_IN) * 2.0, rel=0.01)  # Var = a²/3 = gain²·2/fan_in


def test_normal_is_n_0_gain_squared():
    w = INITS["normal"](SHAPE, {"gain": 0.3}, rng=4)
    assert w.std() == pytest.approx(0.3, rel=0.01) and abs(w.mean()) < 0.003


def test_uniform_is_gain_times_u_low_high():
    w = INITS["uniform"](SHAPE, {"gain": 2.0, "low": 0.0, "high": 0.5}, rng=5)
    assert w.min() >= 0.0 and w.max() < 1.0 and w.max() > 0.999
    assert w.mean() == pytest.approx(0.5, rel=0.01)
    defaults = INITS["uniform"](SHAPE, rng=5)
    assert defaults.min() >= -1.0 and defaults.max() < 1.0


def test_identity_zeros_and_ones():
    np.testing.assert_array_equal(INITS["identity"]((3, 3), {"gain": 2.0}), 2.0 * np.eye(3))
    np.testing.assert_array_equal(INITS["identity"]((2, 3), {"gain": 0.5}), [[0.5, 0, 0], [0, 0.5, 0]])
    np.testing.assert_array_equal(INITS["zeros"]((4, 2), {"gain": 3.0}), np.zeros((4, 2)))
    np.testing.assert_array_equal(INITS["ones"]((2, 2), {"gain": 3.0}), np.full((2, 2), 3.0))


@pytest.mark.parametrize("iid", list(INITS))
def test_a_seed_reproduces_and_another_differs(iid):
    a = INITS[iid]((5, 4), rng=7)
    b = INITS[iid]((5, 4), rng=7)
    np.testing.assert_array_equal(a, b)
    if INITS[iid].random:
        assert not np.array_equal(a, INITS[iid]((5, 4), rng=8))


def test_a_generator_continues_its_stream():
    """One Generator for a stack of layers draws each layer after the last."""
    rng = np.random.default_rng(3)
    first, second = INITS["he_normal"]((4, 4), rng=rng), INITS["he_normal"]((4, 4), rng=rng)
    replay = np.random.default_rng(3)
    np.testing.assert_array_equal(first, replay.normal(0.0, math.sqrt(2 / 4), (4, 4)))
    np.testing.assert_array_equal(second, replay.normal(0.0, math.sqrt(2 / 4), (4, 4)))


@pytest.mark.parametrize("iid, shape, params, words", [
    ("normal", (2, 2), {"gain": -1.0}, "normal: gain must be between 0 and 1e+06"),
    ("uniform", (2, 2), {"low": 2.0, "high": 1.0}, "uniform: low (2) must not exceed high (1)"),
    ("he_normal", (2, 2), {"std": 1.0}, "std is not a parameter of he_normal; it takes gain"),
])
def test_bad_params_are_param_errors(iid, shape, params, words):
    with pytest.raises(ParamError) as err:
        INITS[iid](shape, params)
    assert words in err.value.message


@pytest.mark.parametrize("iid, shape, words", [
    ("identity", (3,), "(rows, columns)"),
    ("normal", (3, 0), "positive whole numbers"),
    ("normal", (), "positive whole numbers"),
])
def test_bad_shapes_are_input_errors(iid, shape, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        INITS[iid](shape)
