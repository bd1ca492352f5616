"""Training a program's params, iteration by iteration, with the race's own machinery.

``train`` runs ``iterations`` updates of one optimizer (and schedule) on the program's
params through ``ParamsObjective`` and the lockstep runner, the code that races on the
loss surfaces: no second copy of any update rule. It is stateless: iteration N is
recomputed from the program's initial values, so ``&iteration=N`` in a URL always
shows the same numbers. The graph is left at the trained values, forward and backward
run again, ready to be traced.
"""

from __future__ import annotations

import numpy as np

from engine import budget
from engine.errors import InputError
from engine.graph import Graph
from engine.limits import MAX_STEPS
from engine.objectives import ParamsObjective
from engine.runner import Batch, Run

__all__ = ["train"]


def train(graph: Graph, run: Run, iterations: int = 1) -> dict:
    """``{iteration, losses, lr, status, updates}`` after ``iterations`` updates.

    ``losses[k]`` is the loss after k updates (``losses[0]`` the program's own), ``lr[k]``
    the rate update k + 1 used, and ``updates`` the last update of every param:
    ``{name: {before, grad, after}}``, where ``grad`` is the ∂L/∂w that update stepped
    along (for SGD, after = before − η·grad). A run that diverges stops there
    (``status`` "diverged", the graph at its last finite point); ``iterations`` = 0 is the
    program as written.
    """
    if not 0 <= iterations <= MAX_STEPS:
        raise InputError(f"iterations must be between 0 and {MAX_STEPS:,} (limit steps), got {iterations}", "steps")
    with budget.scope():  # the set-up, every update and the last forward pass draw from one budget
        return _train(graph, run, iterations)


def _train(graph: Graph, run: Run, iterations: int) -> dict:
    objective = ParamsObjective(graph)
    start = objective.start()
    updates: dict[str, dict] = {}
    if iterations == 0:
        losses, rates, status, point = [float(np.sum(graph.output.value))], [], "max_steps", start
    else:
        result = Batch(objective, start, iterations, [run]).run().result(0)
        points, rates, status = result["points"], result["lr"].tolist(), result["status"]
        losses = points[:, -1].tolist()
        point = points[-1, :-1]
        if len(points) >= 2 and len(result["gradient"]) >= len(points) - 1:
            last = len(points) - 2
            before = objective.unflatten(points[last, :-1])
            grad = objective.unflatten(result["gradient"][last])
            after = objective.unflatten(point)
            updates = {name: {"before": before[name], "grad": grad[name], "after": after[name]} for name in before}
    for node, value in zip(objective.params, objective.unflatten(point).values()):
        node.value = np.array(value, dtype=float)
    graph.forward()
    return {"iteration": len(losses) - 1, "losses": losses, "lr": rates, "status": status, "updates": updates}
