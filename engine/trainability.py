"""The trainability map (Sohl-Dickstein 2024, "The boundary of neural network trainability
is fractal"): which pairs of learning rates train the paper's small network and which
make it diverge, one pixel per pair, all pixels of a tile in one batched iteration.

The network (DESIGN.md, "The trainability map"): 16 points xᵢ ∈ ℝ¹⁶ and targets yᵢ, and
the initial W ∈ ℝ¹⁶ˣ¹⁶, v ∈ ℝ¹⁶, all N(0, 1) from ``default_rng(seed)`` in the order X, y,
W, v; f(x) = v·tanh(Wx/√16)/16; L = mean over the points of (f(xᵢ) − yᵢ)²; full-batch
gradient descent with rate η_W for W and η_v for v. A pixel diverges when L is not
finite or above 10⁶ (``DIVERGENCE_LIMIT``); ``steps`` updates are made otherwise.

How a tile is computed (bench/bench_trainability.py measures each step):

- **The pixels share X**, so a pixel's pre-activations Z = XWᵀ/4 (points × hidden units)
  change by a gradient step as Z ← Z − η_W·G·∂L/∂Z, with the Gram matrix G = XXᵀ/16: W
  itself is never needed, and each step of all pixels is *one* matrix product
  G (16 × 16) @ [∂L/∂Z of every pixel] (16 × 16P), where a step of W would take two
  (the forward XWᵀ and the backward ∂L/∂Z·X).
- **Arrays are laid out (point i, unit j, pixel p)**, pixel last: every per-pixel
  quantity (v, the rates, the residuals) broadcasts over a leading axis, and the sums
  over units and over points are reductions over leading axes, which NumPy streams.
- **Fused passes**: with T = A·v (A = tanh Z), f = Σⱼ T/16, and the backward pass needs
  no separate 1 − A²: ∂L/∂Z ∝ r·v·(1 − A²) = r·(v − T·A).
- **Lanes**: a worker holds a block of pixels (``BLOCK``, sized so that its arrays stay
  in the core's cache) and takes every one through all its steps; a pixel that diverges
  or finishes frees its lane, which is refilled from the tile's queue, so diverged
  pixels stop costing work and the block stays full.
- **Threads**: ``THREADS`` workers take pixels from one queue (NumPy releases the GIL
  in its loops); each counts its CPU in the call's budget (engine.budget), whose size is
  the endpoint's own limit, ``TRAINABILITY_CPU_SECONDS``. BLAS is held to one thread
  per worker for the call, as the server holds it for good.

Precision: float32 resolves the map until neighbouring pixels' rates differ by less than
``FLOAT32_MIN_SPACING`` (relative): the rates themselves round to float32's 24 bits, and
the rounding of 500 steps shifts the boundary by about that much. A deeper tile is
computed in float64 (``dtype`` in the answer), down to ``MIN_SPAN``, where float64's
rates stop being distinct.

A pixel's ``score`` colours it as the paper does: a pixel that trains, by how fast (the
mean of Lₜ/L₀ over t = 1 … steps: small is fast); one that diverges, by how soon (the
step at which it diverged, over ``steps``: small is soon).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import budget
from engine.errors import InputError
from engine.limits import (
    DIVERGENCE_LIMIT,
    MAX_SEED,
    MAX_SWEEP_CELL_STEPS,
    MAX_TRAINABILITY_LOG_RATE,
    MAX_TRAINABILITY_N,
    MAX_TRAINABILITY_PIXEL_STEPS,
    MAX_TRAINABILITY_STEPS,
    MIN_TRAINABILITY_SPAN,
    TRAINABILITY_CPU_SECONDS,
)
from engine.optimizers import OPTIMIZERS
from engine.runner import Batch, Run, minimum_test
from engine.surfaces import SURFACES, SurfaceFunction

__all__ = [
    "FLOAT32_MIN_SPACING",
    "Setup",
    "axis_values",
    "loss_curve",
    "map_dtype",
    "plain_descent",
    "setup",
    "surface_map",
    "tile",
    "train_pixels",
]

POINTS = 16  # training points
WIDTH = 16  # hidden units (and the inputs' dimension)
BLOCK = 384  # pixels a worker holds at once: Z, A, U and the product (4 KB a pixel in float32) stay in L2
THREADS = 2
REFILL = 8  # a block is compacted and refilled once this fraction of its lanes (1/REFILL) is free
BUDGET_STEPS = 16  # a worker counts its CPU in the budget, and checks it, every this many steps
# Pixels closer than this (relative difference of their rates) are computed in float64: float32's own
# rates are 6e-8 apart, and the rounding of 500 steps moves the boundary by about 1e-6 (bench/README.md).
FLOAT32_MIN_SPACING = 1e-5
DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass(frozen=True)
class Setup:
    """The training data and the initial weights of ``seed`` (float64)."""

    X: np.ndarray  # (16, 16): row i is point i
    y: np.ndarray  # (16,)
    W: np.ndarray  # (16, 16): row j is hidden unit j's input weights
    v: np.ndarray  # (16,)

    def as_lists(self) -> dict[str, Any]:
        return {name: getattr(self, name).tolist() for name in ("X", "y", "W", "v")}

    def loss(self, W: np.ndarray | None = None, v: np.ndarray | None = None) -> float:
        """L at (W, v), the initial weights by default, in float64."""
        W = self.W if W is None else W
        v = self.v if v is None else v
        f = np.tanh(self.X @ W.T / math.sqrt(WIDTH)) @ v / WIDTH
        return float(np.mean((f - self.y) ** 2))


def setup(seed: int) -> Setup:
    """The design's draw: X, y, W, v from one generator, in that order."""
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be between 0 and {MAX_SEED} (limit seed), got {seed}", "seed")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((POINTS, WIDTH))
    y = rng.standard_normal(POINTS)
    W = rng.standard_normal((WIDTH, WIDTH))
    v = rng.standard_normal(WIDTH)
    return Setup(X, y, W, v)


