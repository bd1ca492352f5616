"""The table of primitives: each op's forward next to its vector-Jacobian product.

Elementwise ops give their *local derivative* ∂out/∂input (broadcast to the
output's shape); their VJP is then always `unbroadcast(g * local, input.shape)`,
which is exactly the lecture's "local gradient × incoming gradient". A local
derivative that is a constant (1 for add, −1 for sub and neg) is written as that
number, so no call computes it and none multiplies by it. Ops that mix elements
(matmul, reductions, softmax, losses) give a VJP and a `rule` that says in words what
it computes, since no elementwise local derivative exists for them.

`Op.backward` makes each call of an op's backward step through a `run(fn, *args)`
given by the one backward loop (engine/graph.py): run now, or also recorded for a
race to replay (engine/tape.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter

import numpy as np
from scipy.special import erf

Array = np.ndarray


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` down to `shape`, undoing NumPy broadcasting (autograd's idea)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if kept:
        grad = grad.sum(axis=kept, keepdims=True)
    return grad.reshape(shape)


def _unbroadcast_share(share, shape: tuple[int, ...]) -> Array:
    return unbroadcast(np.asarray(share), shape)  # g × local of 0-d arrays is a NumPy scalar


def call(fn: Callable, *args):
    """The executor that runs each call now (the trace, a single backward pass)."""
    return fn(*args)


@dataclass(frozen=True)
class Op:
    """One primitive. Give `local` (elementwise) or `vjp` + `rule` (anything else)."""

    name: str
    symbol: str
    arity: int
    forward: Callable[..., Array]
    local: tuple[Callable | float, ...] | None = None  # one ∂out/∂input per input: (out, *args) -> array, or ±1
    vjp: Callable[..., tuple] | None = None
    rule: tuple[str, ...] = ()  # what the VJP computes, where no elementwise local derivative exists
    formula: tuple[str, ...] = ()  # the local derivative ∂out/∂input, in symbols, for elementwise ops
    attrs: tuple[str, ...] = ()
    doc: str = ""
    output_shape: Callable[..., tuple[int, ...]] | None = field(default=None, repr=False)
    # the shapes of arrays its forward or VJP allocates beyond the output and the inputs
    scratch_shapes: Callable[..., list[tuple[int, ...]]] | None = field(default=None, repr=False)

    @property
    def elementwise(self) -> bool:
        return self.local is not None

    def backward(self, run: Callable, g, out, args: Sequence, attrs: dict, out_shape: tuple[int, ...],
                 shapes: Sequence[tuple[int, ...]], wanted: Sequence[int]) -> list[tuple]:
        """(share, local) for each input k in ``wanted``: the share of the incoming gradient
        g that input k receives, in its own shape, and the local derivative ∂out/∂input k
        shown to students (None for a VJP op). Every NumPy call goes through ``run``.

        Elementwise: share = g × local, summed back to the input's shape where it was
        broadcast; a constant local of ±1 needs no multiplication, which changes no number.
        """
        if self.local is None:
            if self.vjp is None:
                raise NotImplementedError(f"op '{self.name}' has no VJP")
            shares = run(partial(self.vjp, **attrs) if attrs else self.vjp, g, out, *args)
            return [(run(itemgetter(k), shares), None) for k in wanted]
        out_ = []
        for k in wanted:
            local = self.local[k]
            if local == 1.0:
                share = g
            elif local == -1.0:
                share = run(np.negative, g)
            else:
                local = run(local, out, *args)
                share = run(np.multiply, g, local)
            if shapes[k] != out_shape:
                share = run(partial(_unbroadcast_share, shape=shapes[k]), share)
            out_.append((share, local))
        return out_

    def grads(self, g: Array, out: Array, args: Sequence[Array], attrs: dict) -> tuple[list, list | None]:
        """Every input's share of g and the local derivatives (None for a VJP op), run now."""
        steps = self.backward(call, g, out, args, attrs, np.shape(out), [np.shape(a) for a in args], range(len(args)))
        return [s for s, _ in steps], None if self.local is None else [d for _, d in steps]


OPS: dict[str, Op] = {}


def op(name: str, symbol: str, arity: int, **kw) -> Callable:
    """Register an op whose forward is the decorated function."""

    def register(forward: Callable) -> Callable:
        OPS[name] = Op(name, symbol, arity, forward, doc=(forward.__doc__ or "").strip(), **kw)
        return forward

    return register


