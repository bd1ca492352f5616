"""An elementwise graph recorded as one flat list of NumPy calls: forward, then backward.

A race evaluates the same surface 10,000 times on arrays of a few points, where the
cost is per call, not per number, and Graph.forward/backward spend as long walking
nodes, dicts and shape tests as NumPy spends computing. A Tape does that walk once,
for given input shapes, and records what it does — each op's forward, each local
derivative (the same OPS entries Graph.backward calls), each "local × incoming"
product, each unbroadcast and each fan-out sum, in Graph.backward's order — as
instructions over numbered slots. Running it is a loop of calls, and its numbers are
Graph.backward's bit for bit (tests/engine/test_tape.py checks every surface).

    tape = Tape(graph, [x, y])        # after graph.forward() at values of the shapes to come
    value, (dx, dy) = tape(x_values, y_values)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from operator import itemgetter

import numpy as np

from engine.graph import Graph, Node, _ones_like
from engine.ops import _minus_one, _one, unbroadcast

__all__ = ["Tape"]


class Tape:
    """Forward and backward of an elementwise graph for fixed leaf shapes.

    Built by running the graph once on the leaves' current values: each recorded call
    is made as it is recorded, which gives every slot's shape (so the unbroadcasts
    needed are known) and checks that the tape computes what the graph does.
    """

    def __init__(self, graph: Graph, leaves: Sequence[Node]):
        if any(not n.op.elementwise for n in graph.nodes if n.op is not None):
            raise ValueError("a Tape records elementwise graphs only")
        self.slots: list = []  # values: leaves' (set at each call), constants', then every result's
        self.program: list[tuple[Callable, Callable, int, bool]] = []
        value_slot: dict[int, int] = {}
        for node in graph.nodes:
            if node.op is None:
                value_slot[id(node)] = self._constant(node.value)
        self.leaf_slots = [value_slot[id(leaf)] for leaf in leaves]

        for node in graph.nodes:  # forward, in topological order
            if node.op is not None:
                forward = partial(node.op.forward, **node.attrs) if node.attrs else node.op.forward
                value_slot[id(node)] = self._record(forward, [value_slot[id(n)] for n in node.inputs])
        self.output_slot = value_slot[id(graph.output)]

        # backward, as Graph.backward does it: seed with ones, then each op node in reverse
        # topological order sends local × incoming to each input that needs a gradient
        grad_slot = {id(graph.output): self._constant(_ones_like(self.slots[self.output_slot]))}
        needed = graph._needed
        for node in reversed(graph.nodes):
            if node.op is None or not any(needed[id(node)]):
                continue
            g = grad_slot.get(id(node))
            if g is None:  # nothing downstream uses this node
                g = self._constant(np.zeros_like(self.slots[value_slot[id(node)]]))
            args = [value_slot[id(n)] for n in node.inputs]
            for d, child, wanted in zip(node.op.local, node.inputs, needed[id(node)]):
                if not wanted:
                    continue
                if d is _one:  # _times's shortcuts: ±1 needs no multiplication
                    share = g
                elif d is _minus_one:
                    share = self._record(np.negative, [g])
                else:
                    local = self._record(d, [value_slot[id(node)], *args])
                    share = self._record(np.multiply, [g, local])
                shape = np.shape(self.slots[value_slot[id(child)]])
                if np.shape(self.slots[share]) != shape:
                    share = self._record(partial(_unbroadcast_to, shape=shape), [share])
                key = id(child)  # the fan-out sum
                grad_slot[key] = share if key not in grad_slot else self._record(np.add, [grad_slot[key], share])
        self.grad_slots = [
            grad_slot[id(leaf)] if id(leaf) in grad_slot else self._constant(np.zeros_like(leaf.value))
            for leaf in leaves
        ]

    def _constant(self, value) -> int:
        self.slots.append(value)
        return len(self.slots) - 1

    def _record(self, fn: Callable, args: list[int]) -> int:
        """Append ``slot = fn(*slots[args])`` to the program, and run it once now."""
        out = self._constant(fn(*(self.slots[i] for i in args)))
        self.program.append((fn, itemgetter(*args), out, len(args) > 1))
        return out

    def __call__(self, *leaf_values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(output, [d output / d leaf for each leaf]) at these leaf values (non-finite ones pass)."""
        slots = self.slots
        for slot, value in zip(self.leaf_slots, leaf_values):
            slots[slot] = value
        for fn, get, out, many in self.program:
            slots[out] = fn(*get(slots)) if many else fn(get(slots))
        return slots[self.output_slot], [slots[i] for i in self.grad_slots]


def _unbroadcast_to(share, shape):
    return unbroadcast(np.asarray(share), shape)  # as _times does it