def axis_values(lo: float, hi: float, n: int) -> np.ndarray:
    """The n pixel centres of [lo, hi] (log₁₀ of a rate): pixel j covers lo + [j, j + 1]·(hi − lo)/n."""
    return lo + (hi - lo) * (np.arange(n) + 0.5) / n


def map_dtype(x: tuple[float, float], y: tuple[float, float], n: int) -> str:
    """float32 while neighbouring pixels' rates differ by FLOAT32_MIN_SPACING or more, else float64."""
    spacing = min(x[1] - x[0], y[1] - y[0]) / n * math.log(10)  # relative difference of neighbouring rates
    return "float32" if spacing >= FLOAT32_MIN_SPACING else "float64"


def plain_descent(s: Setup, eta_w: float, eta_v: float, steps: int) -> np.ndarray:
    """L₀ … L_steps of one pixel, by the definition: W and v in float64, one step at a
    time (a reference for the tests and the benchmark). Stops after the first L that
    is not finite or above the limit."""
    W, v, X, y = s.W.copy(), s.v.copy(), s.X, s.y
    losses = []
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            A = np.tanh(X @ W.T / 4)
            r = A @ v / 16 - y
            loss = float(np.mean(r * r))
            losses.append(loss)
            if not loss <= DIVERGENCE_LIMIT or t == steps:
                break
            g = r / 8  # ∂L/∂f
            dv = A.T @ g / 16
            dZ = np.outer(g, v) / 16 * (1 - A * A)
            W -= eta_w * dZ.T @ X / 4
            v -= eta_v * dv
    return np.array(losses)