# --- elementwise binary ---------------------------------------------------------

op("add", "+", 2, local=(1.0, 1.0), formula=("1", "1"))(np.add)
op("sub", "−", 2, local=(1.0, -1.0), formula=("1", "−1"))(np.subtract)
op("mul", "×", 2, local=(lambda out, a, b: b, lambda out, a, b: a), formula=("{1}", "{0}"))(np.multiply)
op(
    "div",
    "÷",
    2,
    local=(lambda out, a, b: 1.0 / b, lambda out, a, b: -a / (b * b)),
    formula=("1/{1}", "−{0}/{1}²"),
)(np.divide)


def _pow_base(out, a, b):
    if b.ndim == 0:  # the usual case, a constant exponent: keep it cheap (node values are arrays)
        e = float(b)
        return a + a if e == 2.0 else 0.0 if e == 0.0 else e * a ** (e - 1.0)
    return np.where(b == 0, 0.0, b * a ** (b - 1.0))


def _pow_exponent(out, a, b):
    # d(a^b)/db = a^b·log a exists only for a > 0; elsewhere the exponent is almost
    # always a constant, so 0 is the useful (and PyTorch's) answer.
    return np.where(a > 0, out * np.log(np.where(a > 0, a, 1.0)), 0.0)


op("pow", "^", 2, local=(_pow_base, _pow_exponent), formula=("{1}·{0}^({1} − 1)", "{out}·log {0}"))(np.power)


# --- elementwise unary ----------------------------------------------------------


def _sigmoid(a):
    """σ(a) = 1 / (1 + e^−a), written so no exp ever overflows."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(a):
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


_SQRT2 = np.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

_UNARY = {
    # name: (symbol, forward, local derivative from (out, a), that derivative in symbols)
    "neg": ("−", np.negative, -1.0, "−1"),
    "identity": ("=", lambda a: a.copy(), 1.0, "1"),
    "exp": ("exp", np.exp, lambda out, a: out, "exp({0}) = {out}"),
    "log": ("log", np.log, lambda out, a: 1.0 / a, "1/{0}"),
    "sqrt": ("√", np.sqrt, lambda out, a: 0.5 / out, "1/(2√{0})"),
    "abs": ("|·|", np.abs, lambda out, a: np.sign(a), "sign({0})"),
    "square": ("x²", np.square, lambda out, a: 2.0 * a, "2{0}"),
    "sin": ("sin", np.sin, lambda out, a: np.cos(a), "cos {0}"),
    "cos": ("cos", np.cos, lambda out, a: -np.sin(a), "−sin {0}"),
    "tanh": ("tanh", np.tanh, lambda out, a: 1.0 - out * out, "1 − {out}²"),
    "sigmoid": ("σ", _sigmoid, lambda out, a: out * (1.0 - out), "{out}(1 − {out})"),
    "relu": ("relu", lambda a: np.maximum(a, 0.0), lambda out, a: (a > 0).astype(float), "1 where {0} > 0, else 0"),
    "leaky_relu": (
        "lrelu",
        lambda a: np.where(a > 0, a, 0.01 * a),
        lambda out, a: np.where(a > 0, 1.0, 0.01),
        "1 where {0} > 0, else 0.01",
    ),
    "elu": (
        "elu",
        lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0.0))),
        lambda out, a: np.where(a > 0, 1.0, out + 1.0),
        "1 where {0} > 0, else {out} + 1",
    ),
    "softplus": ("softplus", _softplus, lambda out, a: _sigmoid(a), "σ({0})"),
    "gelu": (
        "gelu",
        lambda a: a * 0.5 * (1.0 + erf(a / _SQRT2)),
        lambda out, a: 0.5 * (1.0 + erf(a / _SQRT2)) + a * _INV_SQRT_2PI * np.exp(-0.5 * a * a),
        "Φ({0}) + {0}·φ({0})",
    ),
}

for _name, (_symbol, _forward, _local, _formula) in _UNARY.items():
    op(_name, _symbol, 1, local=(_local,), formula=(_formula,))(_forward)


# --- matrix product -------------------------------------------------------------


def _matmul_vjp(g, out, a, b):
    """Promote vectors to matrices, use dA = G·Bᵀ and dB = Aᵀ·G, then undo."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g[..., None] if b.ndim == 1 else g  # g with the axes the promotions added
    g2 = g2[..., None, :] if a.ndim == 1 else g2
    ga = g2 @ np.swapaxes(b2, -1, -2)
    gb = np.swapaxes(a2, -1, -2) @ g2
    return unbroadcast(ga, a2.shape).reshape(a.shape), unbroadcast(gb, b2.shape).reshape(b.shape)


