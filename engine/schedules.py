"""Learning-rate schedules η(t), all registered in ``SCHEDULES``.

MLP Lecture 5: "Proofs of convergence for stochastic optimisation rely on a learning
rate that reduces through time (as 1/t) — Robbins and Monro (1951)"; time-dependent
schedules (piecewise constant, exponential, reciprocal) and performance-dependent
ones ("NewBOB"). η₀ is the optimizer's ``lr``; t = 0, 1, 2, … and update t + 1 uses
η(t), so the first update uses η(0) = η₀.

Each schedule is one named formula function ``eta(t, lr0, p)``, vectorised over t
and lr0; ``Schedule.curve`` (the plot) and ``Scheduler.rate`` (the runner) both
evaluate it, so they cannot disagree. Every schedule also takes ``warmup``:
for t < warmup, η(t)·(t + 1)/warmup.

Runner use::

    sched = SCHEDULES["cosine"].start(lr0, params)   # lr0: (K,) η₀ of each run
    for t in range(1, steps + 1):
        lr = sched.rate(t - 1)                       # (K,)
        ... update t ...
        sched.observe(t, loss)                       # loss (K,) at the new point
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import InputError
from engine.limits import MAX_LR
from engine.limits import MAX_STEPS as MAX_T
from engine.params import Param, ParamError
from engine.registry import Entry, lookup

__all__ = ["SCHEDULES", "NewbobScheduler", "Schedule", "Scheduler", "schedule_curve"]


WARMUP = Param("warmup", 0, 0, MAX_T, "linear warm-up: for t < warmup, η(t)·(t + 1)/warmup", "int")


def _warmup(eta, t, warmup: int):
    """η(t)·(t + 1)/warmup for t < warmup (Goyal et al. 2017, "gradual warmup")."""
    if warmup == 0:
        return eta
    if np.ndim(t) == 0:
        return eta * ((t + 1) / warmup) if t < warmup else eta
    return np.where(t < warmup, eta * ((t + 1) / warmup), eta)


# --- the formulas: t (any shape) broadcast against lr0 (float or array) ---------------

def constant(t, lr0, p):
    """η(t) = η₀."""
    return lr0 * np.ones_like(t, dtype=np.float64)


def piecewise(t, lr0, p):
    """η(t) = vᵢ for bᵢ ≤ t < bᵢ₊₁ (b₀ = 0): "pre-determined η for each epoch" (lecture).
    The values are the rates themselves, so η₀ (lr) is not used."""
    i = np.searchsorted(np.asarray(p["boundaries"], dtype=np.float64), t, side="right")
    return np.asarray(p["values"], dtype=np.float64)[i] * np.ones_like(lr0, dtype=np.float64)


def exponential(t, lr0, p):
    """η(t) = η₀·exp(−t/r) (lecture; r ~ training set size)."""
    return lr0 * np.exp(-t / p["r"])


def reciprocal(t, lr0, p):
    """η(t) = η₀·(1 + t/r)^(−c) (lecture; c ~ 1 gives Robbins–Monro's 1/t decay)."""
    return lr0 * (1.0 + t / p["r"]) ** (-p["c"])


def step(t, lr0, p):
    """η(t) = η₀·γ^⌊t/every⌋: multiply by γ every `every` updates."""
    return lr0 * p["gamma"] ** (t // p["every"])


def cosine(t, lr0, p):
    """η(t) = η_min + (η₀ − η_min)(1 + cos(π·τ/period))/2 with τ = t mod period if
    restarting, else min(t, period) (Loshchilov & Hutter 2017, SGDR)."""
    period = p["period"]
    tau = np.mod(t, period) if p["restarts"] else np.minimum(t, period)
    return p["eta_min"] + (lr0 - p["eta_min"]) * (1.0 + np.cos(np.pi * tau / period)) / 2.0


def newbob(t, lr0, p, scale=1.0):
    """η(t) = η₀·factor^n, n the epoch boundaries passed since the mean loss stopped
    improving. ``scale`` = factor^n comes from the losses seen so far (``NewbobScheduler``);
    without losses (a plot) it is 1, i.e. the constant η₀."""
    return lr0 * scale * np.ones_like(t, dtype=np.float64)


def _check_piecewise(p: dict) -> None:
    b, v = p["boundaries"], p["values"]
    if any(not float(x).is_integer() for x in b):
        raise ParamError("piecewise", "boundaries", f"must be whole step numbers, got {b}")
    p["boundaries"] = [int(x) for x in b]
    if any(b2 <= b1 for b1, b2 in itertools.pairwise(b)):
        raise ParamError("piecewise", "boundaries", f"must be strictly increasing (b₁ < b₂ < …), got {p['boundaries']}")
    if len(v) != len(b) + 1:
        raise ParamError("piecewise", "values",
                         f"needs one more entry than boundaries (v₀ is used before b₁): "
                         f"{len(b)} boundaries need {len(b) + 1} values, got {len(v)}")


# --- runners ------------------------------------------------------------------------

class Scheduler:
    """η(t) for K runs of a time-only schedule. ``rate(t)`` reads a table of the formula
    evaluated in chunks (fast: it is called once per update), extended as t grows."""

    loss_driven = False  # True where observe() changes later rates

    def __init__(self, schedule: Schedule, lr0: np.ndarray, params: dict):
        self.schedule, self.lr0, self.params = schedule, lr0, params
        self._table = np.empty((0, lr0.shape[0]))

    def rate(self, t: int) -> np.ndarray:
        """η(t), shape (K,): the rate of update t + 1. Read-only."""
        if t >= self._table.shape[0]:
            n = max(2 * self._table.shape[0], t + 1, 256)
            self._table = self.schedule.eta_at(np.arange(n)[:, None], self.lr0, self.params)
            self._table.flags.writeable = False
        return self._table[t]

    def observe(self, t: int, loss: np.ndarray) -> None:
        """Loss after update t; time-only schedules ignore it."""


class NewbobScheduler(Scheduler):
    """NewBOB per run (vectorised over K): "fixed η until validation set stops improving,
    then halve η each epoch (i.e. constant, then exponential)" (lecture).

    An epoch is ``epoch_steps`` updates; its mean loss is that of the points after each
    of its updates. When an epoch's mean fails to beat the previous epoch's by more than
    ``threshold``, η is multiplied by ``factor`` at that boundary and at every boundary
    after it.
    """

    loss_driven = True

    def __init__(self, schedule: Schedule, lr0: np.ndarray, params: dict):
        super().__init__(schedule, lr0, params)
        k = lr0.shape[0]
        self.scale = np.ones(k)                 # factor^n per run
        self.decaying = np.zeros(k, dtype=bool)  # has this run stopped improving?
        self.prev_mean = np.full(k, np.nan)     # previous epoch's mean loss (none yet)
        self._sum = np.zeros(k)
        self._eta = newbob(0, lr0, params, self.scale)  # changes only at epoch boundaries
        self._eta.flags.writeable = False

    def rate(self, t: int) -> np.ndarray:
        return _warmup(self._eta, t, self.params["warmup"])

    def observe(self, t: int, loss: np.ndarray) -> None:
        with np.errstate(all="ignore"):  # a diverged run's loss may be ±inf or NaN
            self._sum += loss
            n = self.params["epoch_steps"]
            if t % n:
                return
            mean = self._sum / n
            stalled = ~(self.prev_mean - mean > self.params["threshold"]) & ~np.isnan(self.prev_mean)
        self.decaying |= stalled
        self.scale = np.where(self.decaying, self.scale * self.params["factor"], self.scale)
        self.prev_mean = mean
        self._sum = np.zeros_like(self._sum)
        self._eta = newbob(t, self.lr0, self.params, self.scale)
        self._eta.flags.writeable = False


@dataclass(frozen=True, eq=False, kw_only=True)
class Schedule(Entry):
    """One schedule: metadata for the API/UI, its parameters and its formula function."""

    id: str
    title: str
    formula: str
    citation: str = ""
    params: tuple[Param, ...]
    eta: Callable[..., np.ndarray]
    check: Callable[[dict], None] | None = None
    runner: type[Scheduler] = Scheduler

    @property
    def loss_driven(self) -> bool:
        """Does η(t) depend on the losses (NewBOB), so a race must feed them in as it goes?"""
        return self.runner.loss_driven

    def eta_at(self, t, lr0, p: dict) -> np.ndarray:
        """The formula with warm-up, for already-validated params."""
        with np.errstate(all="ignore"):
            return _warmup(self.eta(t, lr0, p), t, p["warmup"])

    def curve(self, t, lr0: float, params: Mapping[str, Any] | None = None) -> np.ndarray:
        """η(t) for plotting, t an array. newbob has no losses here: constant η₀."""
        t = np.asarray(t)
        return self.eta_at(t, float(lr0), self.validate_params(params))

    def start(self, lr0, params: Mapping[str, Any] | None = None) -> Scheduler:
        """A runner for K runs with initial rates lr0 (K,) sharing these params."""
        lr0 = np.asarray(lr0, dtype=np.float64).reshape(-1)
        return self.runner(self, lr0, self.validate_params(params))


_R = Param("r", 100.0, 1e-3, 1e6, "time constant r (lecture: r ~ training set size)", scale="log")

SCHEDULES: dict[str, Schedule] = {s.id: s for s in (
    Schedule(id="constant", title="Constant", formula="η(t) = η₀", params=(WARMUP,), eta=constant),
    Schedule(id="piecewise", title="Piecewise constant", formula="η(t) = vᵢ for bᵢ ≤ t < bᵢ₊₁ (b₀ = 0)", params=(
        Param("boundaries", (200, 400), 1, MAX_T, "steps b₁ < b₂ < … where the rate changes", "list"),
        Param("values", (0.01, 0.003, 0.001), 0.0, MAX_LR, "rates v₀, v₁, … (one more than boundaries; lr is not used)",
              "list", scale="log", slider_min=1e-5),
        WARMUP), eta=piecewise, check=_check_piecewise),
    Schedule(id="exponential", title="Exponential", formula="η(t) = η₀·exp(−t/r)", params=(_R, WARMUP), eta=exponential),
    Schedule(id="reciprocal", title="Reciprocal", formula="η(t) = η₀·(1 + t/r)^(−c)", params=(
        _R, Param("c", 1.0, 0.0, 10.0, "decay power c (lecture: c ~ 1)"), WARMUP), eta=reciprocal),
    Schedule(id="step", title="Step decay", formula="η(t) = η₀·γ^⌊t/every⌋", params=(
        Param("every", 100, 1, MAX_T, "updates between drops", "int", scale="log"),
        Param("gamma", 0.5, 0.0, 1.0, "γ, factor applied at each drop"), WARMUP), eta=step),
    Schedule(id="cosine", title="Cosine", formula="η(t) = η_min + (η₀ − η_min)·(1 + cos(π·τ/period))/2, "
             "τ = t mod period with restarts, else min(t, period)", params=(
        Param("period", 500, 1, MAX_T, "updates from η₀ down to η_min", "int", scale="log"),
        Param("eta_min", 0.0, 0.0, MAX_LR, "η_min, the rate at the end of a period", scale="log", slider_min=1e-6),
        Param("restarts", False, None, None, "jump back to η₀ every period (SGDR)", "bool"),
        WARMUP), eta=cosine),
    Schedule(id="newbob", title="NewBOB", formula="η(t) = η₀ until an epoch's mean loss fails to improve on the previous "
             "epoch's by more than threshold; from then on η ← factor·η at every epoch boundary", params=(
        Param("epoch_steps", 50, 1, MAX_T, "updates per epoch", "int", scale="log"),
        Param("factor", 0.5, 0.0, 1.0, "multiplier per epoch once the loss stalls (lecture: halve)"),
        Param("threshold", 0.0, 0.0, 1e6, "smallest improvement of the epoch mean loss that counts",
              scale="log", slider_min=1e-6),
        WARMUP), eta=newbob, runner=NewbobScheduler),
)}


def schedule_curve(schedule: str, lr: float, params: Mapping[str, Any] | None, steps: int,
                   losses: np.ndarray | None = None) -> np.ndarray:
    """η(t) for t = 0 … steps − 1 (the rate of update t + 1), as the runner applies it.

    Time-only schedules are their formula. NewBOB's rate depends on the loss: ``losses[t]``
    is the loss after update t + 1 (a race's curve from its second point on); without
    losses it is the constant η₀, as in ``Schedule.curve``."""
    found = lookup(SCHEDULES, schedule, "schedule")
    if not 1 <= steps <= MAX_T:
        raise InputError(f"steps must be between 1 and {MAX_T:,} (limit steps), got {steps}", "steps")
    runner = found.start([lr], params)
    if losses is None or not runner.loss_driven:
        return SCHEDULES[schedule].eta_at(np.arange(steps), float(lr), runner.params)
    losses = np.asarray(losses, dtype=float).reshape(-1)
    rates = np.empty(steps)
    for t in range(steps):
        rates[t] = runner.rate(t)[0]
        if t < len(losses):
            runner.observe(t + 1, losses[t : t + 1])
    return rates
