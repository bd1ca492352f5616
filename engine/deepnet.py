"""The lecture's deep-network experiment: how activations and gradients grow or shrink
with depth, for a choice of activation function and initialisation.

h₀ is a (samples × width) standard-normal batch; hₗ = f(hₗ₋₁Wₗ) for l = 1 … L, with no
bias; the loss is sum(h_L). Each Wₗ (width × width) is drawn from the INITS registry.
The graph is built node by node (a typed program is capped at 500 nodes; this one has
up to 601) and differentiated by the engine's own backward pass, so ‖∂loss/∂hₗ‖ is
what backprop sends, as the lecture's W = 2I and W = 0.5I example says: with f the
identity, ∂loss/∂hₗ = (Wᵀ)^(L−l)·1, so 2^(L−l) and 0.5^(L−l) times ‖1‖.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine import budget
from engine.errors import InputError
from engine.graph import Graph, Node
from engine.inits import INITS
from engine.limits import MAX_DEPTH, MAX_HISTOGRAMS, MAX_INIT_ELEMENTS, MAX_INIT_SAMPLES, MAX_INIT_WIDTH
from engine.ops import OPS
from engine.registry import lookup

__all__ = ["ACTIVATIONS", "HISTOGRAM_BINS", "MAX_HISTOGRAMS", "activation_curves", "deep_network", "histogram",
           "histogram_edges"]

# "linear" and the program language's activation functions
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu")

# Each activation as the lecture writes it, f(x) (its derivative is the op's own formula, engine.ops).
_FORMULAS = {
    "linear": "f(x) = x",
    "sigmoid": "σ(x) = 1/(1 + exp(−x))",
    "tanh": "tanh(x) = (exp(2x) − 1)/(exp(2x) + 1)",
    "relu": "relu(x) = max(0, x)",
    "leaky_relu": "lrelu(x) = x where x > 0, else 0.01x",
    "elu": "elu(x) = x where x > 0, else exp(x) − 1",
    "softplus": "softplus(x) = log(1 + exp(x))",
    "gelu": "gelu(x) = x·Φ(x)",
}
assert tuple(_FORMULAS) == ACTIVATIONS

HISTOGRAM_BINS = 40


def _op(activation: str):
    return OPS["identity" if activation == "linear" else activation]


def _check(depth: int, width: int, samples: int, activation: str, init: str) -> None:
    lookup(ACTIVATIONS, activation, "activation")
    lookup(INITS, init, "init")
    for name, value, most in (("depth", depth, MAX_DEPTH), ("width", width, MAX_INIT_WIDTH),
                              ("samples", samples, MAX_INIT_SAMPLES)):
        if not 1 <= value <= most:
            raise InputError(f"{name} must be between 1 and {most:,} (limit {name}), got {value}", name)
    elements = depth * width * (width + 2 * samples)
    if elements > MAX_INIT_ELEMENTS:
        raise InputError(
            f"depth × width × (width + 2·samples) = {elements:,} numbers; at most {MAX_INIT_ELEMENTS:,} "
            "(limit max_init_elements): use fewer layers, units or samples",
            "max_init_elements",
        )


def build(depth: int, width: int, activation: str, init: str, gain: float = 1.0, seed: int = 0,
          samples: int = 256) -> Graph:
    """The network as a graph: leaves h0 and W1 … WL, nodes z_l = h_{l−1} @ W_l and h_l = f(z_l)
    (h_l = z_l itself for "linear"), and the loss."""
    _check(depth, width, samples, activation, init)
    rng = np.random.default_rng(seed)
    h = Node("h0", "input", value=rng.standard_normal((samples, width)), source="h0", named=True)
    nodes = [h]
    for layer in range(1, depth + 1):
        weight = INITS[init]((width, width), {"gain": gain}, rng=rng)
        w = Node(f"W{layer}", "param", value=weight, source=f"W{layer}", named=True)
        product = f"h{layer}" if activation == "linear" else f"z{layer}"
        z = Node(product, "op", OPS["matmul"], (h, w), source=f"h{layer - 1} @ W{layer}", named=True)
        nodes += [w, z]
        h = z
        if activation != "linear":
            h = Node(f"h{layer}", "op", OPS[activation], (z,), source=f"{activation}(z{layer})", named=True)
            nodes.append(h)
    loss = Node("loss", "op", OPS["sum"], (h,), source=f"sum(h{depth})", named=True)
    return Graph(loss, [*nodes, loss])


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def histogram(values: np.ndarray, index: int) -> dict:
    """``{index, edges, counts, nonfinite}``: the finite values of one layer in HISTOGRAM_BINS bins
    over their own range, bin j holding edges[j] ≤ v < edges[j + 1] (the last one closed), as
    np.histogram does. Values that overflowed float64 (±inf, nan) are not binned: ``nonfinite``
    counts them, so ``sum(counts) + nonfinite`` is every value. Nothing finite: no edges and no
    counts. The edges are always finite and strictly increasing (see ``histogram_edges``)."""
    values = np.asarray(values, dtype=float).ravel()
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"index": index, "edges": [], "counts": [], "nonfinite": int(values.size)}
    edges = histogram_edges(float(finite.min()), float(finite.max()))
    bins = np.clip(np.searchsorted(edges, finite, side="right") - 1, 0, HISTOGRAM_BINS - 1)
    counts = np.bincount(bins, minlength=HISTOGRAM_BINS)
    return {"index": index, "edges": edges.tolist(), "counts": counts.tolist(),
            "nonfinite": int(values.size - finite.size)}


_LARGEST = float(np.finfo(float).max)


def histogram_edges(lo: float, hi: float) -> np.ndarray:
    """HISTOGRAM_BINS + 1 finite, strictly increasing edges from at most lo to at least hi
    (finite, lo ≤ hi): np.histogram's own ``linspace(lo, hi)`` wherever that works. One value
    gets a unit-wide range around it, as NumPy gives it. A range that linspace cannot split
    (narrower than 40 steps of float64 at its size, which NumPy refuses as "too many bins", or
    wider than the largest float, where hi − lo overflows) is widened to at least 4 float steps
    a bin and split after scaling by a power of two."""
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    if np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0):
        return edges
    largest = max(abs(lo), abs(hi))
    least = 4 * HISTOGRAM_BINS * (largest - float(np.nextafter(largest, 0.0)))  # float64's step at that size
    if hi / 2 - lo / 2 < least / 2:  # (hi − lo)/2 without overflowing
        middle = lo / 2 + hi / 2
        lo, hi = min(lo, middle - least / 2), max(hi, middle + least / 2)
        if hi > _LARGEST:
            lo, hi = _LARGEST - least, _LARGEST
        elif lo < -_LARGEST:
            lo, hi = -_LARGEST, -_LARGEST + least
    # lo/scale and hi/scale lie in (−2, 2), so their difference cannot overflow; ×scale (a power of
    # two) changes no digit above the subnormal range, and 4 float steps a bin outlast its rounding there
    scale = float(np.ldexp(1.0, int(np.frexp(max(abs(lo), abs(hi)))[1]) - 1))
    edges = scale * np.linspace(lo / scale, hi / scale, HISTOGRAM_BINS + 1)
    edges[0], edges[-1] = lo, hi
    assert np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0), (lo, hi)
    return edges


def _check_histograms(histograms: Sequence[int], depth: int) -> None:
    if len(histograms) > MAX_HISTOGRAMS:
        raise InputError(f"at most {MAX_HISTOGRAMS} histograms (limit histograms), got {len(histograms)}",
                         "histograms")
    for index in histograms:
        if not 1 <= index <= depth:
            raise InputError(f"histograms: layer {index} is not a layer of this network (1 … {depth})")


def deep_network(depth: int, width: int, activation: str, init: str, gain: float = 1.0, seed: int = 0,
                 samples: int = 256, histograms: Sequence[int] = ()) -> dict:
    """``{"layers": [{index, act_mean, act_std, grad_norm, weight_grad_norm}, …], "histograms": […]}``
    for l = 1 … depth: the mean and spread of hₗ, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖ (Frobenius).
    A number that overflowed float64 (a network that explodes) is None. ``histograms``
    names layers whose activations hₗ come back binned (see ``histogram``), in that order."""
    _check_histograms(histograms, depth)
    with budget.scope() as b:
        return _deep_network(build(depth, width, activation, init, gain, seed, samples), depth, histograms, b)


def _deep_network(graph: Graph, depth: int, histograms: Sequence[int], b: budget.Budget) -> dict:
    hint = "use fewer layers, units or samples"
    b.check("the network", hint)
    with np.errstate(all="ignore"):
        graph.forward(check=False)
        b.check("the network's forward pass", hint)
        grads = graph.backward(check=False)
        layers = []
        for layer in range(1, depth + 1):
            h = graph.by_id[f"h{layer}"].value
            layers.append({
                "index": layer,
                "act_mean": _finite(h.mean()),
                "act_std": _finite(h.std()),
                "grad_norm": _finite(np.linalg.norm(grads[f"h{layer}"])),
                "weight_grad_norm": _finite(np.linalg.norm(grads[f"W{layer}"])),
            })
        binned = [histogram(graph.by_id[f"h{index}"].value, index) for index in histograms]
    return {"layers": layers, "histograms": binned}


def activation_curves(lo: float = -5.0, hi: float = 5.0, n: int = 201) -> list[dict]:
    """Every activation f on n points of [lo, hi]: ``{id, formula, derivative, x, y, dy}``,
    y = f(x) from the engine's forward pass and dy = f′(x) from its backward pass of
    sum(f(x)) (the local derivative, since ∂sum/∂f = 1), with the op's derivative formula."""
    x = np.linspace(lo, hi, n)
    curves = []
    for activation in ACTIVATIONS:
        op = _op(activation)
        xs = Node("x", "input", value=x, source="x", named=True)
        ys = Node("y", "op", op, (xs,), source=f"{activation}(x)", named=True)
        total = Node("total", "op", OPS["sum"], (ys,), source="sum(y)", named=True)
        graph = Graph(total, [xs, ys, total])
        graph.forward()
        grads = graph.backward()
        shown = _FORMULAS[activation].split(" = ")[0]  # "σ(x)"
        curves.append({
            "id": activation,
            "formula": _FORMULAS[activation],
            "derivative": f"{shown.removesuffix('(x)')}′(x) = " + op.formula[0].format("x", out=shown),
            "x": x.tolist(),
            "y": ys.value.tolist(),
            "dy": grads["x"].tolist(),
        })
    return curves
