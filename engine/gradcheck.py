"""Backprop against central finite differences, per leaf."""

from __future__ import annotations

import time

import numpy as np

from engine.graph import Graph
from engine.limits import GRADCHECK_CPU_SECONDS as TIME_BUDGET_SECONDS
from engine.limits import MAX_CHECKED_COORDINATES as MAX_COORDINATES


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a − n‖ / max(‖a‖ + ‖n‖, 1e-6): relative, but not fooled by gradients near 0."""
    return float(np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-6))


def gradcheck(graph: Graph, h: float = 1e-6, seed: int = 0) -> dict:
    """Compare dL/dleaf from backprop with (L(x + h) − L(x − h)) / 2h for each input/param.

    L is the output, or its sum when it is not a scalar. Large tensors are checked
    on a random sample of coordinates so a request stays within its time limit.
    """
    graph.forward()
    grads = graph.backward()
    with np.errstate(all="ignore"):  # a nudge may overflow: that leaf's error is then not finite
        errors = list(_leaf_errors(graph, grads, h, np.random.default_rng(seed)))
    graph.forward()
    finite = [e for _, e, _ in errors if np.isfinite(e)]
    return {
        "max_rel_error": max(finite, default=0.0),
        "leaves": {leaf: (e if np.isfinite(e) else None) for leaf, e, _ in errors},
        "coordinates_checked": sum(n for _, _, n in errors),
    }


def _leaf_errors(graph: Graph, grads: dict, h: float, rng: np.random.Generator):
    """(leaf id, relative error, coordinates checked) for each leaf, within the time budget."""
    deadline = time.thread_time() + TIME_BUDGET_SECONDS
    share = max(1, MAX_COORDINATES // max(1, len(graph.leaves)))
    for leaf in graph.leaves:
        flat = leaf.value.reshape(-1)  # a view: nudging it nudges the leaf
        coords = np.arange(flat.size) if flat.size <= share else rng.choice(flat.size, share, replace=False)
        numeric = np.empty(len(coords))
        for k, i in enumerate(coords):
            if time.thread_time() > deadline:
                coords, numeric = coords[:k], numeric[:k]
                break
            old = flat[i]
            flat[i] = old + h
            up = float(np.sum(graph.forward(check=False)))
            flat[i] = old - h
            down = float(np.sum(graph.forward(check=False)))
            flat[i] = old
            numeric[k] = (up - down) / (2 * h)
        yield leaf.id, relative_error(grads[leaf.id].reshape(-1)[coords], numeric), len(coords)
