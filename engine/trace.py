"""The trace the UI steps through: graph, forward values, backward gradients.

`trace_events` is the only producer; the POST endpoint collects its events into one
document and the stream sends them one by one, so the two always agree. The layout,
forward and backward passes are computed before the first event, within one CPU budget
(the request's, see engine.budget), so a stream never fails half-way.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from engine import budget
from engine.graph import EvaluationError, Graph
from engine.layout import layered_layout
from engine.limits import MAX_TRACE_ELEMENTS
from engine.parsing import ProgramError


def to_json(value: np.ndarray):
    """Nested lists of float64 (callers have already checked finiteness)."""
    return np.asarray(value, dtype=float).tolist()


def describe(graph: Graph) -> dict:
    positions, edges = layered_layout(graph)
    return {
        "nodes": [
            {
                "id": n.id,
                "op": n.op_name,
                "kind": n.kind,
                "label": n.label,
                "named": n.named,
                "source": n.source,
                "inputs": [i.id for i in n.inputs],
                "shape": list(n.value.shape),
                "layer": positions[n.id][0],
                "row": positions[n.id][1],
            }
            for n in graph.nodes
        ],
        "edges": edges,
        "output": graph.output.id,
        "seeded_with_ones": graph.output.value.shape != (),
    }


def trace_events(graph: Graph) -> Iterator[tuple[str, dict]]:
    """(event, data) pairs: graph, forward × N, backward × N, done.

    Errors (a limit, a gradient that is not finite, the CPU budget) are raised by this
    call, before any event."""
    total = sum(n.value.size for n in graph.nodes)
    if total > MAX_TRACE_ELEMENTS:
        raise ProgramError(
            f"the graph's tensors hold {total:,} numbers; a trace shows at most {MAX_TRACE_ELEMENTS:,} "
            "(limit max_trace_elements): use smaller tensors to step through it",
            limit="max_trace_elements",
        )
    with budget.scope():
        doc = describe(graph)
        out = graph.forward()
        with np.errstate(over="ignore"):
            loss = float(np.sum(out))
        if not np.isfinite(loss):  # every value is finite, but not their sum
            raise EvaluationError(f"the loss, the sum of the output '{graph.output.id}', is beyond float64's range "
                                  "(about ±1.8e308): use smaller values", graph.output)
        steps = graph.backward_steps()
    return _events(graph, doc, loss, steps)


def _events(graph: Graph, doc: dict, loss: float, steps) -> Iterator[tuple[str, dict]]:
    yield "graph", doc
    for node in graph.nodes:
        yield "forward", {"node": node.id, "value": to_json(node.value)}
    grads = {}
    for step in steps:
        node = step.node
        grads[node.id] = step.grad
        yield "backward", {
            "node": node.id,
            "grad": to_json(step.grad),
            "to": [
                # `rule` stands in for a missing elementwise local derivative (the contract);
                # `formula` writes an existing one in symbols, e.g. "∂e/∂c = d".
                {"input": child.id, "local": None, "grad": to_json(share), "rule": graph.rule(node, k)}
                if local is None else
                {"input": child.id, "local": to_json(np.broadcast_to(local, node.value.shape)),
                 "grad": to_json(share), "formula": graph.formula(node, k)}
                for k, (child, local, share) in enumerate(step.to)
            ],
        }
    yield "done", {
        "grads": {leaf.id: to_json(grads[leaf.id]) for leaf in graph.leaves},
        "loss": loss,
    }


def trace(graph: Graph) -> dict:
    """The whole trace as one document (the design's trace format)."""
    doc: dict = {"forward": [], "backward": []}
    for event, data in trace_events(graph):
        if event == "graph":
            doc["graph"] = data
        elif event == "done":
            doc.update(data)
        else:
            doc[event].append(data)
    return doc
