"""A graph's forward and backward pass recorded as one flat list of NumPy calls.

A race evaluates the same surface 10,000 times on arrays of a few points. On such
tiny arrays the cost is per call, not per number, and walking nodes, dicts and shape
tests would cost as much as NumPy's work. A Tape runs the graph's forward plan and
the one backward loop (``engine.graph.backprop``) once, as the recording executor: each
call is made and appended to a list of instructions over numbered slots. Running the
Tape again is a loop of calls, with no walk at all.

    tape = Tape(graph, [x, y])        # runs forward and backward once, at the leaves' values
    value, (dx, dy) = tape(x_values, y_values)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from engine.graph import backprop

if TYPE_CHECKING:
    from engine.graph import Graph, Node

__all__ = ["Tape"]


class Tape:
    """Forward and backward of a graph, for leaves of fixed shapes (those they have now).

    The recording is the graph's own passes, run once on the leaves' current values:
    each op's forward, then backprop over the nodes and inputs that need a gradient.
    Warnings of NumPy's on non-finite values are the caller's to silence.
    """

    def __init__(self, graph: Graph, leaves: Sequence[Node]):
        self.slots: list = []  # values: leaves' (set at each call), constants', then every result's
        self.instructions: list[tuple[Callable, Callable, int, bool]] = []
        value_slot = {id(n): self.constant(n.value) for n in graph.nodes if n.op is None}
        self.leaf_slots = [value_slot[id(leaf)] for leaf in leaves]
        for node, forward, inputs in graph._forward_plan:
            value_slot[id(node)] = self.run(forward, *[value_slot[id(n)] for n in inputs])
        self.output_slot = value_slot[id(graph.output)]
        steps = backprop(graph._backprop_order, graph.output, value_slot, graph.needed_inputs, self.run, self.constant)
        self.grad_of = {step.node.id: step.grad for step in steps}  # node id -> slot of dL/dnode
        self.grad_slots = [self.grad_of[leaf.id] for leaf in leaves]

    def constant(self, value) -> int:
        self.slots.append(value)
        return len(self.slots) - 1

    def run(self, fn: Callable, *args: int) -> int:
        """The recording executor: ``slot = fn(*slots[args])``, made now and appended."""
        out = self.constant(fn(*(self.slots[i] for i in args)))
        self.instructions.append((fn, itemgetter(*args), out, len(args) > 1))
        return out

    def __call__(self, *leaf_values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(output, [d output / d leaf for each leaf]) at these leaf values (non-finite ones pass)."""
        slots = self.slots
        for slot, value in zip(self.leaf_slots, leaf_values):
            slots[slot] = value
        for fn, get, out, many in self.instructions:
            slots[out] = fn(*get(slots)) if many else fn(get(slots))
        return slots[self.output_slot], [slots[i] for i in self.grad_slots]
