"""A graph's forward and backward pass recorded as one flat list of NumPy calls.

``Graph.backward`` records a Tape and reads the gradients off that one run; a race,
which evaluates the same surface 10,000 times on arrays of a few points, keeps the
Tape and runs it again. On such tiny arrays the cost is per call, not per number,
and walking nodes, dicts and shape tests would cost as much as NumPy's work: a Tape
does that walk once, for given leaf shapes, and records what it does — each op's
forward, each local derivative or VJP (the OPS table's), each "local × incoming"
product, each unbroadcast and each fan-out sum, in reverse topological order — as
instructions over numbered slots. Running it again is a loop of calls.

    tape = Tape(graph, [x, y])        # runs forward and backward once, at the leaves' values
    value, (dx, dy) = tape(x_values, y_values)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from engine.ops import _minus_one, _one, unbroadcast

if TYPE_CHECKING:
    from engine.graph import Graph, Node

__all__ = ["Tape", "ones_like"]


def ones_like(value: np.ndarray) -> np.ndarray:
    """The seed of backprop: ones shaped like the output (np.ones_like costs 4× this)."""
    seed = np.empty_like(value)
    seed.fill(1.0)
    return seed


class Tape:
    """Forward and backward of a graph, for leaves of fixed shapes.

    Recorded by running the graph once on the leaves' current values: each call is
    made as it is recorded, which gives every slot's shape (so the unbroadcasts needed
    are known). Warnings of NumPy's on non-finite values are the caller's to silence.
    """

    def __init__(self, graph: Graph, leaves: Sequence[Node]):
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

        # Backward, as the trace does it (Graph._propagate): seed the output with ones, then
        # each op node in reverse topological order sends its share to each input that
        # needs a gradient, and a node that feeds several others sums what they send.
        grad_slot = {id(graph.output): self._constant(ones_like(self.slots[self.output_slot]))}
        self.grad_of: dict[str, int] = {}  # node id -> slot of dL/dnode, for Graph.backward
        for node in reversed(graph.nodes):
            needed = graph._needed[id(node)]
            if node.op is None or not any(needed):
                continue
            g = self.grad_of[node.id] = self._incoming(node, grad_slot, value_slot)
            args = [value_slot[id(n)] for n in node.inputs]
            if node.op.local is None:  # matmul, reductions, softmax, losses: the VJP gives every share
                vjp = partial(node.op.vjp, **node.attrs) if node.attrs else node.op.vjp
                shares = self._record(vjp, [g, value_slot[id(node)], *args])
            for k, (child, wanted) in enumerate(zip(node.inputs, needed)):
                if not wanted:
                    continue
                if node.op.local is None:
                    share = self._record(itemgetter(k), [shares])
                    if self.slots[share] is None:
                        continue
                else:  # local × incoming, summed back to the input's shape, as Op.grads does it
                    share = self._times(node, k, g, [value_slot[id(node)], *args], value_slot[id(child)])
                key = id(child)  # the fan-out sum
                grad_slot[key] = share if key not in grad_slot else self._record(np.add, [grad_slot[key], share])
        for leaf in graph.leaves:
            self.grad_of[leaf.id] = self._incoming(leaf, grad_slot, value_slot)
        self.grad_slots = [self.grad_of[leaf.id] for leaf in leaves]

    def _times(self, node: Node, k: int, g: int, out_and_args: list[int], child: int) -> int:
        d = node.op.local[k]
        if d is _one:  # _times's shortcuts: ±1 needs no multiplication
            share = g
        elif d is _minus_one:
            share = self._record(np.negative, [g])
        else:
            share = self._record(np.multiply, [g, self._record(d, out_and_args)])
        shape = np.shape(self.slots[child])
        if np.shape(self.slots[share]) != shape:
            share = self._record(partial(_unbroadcast_to, shape=shape), [share])
        return share

    def _incoming(self, node: Node, grad_slot: dict[int, int], value_slot: dict[int, int]) -> int:
        if id(node) in grad_slot:
            return grad_slot[id(node)]
        return self._constant(np.zeros_like(self.slots[value_slot[id(node)]]))  # nothing downstream uses it

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

    def gradients(self) -> dict[str, np.ndarray]:
        """dL/dnode of the last run, by node id, for the op nodes that lead back to a leaf and the leaves."""
        return {name: self.slots[slot] for name, slot in self.grad_of.items()}


def _unbroadcast_to(share, shape):
    return unbroadcast(np.asarray(share), shape)  # as Op.grads's _times does it