def _matmul_promoted(a_shape, b_shape):
    """The operands as matrices (a vector promoted as in _matmul_vjp) and their broadcast batch."""
    if not a_shape or not b_shape:
        raise ValueError("@ needs vectors or matrices, not scalars (use * for scalars)")
    inner_a = a_shape[-1]
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if inner_a != inner_b:
        raise ValueError(f"inner dimensions differ: {inner_a} vs {inner_b}")
    a2 = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2 = b_shape + (1,) if len(b_shape) == 1 else b_shape
    return a2, b2, np.broadcast_shapes(a2[:-2], b2[:-2])


def _matmul_scratch(a_shape, b_shape):
    """dA = G·Bᵀ and dB = Aᵀ·G are formed at the broadcast batch before being summed back:
    (B, 1, 1, n) @ (1, B, n, 1) makes a B²-element output but B²·n-element gradients."""
    a2, b2, batch = _matmul_promoted(a_shape, b_shape)
    return [batch + a2[-2:], batch + b2[-2:]]


def _matmul_shape(a_shape, b_shape):
    a2, b2, batch = _matmul_promoted(a_shape, b_shape)
    shape = batch + (a2[-2], b2[-1])
    if len(a_shape) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b_shape) == 1:
        shape = shape[:-1]
    return shape


op(
    "matmul",
    "@",
    2,
    vjp=_matmul_vjp,
    rule=("dL/d{0} = dL/d{out} · {1}ᵀ", "dL/d{1} = {0}ᵀ · dL/d{out}"),
    output_shape=_matmul_shape,
    scratch_shapes=_matmul_scratch,
)(np.matmul)

op("transpose", "ᵀ", 1, vjp=lambda g, out, a: (np.transpose(g),), rule=("dL/d{0} = (dL/d{out})ᵀ",))(
    np.transpose
)


# --- reductions (optional axis=) ------------------------------------------------


def _expand(g, a, axis):
    """Put the reduced axis back so `g` broadcasts against the reduction's input."""
    return np.broadcast_to(g if axis is None else np.expand_dims(g, axis), a.shape)


def _count(a, axis):
    return a.size if axis is None else a.shape[axis]


def _max_vjp(g, out, a, axis=None):
    # Ties share the gradient equally, so the result does not depend on order.
    hit = (a == _expand(out, a, axis)).astype(float)
    return (hit / hit.sum(axis=axis, keepdims=True) * _expand(g, a, axis),)


op(
    "sum",
    "Σ",
    1,
    attrs=("axis",),
    vjp=lambda g, out, a, axis=None: (_expand(g, a, axis).copy(),),
    rule=("dL/d{0} = dL/d{out} copied to every summed element",),
)(lambda a, axis=None: np.sum(a, axis=axis))
op(
    "mean",
    "mean",
    1,
    attrs=("axis",),
    vjp=lambda g, out, a, axis=None: (_expand(g, a, axis) / _count(a, axis),),
    rule=("dL/d{0} = dL/d{out} / n for every averaged element",),
)(lambda a, axis=None: np.mean(a, axis=axis))
op(
    "max",
    "max",
    1,
    attrs=("axis",),
    vjp=_max_vjp,
    rule=("dL/d{0} = dL/d{out} at the maximum, 0 elsewhere",),
)(lambda a, axis=None: np.max(a, axis=axis))


# --- softmax family (last axis) -------------------------------------------------


