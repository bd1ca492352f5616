"""Every op's VJP against central differences, over scalar, vector, matrix and broadcast shapes."""

from __future__ import annotations

import numpy as np
import pytest

from engine.ops import OPS, unbroadcast
from tests.engine.gradients import check_grads

rng = np.random.default_rng(42)

SHAPES = {
    "scalar": ((), ()),
    "vector": ((3,), (3,)),
    "matrix": ((2, 3), (2, 3)),
    "broadcast row": ((2, 3), (3,)),
    "broadcast column": ((2, 1), (2, 3)),
    "broadcast scalar": ((), (2, 3)),
}

UNARY = ["neg", "identity", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "elu",
         "softplus", "gelu", "square", "abs", "transpose"]
POSITIVE = ["log", "sqrt"]


def away_from_kinks(shape):
    """Values in ±[0.2, 2]: relu/abs/leaky_relu/elu have kinks at 0 where differences disagree."""
    values = rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return values


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_unary(name, shape):
    check_grads(name, away_from_kinks(shape))


@pytest.mark.parametrize("name", POSITIVE)
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_positive_domain(name, shape):
    check_grads(name, rng.uniform(0.5, 3.0, shape))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
def test_binary(name, shapes):
    a, b = (away_from_kinks(s) for s in shapes)
    check_grads(name, a, b)


@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
def test_pow_general_exponent(shapes):
    check_grads("pow", rng.uniform(0.5, 2.0, shapes[0]), rng.uniform(-1.5, 2.5, shapes[1]))


def test_pow_constant_exponent_on_negative_base():
    # x**2 and x**3 at negative x: the exponent's gradient is taken as 0 (log of a negative).
    out = OPS["pow"].forward(np.array([-1.5, 2.0]), np.array(3.0))
    shares, _ = OPS["pow"].grads(np.ones(2), out, (np.array([-1.5, 2.0]), np.array(3.0)), {})
    np.testing.assert_allclose(shares[0], [3 * 1.5**2, 3 * 2.0**2])
    assert shares[1] == pytest.approx(8.0 * np.log(2.0))


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 2))],
)
def test_matmul(a_shape, b_shape):
    check_grads("matmul", rng.normal(size=a_shape), rng.normal(size=b_shape))


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("shape, axis", [((), None), ((4,), None), ((2, 3), None), ((2, 3), 0), ((2, 3), 1),
                                         ((2, 3, 4), -1)])
def test_reductions(name, shape, axis):
    attrs = {} if axis is None else {"axis": axis}
    check_grads(name, rng.normal(size=shape), attrs=attrs)


def test_max_splits_ties_equally():
    a = np.array([1.0, 3.0, 3.0])
    shares, _ = OPS["max"].grads(np.array(1.0), np.array(3.0), (a,), {})
    np.testing.assert_allclose(shares[0], [0.0, 0.5, 0.5])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_softmax_family(name, shape):
    check_grads(name, rng.normal(size=shape) * 3)


@pytest.mark.parametrize("shapes", [((), ()), ((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,))])
def test_mse(shapes):
    check_grads("mse", rng.normal(size=shapes[0]), rng.normal(size=shapes[1]))


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_bce(shape):
    check_grads("bce", rng.uniform(0.1, 0.9, shape), rng.uniform(0.0, 1.0, shape))


@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_cross_entropy(shape):
    logits = rng.normal(size=shape)
    targets = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]) if len(shape) > 1 else rng.dirichlet(np.ones(4))
    check_grads("cross_entropy", logits, targets)


# --- values: the stable forms and the losses' definitions ----------------------


def test_sigmoid_softplus_log_softmax_never_overflow():
    big = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = OPS["sigmoid"].forward(big)
        sp = OPS["softplus"].forward(big)
        ls = OPS["log_softmax"].forward(big)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.exp(30)), 0.5, 1 / (1 + np.exp(-30)), 1.0])
    np.testing.assert_allclose(sp, [0.0, np.log1p(np.exp(-30)), np.log(2), 30 + np.log1p(np.exp(-30)), 1000.0])
    assert np.isfinite(ls).all() and ls[-1] == pytest.approx(0.0)


def test_bce_clamps_log_at_minus_100_like_pytorch():
    # p = 0 with target 1: −log 0 is clamped to 100.
    assert OPS["bce"].forward(np.array([0.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(50.0)


def test_losses_are_means():
    a, b = np.array([1.0, 2.0, 4.0]), np.array([0.0, 0.0, 0.0])
    assert OPS["mse"].forward(a, b) == pytest.approx((1 + 4 + 16) / 3)
    p, t = np.array([0.8, 0.4]), np.array([1.0, 0.0])
    assert OPS["bce"].forward(p, t) == pytest.approx((-np.log(0.8) - np.log(0.6)) / 2)
    z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert OPS["cross_entropy"].forward(z, t) == pytest.approx(-(log_p[0, 0] + log_p[1, 1]) / 2)


def test_gelu_is_exact():
    from math import erf, sqrt

    for x in (-2.0, -0.5, 0.0, 1.3):
        assert OPS["gelu"].forward(np.array(x)) == pytest.approx(x * 0.5 * (1 + erf(x / sqrt(2))), abs=1e-15)


def test_unbroadcast_sums_the_broadcast_axes():
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(unbroadcast(g, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_allclose(unbroadcast(g, (2, 1)), [[3.0], [12.0]])
    assert unbroadcast(g, ()) == 15.0


def test_every_op_has_a_derivative():
    for op in OPS.values():
        assert op.local is not None or (op.vjp is not None and len(op.rule) == op.arity), op.name
