"""A program's trainable params as an objective of the runner (engine.runner.Objective).

A point is every param of the graph, flattened into one vector of D numbers (in the
order the params appear in the program); its loss is the graph's output (the sum of
it, when it is not a scalar, as backprop's seed of ones says) and its gradient the
params' gradients from the engine's backward pass, flattened the same way. So the
optimizers, schedules, noise and stop rules that race on a 2-D surface train a model
unchanged:

    >>> objective = ParamsObjective(parse_program(PRESETS["logreg"].program))
    >>> batch = Batch(objective, objective.start(), 100, [Run("adam", {"lr": 0.1})]).run()
    >>> objective.unflatten(batch.result(0)["points"][-1, :-1])  # {"w": array([...]), "b": array(...)}

Each of the K points is one forward and backward pass of the graph's Tape (recorded
once): the graph's ops are not batched over points, unlike a surface's.
"""

from __future__ import annotations

import numpy as np

from engine.errors import InputError
from engine.graph import Graph
from engine.tape import Tape

__all__ = ["ParamsObjective"]


class ParamsObjective:
    """The loss of ``graph`` as a function of its params' values, flattened (an Objective)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.params = [n for n in graph.leaves if n.kind == "param"]
        if not self.params:
            raise InputError("the program has no param(...) to train: make a weight a param, like w = param([0.5, -0.3])")
        self.shapes = [n.value.shape for n in self.params]
        ends = np.cumsum([n.value.size for n in self.params])
        self.slices = [slice(int(a), int(b)) for a, b in zip([0, *ends[:-1]], ends)]
        self.dim = int(ends[-1])
        with np.errstate(all="ignore"):
            graph.forward(check=False)
            self.tape = Tape(graph, self.params)

    def start(self) -> np.ndarray:
        """The params' values in the program, flattened: where training starts."""
        return np.concatenate([np.ravel(n.value) for n in self.params])

    def unflatten(self, point: np.ndarray) -> dict[str, np.ndarray]:
        """Each param's value at a point (D,), by name, in its own shape."""
        return {n.id: point[s].reshape(shape) for n, s, shape in zip(self.params, self.slices, self.shapes)}

    def __call__(self, points: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(loss (K,), gradient (K, D) written into out) at the K points (K, D)."""
        loss = np.empty(points.shape[0])
        for k, point in enumerate(points):
            value, grads = self.tape(*(point[s].reshape(shape) for s, shape in zip(self.slices, self.shapes)))
            loss[k] = np.sum(value)
            for s, grad in zip(self.slices, grads):
                out[k, s] = np.ravel(grad)
        return loss, out