class Lanes:
    """A block of pixels trained together: Z (points, units, lanes) and v (units, lanes),
    each lane's two rates (over 8·16, as the step uses them), its pixel, the step it is at
    and its running sum of Lₜ."""

    def __init__(self, s: Setup, dtype):
        dt = self.dtype = np.dtype(dtype)
        self.gram = (s.X @ s.X.T / WIDTH).astype(dt)  # G = XXᵀ/16
        self.z0 = (s.X @ s.W.T / math.sqrt(WIDTH)).astype(dt)  # Z = XWᵀ/4, (i, j)
        self.v0 = s.v.astype(dt)
        self.y = s.y.astype(dt)[:, None]
        self.loss0 = s.loss()
        self.Z = np.empty((POINTS, WIDTH, 0), dt)
        self.v = np.empty((WIDTH, 0), dt)
        self.eta_w = self.eta_v = np.empty(0, dt)
        self.pixel = self.t = np.empty(0, np.intp)
        self.total = np.empty(0)
        self.size = -1

    def reset(self, keep: np.ndarray, pixels: np.ndarray, eta_w: np.ndarray, eta_v: np.ndarray) -> None:
        """Keep the lanes ``keep`` (a boolean mask) and add ``pixels`` at step 0."""
        dt, k = self.dtype, int(keep.sum())
        n = k + len(pixels)
        scale = 1 / (8 * WIDTH)  # ∂L/∂f = r/8, and the 1/16 of f
        # New C-ordered arrays (a fancy index on the last axis, or a concatenation of one, may
        # lay out its copy otherwise, and the step reshapes Z in place).
        for name, shape, fresh in (("Z", (POINTS, WIDTH), self.z0[:, :, None]), ("v", (WIDTH,), self.v0[:, None]),
                                   ("eta_w", (), eta_w * scale), ("eta_v", (), eta_v * scale),
                                   ("pixel", (), pixels), ("t", (), 0), ("total", (), 0.0)):
            old = getattr(self, name)
            new = np.empty((*shape, n), old.dtype)
            new[..., :k] = old[..., keep]
            new[..., k:] = fresh
            setattr(self, name, new)
        if n != self.size:
            self.size = n
            self.A = np.empty((POINTS, WIDTH, n), dt)
            self.U = np.empty((POINTS, WIDTH, n), dt)
            self.M = np.empty((POINTS, WIDTH * n), dt)
            self.f = np.empty((POINTS, n), dt)
            self.c = np.empty((POINTS, 1, n), dt)
            self.dv = np.empty((WIDTH, n), dt)

    def freeze(self, lanes: np.ndarray) -> None:
        """Hold these lanes at the start with rates 0 until they are dropped (a diverged
        lane's NaN would otherwise look like a new divergence at every step)."""
        self.Z[:, :, lanes] = self.z0[:, :, None]
        self.v[:, lanes] = self.v0[:, None]
        self.eta_w[lanes] = self.eta_v[lanes] = 0

    def loss(self) -> np.ndarray:
        """Each lane's L at its weights (the forward pass; keeps A, T = A·v and r = f − y)."""
        A, U, f = self.A, self.U, self.f
        np.tanh(self.Z, out=A)
        np.multiply(A, self.v, out=U)  # T = A·v
        np.add.reduce(U, axis=1, out=f)  # 16·f
        f *= 1 / WIDTH
        f -= self.y  # r
        return np.einsum("ip,ip->p", f, f) * (1 / POINTS)

    def update(self) -> None:
        """One gradient step of every lane, after loss() (see the module docstring)."""
        A, U, f, c, v, dv = self.A, self.U, self.f, self.c, self.v, self.dv
        np.einsum("ijp,ip->jp", A, f, out=dv)  # ∂L/∂v = Σᵢ (r/8)·A/16, over η_v/(8·16)
        dv *= self.eta_v
        np.multiply(U, A, out=U)  # η_W·∂L/∂Z = η_W·(r/8)·(v − T·A)/16
        np.subtract(v, U, out=U)
        np.multiply(f, self.eta_w, out=c[:, 0, :])
        np.multiply(U, c, out=U)
        np.matmul(self.gram, U.reshape(POINTS, -1, copy=False), out=self.M)  # Z ← Z − G·η_W·∂L/∂Z
        Z = self.Z.reshape(POINTS, -1, copy=False)  # a view, never a copy
        np.subtract(Z, self.M, out=Z)
        v -= dv


