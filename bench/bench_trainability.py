"""The trainability map's tile, step by step from the straightforward batched NumPy way to
engine.trainability, measured side by side in one run (the machine may be shared: compare
the ratios, which one run keeps fair). Prints a Markdown table for bench/README.md.

    python bench/bench_trainability.py [--steps 500] [--n 128]

Every variant trains the same n × n pixels of the default view (x: log₁₀ η_W in [−1, 4],
y: log₁₀ η_v in [1, 3]) for `steps` steps and must find the same diverged pixels as the
engine (up to pixels whose fate rounding decides).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import trainability as tr
from engine.limits import DIVERGENCE_LIMIT


def naive(s, eta_w, eta_v, steps):
    """The straightforward batched way: every pixel's W stacked, one GEMM a layer forward and
    one backward over all pixels, einsum for the rest, float32, all pixels through every step."""
    P, dt = len(eta_w), np.float32
    Xs, y = (s.X / 4).astype(dt), s.y.astype(dt)
    Wt = np.tile(s.W.T.astype(dt), (1, P))  # (inputs, pixels·units)
    V = np.tile(s.v.astype(dt), (P, 1))
    ew, ev = eta_w.astype(dt), eta_v.astype(dt)
    at = np.full(P, -1)
    for t in range(steps + 1):
        A = np.tanh((Xs @ Wt).reshape(16, P, 16))
        r = np.einsum("ipj,pj->ip", A, V) / 16 - y[:, None]
        L = (r * r).mean(0)
        new = ~(L <= DIVERGENCE_LIMIT) & (at < 0)
        at[new] = t
        if t == steps:
            break
        g = r / 8
        dv = np.einsum("ipj,ip->pj", A, g) / 16
        dZ = np.einsum("ip,pj->ipj", g, V) / 16 * (1 - A * A)
        dW = (Xs.T @ dZ.reshape(16, P * 16)).reshape(16, P, 16)
        Wt -= (dW * ew[None, :, None]).reshape(16, P * 16)
        V -= ev[:, None] * dv
    return at


def gram(s, eta_w, eta_v, steps):
    """+ Z = XWᵀ/4 updated through G = XXᵀ/16: one GEMM a step instead of two (same einsums)."""
    P, dt = len(eta_w), np.float32
    G, y = (s.X @ s.X.T / 16).astype(dt), s.y.astype(dt)
    Z = np.tile((s.X @ s.W.T / 4).astype(dt)[:, None, :], (1, P, 1))  # (i, p, j)
    V = np.tile(s.v.astype(dt), (P, 1))
    ew, ev = eta_w.astype(dt), eta_v.astype(dt)
    at = np.full(P, -1)
    for t in range(steps + 1):
        A = np.tanh(Z)
        r = np.einsum("ipj,pj->ip", A, V) / 16 - y[:, None]
        L = (r * r).mean(0)
        new = ~(L <= DIVERGENCE_LIMIT) & (at < 0)
        at[new] = t
        if t == steps:
            break
        g = r / 8
        dv = np.einsum("ipj,ip->pj", A, g) / 16
        dZ = np.einsum("ip,pj->ipj", g * ew, V) / 16 * (1 - A * A)
        Z -= (G @ dZ.reshape(16, P * 16)).reshape(16, P, 16)
        V -= ev[:, None] * dv
    return at


def lanes(s, eta_w, eta_v, steps, block):
    """+ pixels last and fused passes (engine.trainability.Lanes), blocks of `block` pixels
    through all their steps; diverged pixels still computed."""
    at = np.full(len(eta_w), -1)
    for b0 in range(0, len(eta_w), block):
        idx = np.arange(b0, min(b0 + block, len(eta_w)))
        ln = tr.Lanes(s, np.float32)
        ln.reset(np.zeros(0, bool), idx, eta_w[idx], eta_v[idx])
        with np.errstate(all="ignore"):
            for t in range(steps + 1):
                L = ln.loss()
                new = ~(L <= DIVERGENCE_LIMIT) & (at[idx] < 0)
                at[idx[new]] = t
                if t < steps:
                    ln.update()
    return at


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--n", type=int, default=128)
    args = parser.parse_args()
    n, steps = args.n, args.steps
    s = tr.setup(0)
    eta_w, eta_v = tr._rates((-1.0, 4.0), (1.0, 3.0), n)
    load = os.getloadavg()[0]
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        variants = [
            ("straightforward batched NumPy (2 GEMMs a step, einsum, all pixels each step)", lambda: naive(s, eta_w, eta_v, steps)),
            ("+ Z through the Gram matrix (1 GEMM a step)", lambda: gram(s, eta_w, eta_v, steps)),
            ("+ pixels last, fused passes (one block of all pixels)", lambda: lanes(s, eta_w, eta_v, steps, n * n)),
            (f"+ blocks of {tr.BLOCK} pixels through all steps (cache)", lambda: lanes(s, eta_w, eta_v, steps, tr.BLOCK)),
            ("+ lanes refilled as pixels diverge (diverged pixels cost nothing)",
             lambda: tr.train_pixels(s, eta_w, eta_v, steps, threads=1)[0]),
            ("+ two threads (the engine)", lambda: tr.train_pixels(s, eta_w, eta_v, steps)[0]),
        ]
        results = []
        for name, fn in variants:
            at, wall, cpu = timed(fn)
            results.append((name, at, wall, cpu))
        ref = results[-1][1]
        _, preview_wall, _ = timed(lambda: tr.tile(n=32, steps=steps))
        deep = ((1.5374554065, 1.5374554075), (1.9993571474, 1.9993571480))
        _, deep_wall, deep_cpu = timed(lambda: tr.tile(n=96, steps=steps, x=deep[0], y=deep[1]))
    base, base_cpu = results[0][2], results[0][3]
    print(f"{n} × {n} pixels × {steps} steps, default view; load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end\n")
    print("| step | wall (s) | CPU (s) | × in wall | × in CPU | pixels whose fate differs from the engine's |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, at, wall, cpu in results:
        differ = int(np.sum((at >= 0) != (ref >= 0)))
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {base / wall:.1f} | {base_cpu / cpu:.1f} | {differ} |")
    print(f"| 32 × 32 preview, the engine (`tile`) | {preview_wall:.3f} | | | | |")
    print(f"| 96 × 96 in float64, 10 zooms deep (`tile`) | {deep_wall:.2f} | {deep_cpu:.2f} | | | |")


if __name__ == "__main__":
    main()
