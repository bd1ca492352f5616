"""Backprop against central finite differences, per leaf."""

from __future__ import annotations

import numpy as np

from engine import budget
from engine.graph import Graph
from engine.limits import GRADCHECK_CPU_SECONDS
from engine.limits import MAX_CHECKED_COORDINATES as MAX_COORDINATES


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a − n‖ / max(‖a‖ + ‖n‖, 1e-6): relative, but not fooled by gradients near 0."""
    return float(np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-6))


def gradcheck(graph: Graph, h: float = 1e-6, seed: int = 0) -> dict:
    """Compare dL/dleaf from backprop with (L(x + h) − L(x − h)) / 2h for each input/param.

    L is the output, or its sum when it is not a scalar. Large tensors are checked on a
    random sample of coordinates, and the differences stop early rather than overrun the
    request's CPU budget (at most GRADCHECK_CPU_SECONDS of it).

    ``{max_rel_error, checked, leaves: {id: error or None}, coordinates_checked}``, plus a
    ``message`` when nothing could be checked: then ``checked`` is false and
    ``max_rel_error`` None, never a 0 that reads as a pass. A leaf's error is None when
    its differences are not finite (a nudge of ±h leaves the function's domain, as at
    log(1e-10)) or no time was left to nudge it.
    """
    with budget.scope() as b:
        start = b.used()
        graph.forward()
        pass_cost = b.used() - start  # one forward pass
        grads = graph.backward()
        with np.errstate(all="ignore"):  # a nudge may overflow: that leaf's error is then not finite
            errors = list(_leaf_errors(graph, grads, h, np.random.default_rng(seed), b, pass_cost))
        graph.forward()
    finite = [e for _, e, _ in errors if e is not None and np.isfinite(e)]
    out = {
        "max_rel_error": max(finite) if finite else None,
        "checked": bool(finite),
        "leaves": {leaf: (e if e is not None and np.isfinite(e) else None) for leaf, e, _ in errors},
        "coordinates_checked": sum(n for _, _, n in errors),
    }
    if not finite:
        if not errors:
            out["message"] = "nothing to check: the program has no input or param"
        elif all(e is None for _, e, _ in errors):
            out["message"] = "no coordinate could be checked within the CPU budget: use smaller tensors"
        else:
            out["message"] = (f"no leaf could be checked: the finite differences are not finite numbers (a nudge "
                              f"of ±{h:g} leaves the function's domain, as log near 0 does, or overflows)")
    return out


def _leaf_errors(graph: Graph, grads: dict, h: float, rng: np.random.Generator, b: budget.Budget, pass_cost: float):
    """(leaf id, relative error or None, coordinates checked) for each leaf.

    A coordinate costs two forward passes; one is kept in reserve for the forward that
    puts the graph back. The differences stop when the next coordinate would take them
    past GRADCHECK_CPU_SECONDS or the request's budget."""
    stop = b.used() + min(GRADCHECK_CPU_SECONDS, b.remaining() - pass_cost)
    share = max(1, MAX_COORDINATES // max(1, len(graph.leaves)))
    for leaf in graph.leaves:
        flat = leaf.value.reshape(-1)  # a view: nudging it nudges the leaf
        coords = np.arange(flat.size) if flat.size <= share else rng.choice(flat.size, share, replace=False)
        numeric = np.empty(len(coords))
        for k, i in enumerate(coords):
            used = b.used()
            if used + 2 * pass_cost > stop:
                coords, numeric = coords[:k], numeric[:k]
                break
            old = flat[i]
            flat[i] = old + h
            up = float(np.sum(graph.forward(check=False)))
            flat[i] = old - h
            down = float(np.sum(graph.forward(check=False)))
            flat[i] = old
            numeric[k] = (up - down) / (2 * h)
            pass_cost = max(pass_cost, (b.used() - used) / 2)
        if len(coords) == 0:
            yield leaf.id, None, 0
        else:
            yield leaf.id, relative_error(grads[leaf.id].reshape(-1)[coords], numeric), len(coords)