def _rates(x: Sequence[float], y: Sequence[float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """η_W and η_v of every pixel, row-major ([i][j] is y[i], x[j]), in float64."""
    xs, ys = 10.0 ** axis_values(*x, n), 10.0 ** axis_values(*y, n)
    return np.tile(xs, n), np.repeat(ys, n)


@contextmanager
def _one_blas_thread():
    """BLAS on the calling thread only, for the block: each worker's products are its own
    and counted as its CPU (the server holds this for good: engine.budget.limit_blas_threads)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


class _Queue:
    """The tile's pixels, handed to the workers in runs of consecutive indices."""

    def __init__(self, count: int):
        self.next, self.count, self.lock = 0, count, threading.Lock()
        self.stop = False  # a worker failed (the budget): the others end too

    def take(self, most: int) -> np.ndarray:
        with self.lock:
            begin = self.next
            self.next = min(self.count, begin + most)
            return np.arange(begin, self.next)


def train_pixels(s: Setup, eta_w: np.ndarray, eta_v: np.ndarray, steps: int, dtype: str = "float32",
                 threads: int = THREADS, block: int = BLOCK,
                 cpu_seconds: float = TRAINABILITY_CPU_SECONDS) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel k (rates eta_w[k], eta_v[k]) trained for ``steps`` steps from the setup:
    ``(diverged_at, mean_ratio)``, the step t at which Lₜ first passed the limit (−1:
    never) and, for a pixel that did not diverge, the mean of Lₜ/L₀ over t = 1 … steps.

    Runs in a CPU budget of its own (the endpoint's limit trainability_cpu_time), counting every worker."""
    count = len(eta_w)
    block = max(16, min(block, -(-count // (2 * threads))))  # a small tile still gives every worker a share
    diverged_at = np.full(count, -1, np.intp)
    ratio = np.full(count, np.nan)
    queue = _Queue(count)
    errors: list[BaseException] = []
    lock = threading.Lock()  # a worker adds its CPU to the budget under it (Budget.spent is a plain sum)

    with budget.request_scope(cpu_seconds) as b, _one_blas_thread():

        def work() -> None:
            try:
                _work(Lanes(s, DTYPES[dtype]), eta_w, eta_v, steps, block, queue, b, lock, diverged_at, ratio)
            except BaseException as exc:  # noqa: BLE001 (raised again on the caller's thread)
                queue.stop = True
                errors.append(exc)

        workers = [threading.Thread(target=work, name=f"trainability-{k}") for k in range(threads - 1)]
        for worker in workers:
            worker.start()
        work()
        for worker in workers:
            worker.join()
    if errors:
        raise errors[0]
    return diverged_at, ratio


def _work(lanes: Lanes, eta_w, eta_v, steps, block, queue, b, lock, diverged_at, ratio) -> None:
    """One worker: its lanes refilled from the queue until it is empty and every lane has ended."""
    loss0, limit = lanes.loss0, DIVERGENCE_LIMIT
    keep = np.zeros(0, bool)
    with np.errstate(all="ignore"):  # NumPy's error state is the thread's own
        while not queue.stop:
            fresh = queue.take(block - int(keep.sum()))
            if not len(fresh) and not keep.any():
                return
            lanes.reset(keep, fresh, eta_w[fresh], eta_v[fresh])
            done = np.zeros(lanes.size, bool)
            # lanes end at a divergence, or when the oldest reaches `steps`
            finish = steps - int(lanes.t.max())
            k = 0
            while not queue.stop and done.sum() * REFILL < lanes.size:
                with ExitStack() as counted:
                    counted.enter_context(b.running())
                    for _ in range(BUDGET_STEPS):
                        loss = lanes.loss()
                        lanes.total += loss
                        ok = loss <= limit
                        if k == finish or not ok.all():
                            t = lanes.t + k
                            ended = (~ok | (t == steps)) & ~done
                            pixels = lanes.pixel[ended]
                            bad = ~ok[ended]
                            diverged_at[pixels] = np.where(bad, t[ended], -1)
                            ratio[pixels] = np.where(bad, np.nan, (lanes.total[ended] - loss0) / (steps * loss0))
                            done |= ended
                            lanes.freeze(ended)
                            finish = steps - int(np.max(lanes.t, where=~done, initial=-1))
                        lanes.update()
                        k += 1
                        if done.sum() * REFILL >= lanes.size:
                            break  # to refill: every lane has made the same number of updates as losses
                    with lock:
                        counted.close()
                if b.exceeded() is not None:
                    raise InputError(f"the trainability map takes more than {b.seconds:g} s of CPU (limit "
                                     "trainability_cpu_time): use fewer pixels or steps", "trainability_cpu_time")
            lanes.t += k
            keep = ~done


def _check(steps: int, n: int, x: Sequence[float], y: Sequence[float]) -> None:
    if not 1 <= n <= MAX_TRAINABILITY_N:
        raise InputError(f"n must be between 1 and {MAX_TRAINABILITY_N} (limit trainability_n), got {n}",
                         "trainability_n")
    if not 1 <= steps <= MAX_TRAINABILITY_STEPS:
        raise InputError(f"steps must be between 1 and {MAX_TRAINABILITY_STEPS:,} (limit trainability_steps), "
                         f"got {steps}", "trainability_steps")
    if n * n * steps > MAX_TRAINABILITY_PIXEL_STEPS:
        raise InputError(f"{n} × {n} pixels × {steps:,} steps = {n * n * steps:,} pixel-steps; at most "
                         f"{MAX_TRAINABILITY_PIXEL_STEPS:,} are allowed (limit pixel_steps): use fewer pixels or steps",
                         "pixel_steps")
    for name, (lo, hi) in (("x", x), ("y", y)):
        if not (-MAX_TRAINABILITY_LOG_RATE <= lo < hi <= MAX_TRAINABILITY_LOG_RATE):
            raise InputError(f"{name} must be lo < hi within ±{MAX_TRAINABILITY_LOG_RATE:g} (log₁₀ of a rate; "
                             f"limit log_rate), got {lo:g}, {hi:g}", "log_rate")
        if hi - lo < MIN_TRAINABILITY_SPAN:
            raise InputError(f"{name}'s span {hi - lo:.3g} is below {MIN_TRAINABILITY_SPAN:g} (limit span), where "
                             "float64's rates stop being distinct", "span")


def tile(seed: int = 0, steps: int = 500, n: int = 128, x: Sequence[float] = (-1.0, 4.0),
         y: Sequence[float] = (1.0, 3.0), dtype: str | None = None) -> dict[str, Any]:
    """The map of [x.lo, x.hi] × [y.lo, y.hi] (log₁₀ η_W, log₁₀ η_v) at n × n pixels:
    ``{x, y, diverged, score, setup, dtype}``, ``[i][j]`` for ``y[i]``, ``x[j]``, the pixel
    centres (see the module docstring for ``score``). ``dtype``: by default float32 where it
    resolves the map (``map_dtype``), else float64."""
    _check(steps, n, x, y)
    s = setup(seed)
    dtype = dtype or map_dtype(tuple(x), tuple(y), n)
    eta_w, eta_v = _rates(x, y, n)
    diverged_at, ratio = train_pixels(s, eta_w, eta_v, steps, dtype)
    diverged = diverged_at >= 0
    score = np.where(diverged, diverged_at / steps, ratio)
    return {
        "x": axis_values(*x, n).tolist(),
        "y": axis_values(*y, n).tolist(),
        "diverged": diverged.reshape(n, n).tolist(),
        "score": score.reshape(n, n).tolist(),
        "setup": s.as_lists(),
        "dtype": dtype,
    }


def loss_curve(seed: int, steps: int, log_eta_w: float, log_eta_v: float, dtype: str = "float32") -> dict[str, Any]:
    """One pixel's L₀ … L_t, by the tile's own step in its precision (a click on the map):
    ``{loss, diverged_at}``; a diverged run ends with the first loss past the limit, when
    that loss is finite. Near the boundary the rounding of a lone lane may differ from the
    tile's, as two neighbouring pixels do."""
    _check(steps, 1, (log_eta_w, log_eta_w + 1), (log_eta_v, log_eta_v + 1))
    lanes = Lanes(setup(seed), DTYPES[dtype])
    lanes.reset(np.zeros(0, bool), np.zeros(1, np.intp), np.array([10.0**log_eta_w]), np.array([10.0**log_eta_v]))
    losses, diverged_at = [], -1
    with budget.scope(), np.errstate(all="ignore"):
        for t in range(steps + 1):
            loss = float(lanes.loss()[0])
            if math.isfinite(loss):
                losses.append(loss)
            if not loss <= DIVERGENCE_LIMIT:
                diverged_at = t
                break
            if t < steps:
                lanes.update()
    return {"loss": losses, "diverged_at": diverged_at, "dtype": dtype}


class _LossSum:
    """A surface as the runner's objective, adding up each run's loss at every evaluation
    (the batch evaluates every run once an iteration, a stopped one where it is parked)."""

    dim = 2

    def __init__(self, f: SurfaceFunction, runs: int):
        self.f, self.total, self.calls = f, np.zeros(runs), 0

    def __call__(self, points: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        loss, grad = self.f(points, out)
        self.total += loss
        self.calls += 1
        return loss, grad


def surface_map(surface: str, optimizer: str, x: tuple[str, float, float], y: tuple[str, float, float],
                steps: int = 200, n: int = 32, start: Sequence[float] | None = None,
                params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The same map for a toy surface: ``optimizer`` on ``surface`` over two of its
    hyperparameters, ``x = (name, lo, hi)`` (log₁₀ of the value for a log-scale parameter,
    the value itself otherwise), every pixel a run of the sweep's race (engine.runner's
    Batch, the same runs in the same order as ``sweep`` makes them). ``{x, y, diverged,
    score, status, names, dtype}``: a run that does not diverge is scored by the mean over
    t = 1 … steps of (Lₜ − m)/(L₀ − m), m the surface's minimum (or the lowest loss of the
    map where it has none); a diverged one by how soon, as on the network's map."""
    if surface not in SURFACES:
        raise InputError(f"unknown surface '{surface}'; surfaces: {', '.join(SURFACES)}")
    if optimizer not in OPTIMIZERS:
        raise InputError(f"unknown optimizer '{optimizer}'; optimizers: {', '.join(OPTIMIZERS)}")
    if not 1 <= n <= MAX_TRAINABILITY_N:
        raise InputError(f"n must be between 1 and {MAX_TRAINABILITY_N} (limit trainability_n), got {n}",
                         "trainability_n")
    if n * n * steps > MAX_SWEEP_CELL_STEPS:
        raise InputError(f"{n} × {n} cells × {steps:,} steps = {n * n * steps:,} cell-steps; at most "
                         f"{MAX_SWEEP_CELL_STEPS:,} are allowed (limit sweep_cell_steps): use fewer pixels or steps",
                         "sweep_cell_steps")
    info, opt = SURFACES[surface], OPTIMIZERS[optimizer]
    known = {p.name: p for p in opt.params}
    axes = []
    for axis, (name, lo, hi) in (("x", x), ("y", y)):
        param = known.get(name)
        if param is None or param.kind == "bool":
            numeric = [p.name for p in opt.params if p.kind != "bool"]
            raise InputError(f"{axis}.name: {opt.title} has no numeric hyperparameter '{name}'; it has "
                             f"{', '.join(numeric)}")
        if not lo < hi:
            raise InputError(f"{axis}: lo must be below hi, got {lo:g}, {hi:g}")
        coords = axis_values(lo, hi, n)
        axes.append((name, coords, 10.0**coords if param.scale == "log" else coords))
    (x_name, xs, x_values), (y_name, ys, y_values) = axes
    if x_name == y_name:
        raise InputError(f"the map's two axes must be different hyperparameters, both are '{x_name}'")
    base = dict(params or {})
    runs = [Run(optimizer, {**base, x_name: float(xv), y_name: float(yv)}) for yv in y_values for xv in x_values]
    start = info.start if start is None else tuple(start)
    with budget.scope(), np.errstate(all="ignore"):
        f = SurfaceFunction(info.expression, [tuple(start)])
        objective = _LossSum(f, len(runs))
        batch = Batch(objective, start, steps, runs, record=False, at_minimum=minimum_test(info.expression, f))
        batch.run()
    rows = batch.row_of
    status = np.array(batch.status, dtype=object)[rows]
    diverged = status == "diverged"
    # a run that stopped early would have stayed where it stopped: its final loss for the steps it did not take
    final = batch.final_loss[rows]
    total = objective.total[rows] + np.where(diverged, 0.0, (steps + 1 - objective.calls) * final)
    loss0 = float(f(np.array([start], float), np.empty((1, 2)))[0][0])
    lowest = info.minimum_value
    if lowest is None:
        lowest = float(np.min(final[~diverged], initial=loss0))
    span = loss0 - lowest
    mean = (total - loss0) / steps
    score = np.where(diverged, batch.stopped_at[rows] / steps, (mean - lowest) / span if span > 0 else 0.0)
    return {
        "x": xs.tolist(),
        "y": ys.tolist(),
        "names": {"x": x_name, "y": y_name},
        "diverged": diverged.reshape(n, n).tolist(),
        "score": score.reshape(n, n).tolist(),
        "status": status.reshape(n, n).tolist(),
        "dtype": "float64",
    }
