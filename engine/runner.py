"""The optimisation runner: every run of a request advances in lockstep, as one batch.

K runs (a race of optimizers, or the cells of a hyperparameter sweep) share one
objective and one start: a 2-D surface, or anything with D coordinates that gives its
loss and gradient at K points at once (``Objective``: the trainable params of a program
graph are one). Each loop iteration t = 0, 1, … does, for all K at once:

1. one evaluation of the objective (for a surface, the forward and backward pass of its
   graph) at the K points p(t);
2. the stop rules, per run:
   - *diverged*: a coordinate or the loss of p(t) is not finite or beyond 1e6 in
     magnitude. ``stopped_at = t``; the run keeps the points before it, p(0) … p(t−1),
     and the rates of the updates that led to p(t) (the last one is the culprit);
   - *converged*: ‖∇f(p(t))‖ < 1e-8 and ‖p(t) − p(t−1)‖ < 1e-8 (t ≥ 1), at a minimum:
     ``stopped_at = t``;
   - *stalled*: the same test, but not at a minimum: a plateau where no gradient flows
     (a dead ReLU unit), a saddle point, or a local minimum above the surface's global
     one. On a named surface (``engine.surfaces.SURFACES``, recognised by its expression)
     "at a minimum" means the loss is that of its known minima (within 1e-6, relative);
     the saddle surface has none, so every run that stops on it has stalled. A custom
     surface's minima are unknown, so there it means that no point of a small ring
     around p(t) is lower (a plateau's inside passes, its edge and a saddle do not).
     An objective that is not a surface (a model's params) is not judged: converged;
   - *max_steps* at t = steps: ``stopped_at = steps``;
3. update t + 1 for the runs still going: the gradient (plus this update's row of the
   shared noise table) goes to one ``step`` call per kernel for all of its runs — runs
   are stored grouped by kernel (optimizers that are special cases of one update, such
   as Adam and AdamW, share one), so each group is a contiguous slice of the batch —
   with the rate η(t) from each run's schedule.

``points[k]`` is p(k) and its loss, [x, y, loss] on a surface (``points[0]`` is the
start), ``lr[k]`` the rate update k + 1 used, ``effective_lr[k]`` its per-coordinate rate
and ``gradient[k]`` the gradient it stepped along (at p(k), noise included: the page
draws it as −η∇); a diverged run has as many rates as points, any other run one fewer. Non-finite numbers never reach a
result's points or loss; an effective rate of the update that diverged may be NaN,
which JSON writes as null.

``Batch.advance(chunk)`` is a generator that pauses every ``chunk`` iterations, so a
stream (app/race_stream.py) can send what is done and simply stop iterating when its
client leaves; ``race`` and ``sweep`` (engine/races.py) run it to the end. Each batch
stops with a CpuTimeError (limit cpu_time) once it has used more than ``MAX_CPU_SECONDS`` of CPU, or once the
request it belongs to has used up its budget (engine.budget): the surface's build and
the batch draw from that one budget, and a stream's steps too, on whatever thread runs
them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from engine import budget
from engine.errors import InputError
from engine.limits import CONVERGENCE_TOL, DIVERGENCE_LIMIT, MAX_CPU_SECONDS, MAX_RECORDED_NUMBERS, MAX_STEPS
from engine.optimizers import OPTIMIZERS, stack_group
from engine.registry import lookup
from engine.schedules import SCHEDULES
from engine.surfaces import SURFACES, SurfaceFunction

__all__ = [
    "CONVERGENCE_TOL",
    "DIVERGENCE_LIMIT",
    "MAX_STEPS",
    "Batch",
    "Noise",
    "Run",
    "minimum_test",
    "surface_batch",
]

DIVERGED, CONVERGED, STALLED, MAX = "diverged", "converged", "stalled", "max_steps"
MINIMUM_RTOL = 1e-6  # a stop this close to a known minimum's loss (relative, at least absolute) is at it
RING_RADIUS = 1e-3  # the probe ring around a custom surface's stop, relative to max(1, |p|)
RING_POINTS = 16
RING_RTOL = 1e-9  # a ring point lower than the stop's loss by more than this (relative) is lower
SPREAD_RATES_UP_TO = 64  # coordinates up to which η is stored at every coordinate (see Batch._fill_rates)
BUDGET_SLICE_SECONDS = 0.01  # the loop checks the CPU budget at least this often, once an iteration's cost is known


@dataclass(frozen=True)
class Run:
    """One run of a race: an optimizer with its hyperparameters and a schedule.

    Making one is the one check of a run's hyperparameters: the optimizer and the schedule
    must exist, and ``params`` and ``schedule_params`` are validated against their
    registries and kept with the defaults filled in (a ParamError names a bad one).
    Everything after, the batch and the kernels, trusts a Run (the API's RunSpec makes
    one while it validates a request, so nothing is checked twice)."""

    optimizer: str
    params: Mapping[str, Any] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_params: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None

    def __post_init__(self) -> None:
        optimizer = lookup(OPTIMIZERS, self.optimizer, "optimizer")
        schedule = lookup(SCHEDULES, self.schedule, "schedule")
        object.__setattr__(self, "params", optimizer.validate_params(self.params))
        object.__setattr__(self, "schedule_params", schedule.validate_params(self.schedule_params))


@dataclass(frozen=True)
class Noise:
    """N(0, std²) added to every gradient component, the same draws for every run."""

    std: float = 0.0
    seed: int = 0

    def table(self, steps: int, dim: int = 2) -> np.ndarray | None:
        """Row t is added to the gradient of update t + 1 of every run."""
        if not self.std > 0:
            return None
        return np.random.default_rng(self.seed).normal(0.0, self.std, size=(steps, dim))


def checked_start(start, dim: int) -> np.ndarray:
    start = np.asarray(start, dtype=float)
    if start.shape != (dim,) or not np.isfinite(start).all():
        raise InputError(f"the start must be {dim} finite numbers, got {start.tolist()}")
    return start


def _labels(runs: Sequence[Run]) -> list[str]:
    """Each run's label, defaulting to its optimizer's title; repeats get a number."""
    out, seen = [], {}
    for run in runs:
        base = run.label or OPTIMIZERS[run.optimizer].title
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} {seen[base]}")
    return out


class Objective(Protocol):
    """What a batch minimises: D numbers per point, K points at a time.

    ``objective(points, out)`` takes points (K, D) and returns ``(loss, grad)``: loss (K,)
    and the gradient (K, D) written into ``out`` (the runner's own buffer, so a race's
    10,000 evaluations allocate none). Non-finite values are returned as they are: the
    runner decides what they mean. A 2-D surface is one (``SurfaceFunction``); the
    trainable params of a program graph, flattened, are another (``ParamsObjective``).
    """

    dim: int

    def __call__(self, points: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class Batch:
    """K runs of one objective from one start, advanced together.

    Rows are stored grouped by optimizer (``order[row]`` is the run it holds);
    results are given back in the runs' own order. With ``record=False`` only each
    run's final loss and status are kept (a sweep). ``at_minimum`` tells a converged
    stop from a stalled one (see the module docstring; ``minimum_test`` makes it for a
    surface).
    """

    def __init__(
        self,
        objective: Objective,
        start: Sequence[float],
        steps: int,
        runs: Sequence[Run],
        noise: Noise | None = None,
        record: bool = True,
        cpu_seconds: float | None = None,
        at_minimum: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ):
        self.objective, self.steps, self.record = objective, steps, record
        self.at_minimum = at_minimum  # (points (R, D), losses (R,)) -> (R,) bool; None: every stop converged
        self.cpu_seconds = MAX_CPU_SECONDS if cpu_seconds is None else cpu_seconds
        # Its own cap, within the budget of the request (or call) that made it, if any.
        self.budget = budget.Budget(self.cpu_seconds, parent=budget.current())
        self.start = self._check(start, runs)
        self._order_rows(runs)
        self._allocate()
        self._fill_rates()
        self._group_kernels()
        self.noise = (noise or Noise()).table(steps, objective.dim)

    # -- set-up, in order

    def _check(self, start, runs: Sequence[Run]) -> np.ndarray:
        steps, dim = self.steps, self.objective.dim
        if not 1 <= steps <= MAX_STEPS:
            raise InputError(f"steps must be between 1 and {MAX_STEPS:,} (limit steps), got {steps}", "steps")
        if not runs:
            raise InputError("a race needs at least one run")
        start = checked_start(start, dim)
        if self.record and (steps + 1) * len(runs) * (3 * dim + 1) > MAX_RECORDED_NUMBERS:
            raise InputError(
                f"{len(runs)} runs of {steps:,} steps over {dim:,} coordinates would record more than "
                f"{MAX_RECORDED_NUMBERS:,} numbers (limit max_recorded_numbers): use fewer steps or runs",
                "max_recorded_numbers",
            )
        return start

    def _order_rows(self, runs: Sequence[Run]) -> None:
        """Rows grouped by kernel (optimizers that are special cases of one update share one:
        see engine.optimizers), in the order the kernels first appear; params validated."""
        self.kernels = [OPTIMIZERS[run.optimizer].kernel for run in runs]
        first: dict[type, int] = {}
        for kernel in self.kernels:
            first.setdefault(kernel, len(first))
        self.order = sorted(range(len(runs)), key=lambda i: first[self.kernels[i]])  # stable
        self.row_of = np.argsort(self.order)
        self.runs = list(runs)
        self.labels = _labels(runs)
        self.K = len(runs)
        self.rows = [runs[i] for i in self.order]
        self.params = [r.params for r in self.rows]  # validated when each Run was made
        self.schedule_params = [r.schedule_params for r in self.rows]

    def _allocate(self) -> None:
        """The buffers the loop reuses, and the per-run stop state.

        Two (K, D) buffers take turns holding p(t) and p(t − 1): each update writes
        p(t + 1) over p(t − 1), group by group through fixed views (no per-step slicing or
        joining); the gradient has one buffer of its own.
        """
        K, D, steps = self.K, self.objective.dim, self.steps
        self.pos = np.tile(self.start, (K, 1))
        self.prev = self.pos.copy()
        self.grad = np.empty((K, D))
        self.inverse = np.empty((K, D))  # 1/∇f, for the convergence test
        if self.record:  # (iteration, run, ·): rows of one iteration are written together
            self.points = np.empty((steps + 1, K, D + 1))
            self.effective_lr = np.empty((steps, K, D))
            self.gradients = np.empty((steps, K, D))  # the gradient each update used, noise included
        self.active = np.ones(K, dtype=bool)
        self.n_active = K
        self.stopped: np.ndarray | None = None  # (K, D) mask of stopped rows, once there is one
        self.park = np.zeros((K, D))  # where stopped rows are held (a finite point)
        self.infinite = np.full((K, D), np.inf)  # a stopped row's gradient (an array: a float costs a conversion)
        self.status: list[str | None] = [None] * K
        self.stopped_at = np.full(K, -1)
        self.n_points = np.zeros(K, dtype=int)  # final counts once stopped
        self.n_lr = np.zeros(K, dtype=int)
        self.final_loss = np.full(K, np.nan)
        self.t = 0  # next iteration

    def _fill_rates(self) -> None:
        """η(t) of every row, a (steps, K, W) table: W = D for a few coordinates (the
        optimizers' same-shape operations are cheaper than (K, 1) broadcasts), W = 1 for
        many (a model's weights), where memory matters more. Time-only schedules are
        filled in now, in one vectorised call per distinct (schedule, params); loss-driven
        ones (NewBOB) row by row as the losses arrive."""
        steps, K, D = self.steps, self.K, self.objective.dim
        width = D if D <= SPREAD_RATES_UP_TO else 1
        lr0 = np.array([p["lr"] for p in self.params], dtype=float)
        keys: dict[tuple, list[int]] = {}
        for i, (r, sp) in enumerate(zip(self.rows, self.schedule_params)):
            keys.setdefault((r.schedule, json.dumps(sp, sort_keys=True)), []).append(i)
        self.lr_table = np.zeros((steps, K, width))
        self.observers = []
        ts = np.arange(steps)[:, None]
        for (name, _), idx in keys.items():
            idx_ = slice(None) if len(idx) == K else np.array(idx)
            schedule, sp = SCHEDULES[name], self.schedule_params[idx[0]]
            scheduler = schedule.start(lr0[idx_], sp)
            if not scheduler.loss_driven:
                self.lr_table[:, idx_] = schedule.eta_at(ts, lr0[idx_], sp)[..., None]
            else:
                self.observers.append((idx_, scheduler))

    def _group_kernels(self) -> None:
        """One group per kernel, a contiguous slice of rows: (an optimizer of that kernel,
        rows, state, its rows of the rate table); and what each group's step reads and
        writes, as fixed views of the buffers, for either turn of the two position buffers."""
        self.groups = []
        a = 0
        for kernel in dict.fromkeys(self.kernels):
            b = a + self.kernels.count(kernel)
            rows = slice(a, b)
            members = [(OPTIMIZERS[r.optimizer], p) for r, p in zip(self.rows[rows], self.params[rows])]
            opt = members[0][0]
            state = opt.init_state(self.pos[rows], stack_group(members))
            self.groups.append((opt, rows, state, self.lr_table[:, rows]))
            a = b
        self._plan = {
            id(p): [
                (opt.step, p[rows], self.grad[rows], q[rows], state, lrs)
                for opt, rows, state, lrs in self.groups
            ]
            for p, q in ((self.pos, self.prev), (self.prev, self.pos))
        }

    # -- the loop

    def advance(self, chunk: int = 250) -> Iterator[int]:
        """Run the loop, pausing after every ``chunk`` iterations (yields iterations done).

        The CPU budget is checked between slices of a chunk: one iteration at first, then
        twice as many while a slice takes under BUDGET_SLICE_SECONDS, so a cheap surface
        soon runs whole chunks and an expensive model (a training run of big matmuls)
        is stopped within a slice of its limit. Its CPU is counted only while it runs,
        on whichever thread that is (a stream's steps move between threads)."""
        stride = 1
        while self.t <= self.steps and self.n_active:
            end = min(self.t + chunk, self.steps + 1)
            with self.budget.running():
                while self.t < end and self.n_active:
                    began = time.thread_time()
                    self._iterate(min(self.t + stride, end))
                    self._check_budget()
                    if stride < chunk and time.thread_time() - began < BUDGET_SLICE_SECONDS:
                        stride *= 2
            yield self.t

    def _check_budget(self) -> None:
        over = self.budget.exceeded()
        if over is not None and self.n_active:
            raise budget.CpuTimeError(
                budget.cpu_message(over.seconds, "the optimisation",
                                   f"stopped after {max(self.t - 1, 0):,} of {self.steps:,} steps; use fewer steps "
                                   "or runs, or a simpler expression"))

    def run(self, chunk: int = 250) -> Batch:
        """All the way (checking the CPU budget every ``chunk`` iterations)."""
        for _ in self.advance(chunk):
            pass
        return self

    def _iterate(self, end: int) -> None:
        """Iterations self.t … end − 1 (see the module docstring).

        This is the hot loop (10,000 iterations for a long race), so the per-iteration
        checks are one or two NumPy calls that are exact only in one direction; the
        per-run tests in ``_diverge``/``_converge`` run only when one of them fires.
        Stopped runs stay in the batch but are held at a finite point ("parked": a
        converged run where it stopped, a diverged one at the start) and their gradient
        is set to inf, so they do not fire a check again. Each group writes its new
        points straight into its rows of the other position buffer (``out=``), which
        then becomes p(t + 1); a parked row's value there is overwritten at once.
        """
        objective, observers, steps, plan = self.objective, self.observers, self.steps, self._plan
        pos, prev, grad, noise, park, record = self.pos, self.prev, self.grad, self.noise, self.park, self.record
        lr_table, stopped, infinite = self.lr_table, self.stopped, self.infinite
        limit, limit2, inverse_limit = DIVERGENCE_LIMIT, DIVERGENCE_LIMIT**2, CONVERGENCE_TOL**-2
        vdot, absolute, inverse = np.vdot, np.abs, self.inverse
        pos_log, loss_log, eff_log, grad_log = [], [], [], []
        t = t0 = self.t
        with np.errstate(all="ignore"):
            while t < end:
                loss, _ = objective(pos, grad)
                if record:
                    pos_log.append(pos.copy())  # pos is a buffer that is written again
                    loss_log.append(loss)
                if stopped is not None:
                    np.copyto(grad, infinite, where=stopped)
                # Σ loss² + Σ coord² ≤ 1e12 means no run is beyond 1e6 (NaN fails `<=`); if
                # not, the largest |value| decides whether a run needs the per-run test.
                if not vdot(loss, loss) + vdot(pos, pos) <= limit2 and not (
                    absolute(loss).max() <= limit and absolute(pos).max() <= limit
                ):
                    self._diverge(t, pos, loss)
                    stopped = self.stopped
                if t:
                    # Σ 1/g² passes 1/tol² when some |g| < tol (inf for a stopped row adds 0; NaN fires)
                    np.reciprocal(grad, inverse)
                    if not vdot(inverse, inverse) <= inverse_limit:
                        self._converge(t, pos, prev, grad, loss)
                        stopped = self.stopped
                    for idx, scheduler in observers:
                        scheduler.observe(t, loss[idx])
                if t == steps:
                    self._stop(np.flatnonzero(self.active), t, MAX, loss)
                if not self.n_active:
                    t += 1
                    break

                for idx, scheduler in observers:
                    lr_table[t, idx] = scheduler.rate(t)[:, None]
                if noise is not None:
                    np.add(grad, noise[t], out=grad)
                # Every group steps from its rows of p(t) into the same rows of the other
                # buffer, which then holds p(t + 1). (A plain loop, not a comprehension, so
                # that profiles show the steps as called from here.)
                effs = []
                for step, w, d, out, state, lrs in plan[id(pos)]:
                    effs.append(step(w, d, t + 1, lrs[t], state, out)[1])
                if record:
                    eff_log.append(effs)
                    grad_log.append(grad.copy())  # grad is a buffer that is written again
                if stopped is not None:
                    np.copyto(prev, park, where=stopped)
                prev, pos = pos, prev
                t += 1
        self.pos, self.prev, self.t = pos, prev, t
        if record and pos_log:  # one copy per chunk (np.array stacks the small arrays fastest)
            n = len(pos_log)
            self.points[t0 : t0 + n, :, :-1] = np.array(pos_log)
            self.points[t0 : t0 + n, :, -1] = np.array(loss_log)
            if eff_log:
                n = len(eff_log)
                for (_, rows, *_), column in zip(self.groups, zip(*eff_log)):
                    self.effective_lr[t0 : t0 + n, rows] = np.array(column)
                self.gradients[t0 : t0 + n] = np.array(grad_log)

    def _diverge(self, t: int, pos, loss) -> None:
        size = np.maximum(np.abs(loss), np.abs(pos).max(axis=1))
        rows = np.flatnonzero(~(size <= DIVERGENCE_LIMIT) & self.active)
        self._stop(rows, t, DIVERGED, loss)
        self.park[rows] = self.start  # finite, and (usually) far below the limit

    def _converge(self, t: int, pos, prev, grad, loss) -> None:
        step = pos - prev
        small = np.maximum((grad * grad).sum(axis=1), (step * step).sum(axis=1)) < CONVERGENCE_TOL**2
        rows = np.flatnonzero(small & self.active)
        if not len(rows):
            return
        at = np.ones(len(rows), dtype=bool) if self.at_minimum is None else self.at_minimum(pos[rows], loss[rows])
        self._stop(rows[at], t, CONVERGED, loss)
        self._stop(rows[~at], t, STALLED, loss)
        self.park[rows] = pos[rows]

    def _stop(self, rows: np.ndarray, t: int, status: str, loss: np.ndarray) -> None:
        if not len(rows):
            return
        if self.stopped is None:
            self.stopped = np.zeros((self.K, self.objective.dim), dtype=bool)  # every coordinate: no broadcast
        for r in rows:
            self.active[r] = False
            self.stopped[r] = True
            self.n_active -= 1
            self.status[r] = status
            self.stopped_at[r] = t
            if status == DIVERGED:  # p(t) is bad: keep p(0) … p(t−1) (at least the start)
                self.n_points[r], self.n_lr[r] = max(t, 1), t
            else:
                self.n_points[r], self.n_lr[r] = t + 1, t
                self.final_loss[r] = loss[r]

    # -- results, in the runs' order

    def known(self, k: int) -> tuple[int, int]:
        """How many points and rates of run k are final so far."""
        r = self.row_of[k]
        if self.status[r] is None:
            return self.t, self.t
        return int(self.n_points[r]), int(self.n_lr[r])

    def ended(self, k: int) -> bool:
        return self.status[self.row_of[k]] is not None

    def summary(self, k: int) -> dict:
        r = self.row_of[k]
        return {"run": k, "label": self.labels[k], "status": self.status[r], "stopped_at": int(self.stopped_at[r])}

    def slices(self, k: int, begin: int = 0) -> dict:
        """Run k's points, rates and effective rates from index ``begin`` to what is final."""
        r = self.row_of[k]
        n_points, n_lr = self.known(k)
        return {
            "points": np.ascontiguousarray(self.points[begin:n_points, r]),
            "lr": np.ascontiguousarray(self.lr_table[begin:n_lr, r, 0]),
            "effective_lr": np.ascontiguousarray(self.effective_lr[begin:n_lr, r]),
            "gradient": np.ascontiguousarray(self.gradients[begin:n_lr, r]),
        }

    def result(self, k: int) -> dict:
        run, r = self.runs[k], self.row_of[k]
        return {
            "label": self.labels[k],
            "optimizer": run.optimizer,
            "params": self.params[r],
            "schedule": {"name": run.schedule, **self.schedule_params[r]},
            **self.slices(k),
            "status": self.status[r],
            "stopped_at": int(self.stopped_at[r]),
        }


def minimum_test(expression: str, f: SurfaceFunction) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Which stops of a race on the surface ``expression`` (evaluated by ``f``) are at a
    minimum: ``test(points (R, 2), losses (R,)) -> (R,) bool`` (module docstring, *stalled*)."""
    named = next((s for s in SURFACES.values() if s.expression == expression), None)
    if named is not None:
        best = named.minimum_value  # None: no minimum (the saddle)
        if best is None:
            return lambda points, losses: np.zeros(len(losses), dtype=bool)
        return lambda points, losses: losses - best <= MINIMUM_RTOL * max(1.0, abs(best))

    angles = np.linspace(0.0, 2 * np.pi, RING_POINTS, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    out = np.empty((RING_POINTS, 2))

    def no_lower_neighbour(points: np.ndarray, losses: np.ndarray) -> np.ndarray:
        at = np.empty(len(losses), dtype=bool)
        with np.errstate(all="ignore"):
            for i, (p, loss) in enumerate(zip(points, losses)):
                radius = RING_RADIUS * max(1.0, float(np.abs(p).max()))
                around, _ = f(p + radius * ring, out)
                at[i] = not (around < loss - RING_RTOL * max(1.0, abs(loss))).any()
        return at

    return no_lower_neighbour


def surface_batch(expression: str | Objective, start, steps: int, runs: Sequence[Run], noise: Noise | None = None,
                  record: bool = True, cpu_seconds: float | None = None) -> Batch:
    """A batch on a 2-D surface given as an expression in x and y (built at the start, its
    stops judged by ``minimum_test``), or on any Objective given as it is."""
    at_minimum = None
    if isinstance(expression, str):
        start = checked_start(start, 2)
        f = SurfaceFunction(expression, [tuple(start)])
        expression, at_minimum = f, minimum_test(expression, f)
    return Batch(expression, start, steps, runs, noise, record, cpu_seconds, at_minimum)
