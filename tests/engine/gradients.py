"""One generic central-difference checker (autograd's `check_grads`)."""

from __future__ import annotations

import numpy as np

from engine.ops import OPS


def numeric_vjp(f, args, k, g, h=1e-6):
    """d/d args[k] of sum(g * f(*args)), by central differences."""
    x = args[k].astype(float).copy()
    out = np.zeros_like(x)
    flat, grad = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = np.sum(g * f(*args[:k], x, *args[k + 1 :]))
        flat[i] = old - h
        down = np.sum(g * f(*args[:k], x, *args[k + 1 :]))
        flat[i] = old
        grad[i] = (up - down) / (2 * h)
    return out


def check_grads(name: str, *args, attrs: dict | None = None, seed: int = 0, rtol=1e-6, atol=1e-7):
    """The op's VJP for a random upstream gradient equals central differences, for every input."""
    op = OPS[name]
    attrs = attrs or {}
    args = tuple(np.asarray(a, dtype=float) for a in args)
    out = np.asarray(op.forward(*args, **attrs), dtype=float)
    g = np.random.default_rng(seed).normal(size=out.shape)
    shares, _ = op.grads(g, out, args, attrs)
    for k, share in enumerate(shares):
        assert np.shape(share) == args[k].shape, f"{name}: grad {k} has shape {np.shape(share)}"
        expected = numeric_vjp(lambda *a: op.forward(*a, **attrs), args, k, g)
        np.testing.assert_allclose(share, expected, rtol=rtol, atol=atol, err_msg=f"{name}, input {k}")