def _log_softmax(a):
    shifted = a - np.max(a, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


op(
    "softmax",
    "softmax",
    1,
    vjp=lambda g, out, a: (out * (g - np.sum(g * out, axis=-1, keepdims=True)),),
    rule=("dL/d{0} = {out} ⊙ (dL/d{out} − Σ dL/d{out} ⊙ {out})",),
)(lambda a: np.exp(_log_softmax(a)))
op(
    "log_softmax",
    "log softmax",
    1,
    vjp=lambda g, out, a: (g - np.exp(out) * np.sum(g, axis=-1, keepdims=True),),
    rule=("dL/d{0} = dL/d{out} − softmax({0}) · Σ dL/d{out}",),
)(_log_softmax)


# --- losses (mean reduction, as PyTorch's default) -----------------------------


def _mse_vjp(g, out, a, b):
    diff = a - b
    ga = g * 2.0 * diff / diff.size
    return unbroadcast(ga, a.shape), unbroadcast(-ga, b.shape)


def _clamped_logs(p):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)


def _bce(p, t):
    log_p, log_1mp = _clamped_logs(p)
    return np.mean(-(t * log_p + (1.0 - t) * log_1mp))


def _bce_vjp(g, out, p, t):
    # PyTorch's backward: (p − t) / max(p(1 − p), 1e-12), so clamping stays finite.
    n = np.broadcast_shapes(p.shape, t.shape)
    size = int(np.prod(n))
    gp = g * (p - t) / np.maximum(p * (1.0 - p), 1e-12) / size
    log_p, log_1mp = _clamped_logs(p)
    gt = g * (log_1mp - log_p) / size
    return unbroadcast(np.broadcast_to(gp, n), p.shape), unbroadcast(np.broadcast_to(gt, n), t.shape)


def _rows(a):
    return 1 if a.ndim == 1 else int(np.prod(a.shape[:-1]))


def _cross_entropy(z, t):
    return -np.sum(t * _log_softmax(z)) / _rows(z)


def _cross_entropy_vjp(g, out, z, t):
    log_p = _log_softmax(z)
    gz = g * (np.exp(log_p) * np.sum(t, axis=-1, keepdims=True) - t) / _rows(z)
    return gz, -g * log_p / _rows(z)


def _same_shape(a_shape, b_shape):
    if a_shape != b_shape:
        raise ValueError(f"needs two tensors of the same shape, got {a_shape} and {b_shape}")
    return ()


def _loss_shape(a_shape, b_shape):
    np.broadcast_shapes(a_shape, b_shape)
    return ()


def _broadcast_scratch(a_shape, b_shape):
    """A loss of two broadcast operands works on their broadcast shape, though it returns a scalar."""
    return [np.broadcast_shapes(a_shape, b_shape)]


op(
    "mse",
    "MSE",
    2,
    vjp=_mse_vjp,
    rule=("dL/d{0} = dL/d{out} · 2({0} − {1}) / n", "dL/d{1} = −dL/d{out} · 2({0} − {1}) / n"),
    output_shape=_loss_shape,
    scratch_shapes=_broadcast_scratch,
)(lambda a, b: np.mean(np.square(a - b)))
op(
    "bce",
    "BCE",
    2,
    vjp=_bce_vjp,
    rule=("dL/d{0} = dL/d{out} · ({0} − {1}) / ({0}(1 − {0})) / n", "dL/d{1} = dL/d{out} · log((1 − {0}) / {0}) / n"),
    output_shape=_loss_shape,
    scratch_shapes=_broadcast_scratch,
)(_bce)
op(
    "cross_entropy",
    "CE",
    2,
    vjp=_cross_entropy_vjp,
    rule=("dL/d{0} = dL/d{out} · (softmax({0}) − {1}) / rows", "dL/d{1} = −dL/d{out} · log_softmax({0}) / rows"),
    output_shape=_same_shape,
)(_cross_entropy)


def output_shape(op_: Op, shapes: list[tuple[int, ...]], attrs: dict) -> tuple[int, ...] | None:
    """The result's shape before computing it, where it can outgrow its inputs."""
    if op_.output_shape is not None:
        return op_.output_shape(*shapes)
    if op_.elementwise and len(shapes) == 2:
        return np.broadcast_shapes(*shapes)
    return None


def work_shapes(op_: Op, shapes: list[tuple[int, ...]], attrs: dict) -> list[tuple[int, ...]]:
    """Every array shape the op's forward and VJP allocate that can outgrow its inputs, the
    output's first, known before any work: a caller bounds them all before computing.
    Elementwise ops allocate at most the output's shape (g × local, then summed back)."""
    out = output_shape(op_, shapes, attrs)
    scratch = op_.scratch_shapes(*shapes) if op_.scratch_shapes is not None else []
    return ([] if out is None else [out]) + scratch
