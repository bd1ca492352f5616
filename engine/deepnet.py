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

import numpy as np

from engine.errors import InputError
from engine.graph import Graph, Node
from engine.inits import INITS
from engine.limits import MAX_DEPTH, MAX_INIT_ELEMENTS, MAX_INIT_SAMPLES, MAX_INIT_WIDTH
from engine.ops import OPS

__all__ = ["ACTIVATIONS", "deep_network"]

# "linear" and the program language's activation functions
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu")


def _check(depth: int, width: int, samples: int, activation: str, init: str) -> None:
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation '{activation}'; activations: {', '.join(ACTIVATIONS)}")
    if init not in INITS:
        raise InputError(f"unknown init '{init}'; inits: {', '.join(INITS)}")
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


def deep_network(depth: int, width: int, activation: str, init: str, gain: float = 1.0, seed: int = 0,
                 samples: int = 256) -> dict:
    """``{"layers": [{index, act_mean, act_std, grad_norm, weight_grad_norm}, …]}`` for
    l = 1 … depth: the mean and spread of hₗ, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖ (Frobenius).
    A number that overflowed float64 (a network that explodes) is None."""
    graph = build(depth, width, activation, init, gain, seed, samples)
    with np.errstate(all="ignore"):
        graph.forward(check=False)
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
    return {"layers": layers}
