"""The runner's entry points for a whole race or sweep on a surface (or any Objective):
each makes one batch (engine.runner) and runs it to its end within the request's budget.
A race's event stream is the app's (app/race_stream.py): it iterates a batch as it goes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine import budget
from engine.errors import InputError
from engine.optimizers import OPTIMIZERS
from engine.registry import lookup
from engine.runner import Noise, Objective, Run, surface_batch

__all__ = ["race", "sweep"]


def race(expression: str | Objective, start, steps: int, runs: Sequence[Run], noise: Noise | None = None) -> list[dict]:
    """Every run to its end: ``[{label, optimizer, points, lr, effective_lr, gradient, status, stopped_at, …}]``."""
    with budget.scope():
        batch = surface_batch(expression, start, steps, runs, noise).run()
        return [batch.result(k) for k in range(batch.K)]


def sweep(
    expression: str | Objective,
    start,
    steps: int,
    optimizer: str,
    params: Mapping[str, Any] | None,
    axes: Mapping[str, tuple[str, Sequence[float]]],
    schedule: str = "constant",
    schedule_params: Mapping[str, Any] | None = None,
    noise: Noise | None = None,
) -> dict:
    """One optimizer over a grid of two of its hyperparameters, every cell in one batch
(on a surface's expression, or any Objective).

    ``axes = {"x": (name, values), "y": (name, values)}``. Returns ``{x, y, names,
    final_loss, status, stopped_at}``: x and y the values, names the hyperparameters, and
    ``final_loss[i][j]`` that of ``y[i]``, ``x[j]`` (like a grid's z), None if it diverged.
    """
    (x_name, xs), (y_name, ys) = axes["x"], axes["y"]
    numeric = [p.name for p in lookup(OPTIMIZERS, optimizer, "optimizer").params if p.kind in ("float", "int")]
    for which, name in (("x", x_name), ("y", y_name)):
        if name not in numeric:
            raise InputError(f"axes.{which}.name: '{name}' is not a numeric hyperparameter of {optimizer}; "
                             f"it has {', '.join(numeric)}")
    if x_name == y_name:
        raise InputError(f"the sweep's two axes must be different hyperparameters, both are '{x_name}'")
    base = dict(params or {})
    lookup(OPTIMIZERS, optimizer, "optimizer").validate_params(base)  # a bad value is refused though an axis overrides it
    runs = [
        Run(optimizer, {**base, x_name: xv, y_name: yv}, schedule, schedule_params or {}) for yv in ys for xv in xs
    ]
    with budget.scope():
        batch = surface_batch(expression, start, steps, runs, noise, record=False).run()
    rows = batch.row_of.reshape(len(ys), len(xs))
    final = batch.final_loss[rows]
    return {
        "x": [float(v) for v in xs],
        "y": [float(v) for v in ys],
        "names": {"x": x_name, "y": y_name},
        "final_loss": [[float(v) if np.isfinite(v) else None for v in row] for row in final],
        "status": [[batch.status[r] for r in row] for row in rows],
        "stopped_at": batch.stopped_at[rows].tolist(),
    }
