"""Computational graphs: nodes, topological order, forward, and the backward loop.

The backward pass is one loop over the nodes in reverse topological order that
keeps a dict of gradients keyed by node and adds every consumer's contribution to
it explicitly: the fan-out sum the lecture talks about. The trace the API streams
comes out of this loop (`backward_steps`) one step at a time. `backward` records the
same pass as a Tape (engine/tape.py, a flat list of the NumPy calls it makes) that a
race runs again 10,000 times; tests check that the two give the same numbers to the
bit, so what students see is what the engine computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from engine.errors import InputError
from engine.ops import Op
from engine.tape import Tape, ones_like

LEAF_KINDS = ("input", "param", "const")


class EvaluationError(InputError):
    """A value or gradient that is not a finite number, naming the node and where it is."""

    def __init__(self, message: str, node: Node | None = None):
        super().__init__(message)
        self.node = node

    def detail(self) -> dict:
        if self.node is None:
            return {"message": self.message}
        return {"message": self.message, "node": self.node.id, "line": self.node.line, "column": self.node.column}


@dataclass(eq=False)
class Node:
    id: str
    kind: str  # input | param | const | op
    op: Op | None = None
    inputs: tuple[Node, ...] = ()
    attrs: dict = field(default_factory=dict)
    value: np.ndarray | None = None
    source: str = ""  # the program text it came from, for the UI and error messages
    named: bool = False  # True when the program assigned it a name (else its id is made up, like add_1)
    line: int | None = None
    column: int | None = None

    @property
    def op_name(self) -> str:
        return self.op.name if self.op is not None else self.kind

    @property
    def label(self) -> str:
        return self.op.symbol if self.op is not None else self.id

    @property
    def display(self) -> str:
        """How formulas refer to it: its name, a constant's value, else its made-up id."""
        return self.source if self.kind == "const" and not self.named else self.id

    def compute(self) -> np.ndarray:
        return np.asarray(self.op.forward(*(n.value for n in self.inputs), **self.attrs), dtype=float)


@dataclass
class BackwardStep:
    """One node's turn in backprop: its gradient and what it sends to each input."""

    node: Node
    grad: np.ndarray
    to: list[tuple[Node, np.ndarray | None, np.ndarray, str]]  # input, local (or None), grad, rule or formula


def topological_order(output: Node, extra: list[Node] = ()) -> list[Node]:
    """Iterative depth-first order (inputs before users); no recursion limit."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in [*extra, output]:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.inputs) if id(child) not in seen)
    return order


class Graph:
    """A graph whose last node is the output; `nodes` is in topological order."""

    def __init__(self, output: Node, nodes: list[Node] | None = None):
        self.output = output
        self.nodes = topological_order(output, nodes or [])
        self.by_id = {n.id: n for n in self.nodes}
        # Which inputs of each op lead back to an input or param: only those need gradients.
        wants: dict[int, bool] = {}
        for node in self.nodes:
            wants[id(node)] = node.kind in ("input", "param") or any(wants[id(i)] for i in node.inputs)
        self._needed = {id(n): tuple(wants[id(i)] for i in n.inputs) for n in self.nodes}
        # The op nodes in order, and in reverse those that backprop must visit: built once.
        self._ops = [n for n in self.nodes if n.op is not None]
        self._program = [(n, partial(n.op.forward, **n.attrs) if n.attrs else n.op.forward, n.inputs) for n in self._ops]
        self._backprop = [n for n in reversed(self._ops) if any(self._needed[id(n)])]
        self.leaves = [n for n in self.nodes if n.kind in ("input", "param")]

    def forward(self, check: bool = True) -> np.ndarray:
        """Recompute every op node from the leaves' current values.

        With check=False non-finite values pass silently and NumPy's warnings are the
        caller's to silence (a grid or a gradient check holds one np.errstate around its
        many passes, rather than paying for one per pass).
        """
        if not check:
            for node, forward, inputs in self._program:
                node.value = forward(*[n.value for n in inputs])
            return self.output.value
        with np.errstate(all="ignore"):
            for node, forward, inputs in self._program:
                node.value = forward(*[n.value for n in inputs])
        for node in self.nodes:
            if not np.isfinite(node.value).all():
                raise EvaluationError(f"node '{node.id}' (`{node.source}`) is not a finite number", node)
        return self.output.value

    def _incoming(self, node: Node, grads: dict[int, np.ndarray]) -> np.ndarray:
        g = grads.pop(id(node), None)
        if g is None:  # nothing downstream uses this node
            g = np.zeros_like(node.value)
        if not np.isfinite(g).all():
            raise EvaluationError(f"the gradient at node '{node.id}' is not a finite number", node)
        return g

    def _propagate(self, node: Node, g: np.ndarray, grads: dict[int, np.ndarray]) -> tuple:
        """Send g back through one op: each input's share, added to what it already has."""
        args = [n.value for n in node.inputs]
        shares, locals_ = node.op.grads(g, node.value, args, node.attrs)
        for child, share in zip(node.inputs, shares):
            if share is None:
                continue
            key = id(child)  # the fan-out sum: every consumer adds its share
            grads[key] = share if key not in grads else grads[key] + share
        return shares, locals_

    def backward_steps(self) -> Iterator[BackwardStep]:
        """Backprop one node at a time, seeding the output with ones, recording each step."""
        grads: dict[int, np.ndarray] = {id(self.output): ones_like(self.output.value)}
        for node in reversed(self.nodes):
            g = self._incoming(node, grads)
            to = []
            if node.op is not None:
                with np.errstate(all="ignore"):
                    shares, locals_ = self._propagate(node, g, grads)
                for k, (child, share) in enumerate(zip(node.inputs, shares)):
                    if not np.isfinite(share).all():
                        raise EvaluationError(
                            f"the gradient flowing from node '{node.id}' to '{child.id}' is not a finite number "
                            "(a derivative is infinite here, e.g. sqrt or log at 0)",
                            node,
                        )
                    if locals_ is None:
                        to.append((child, None, share, self.rule(node, k)))
                    else:
                        to.append((child, np.broadcast_to(locals_[k], node.value.shape), share, self.formula(node, k)))
            yield BackwardStep(node, g, to)

    def backward(self, check: bool = True) -> dict[str, np.ndarray]:
        """dL/dn for every op node that leads back to an input or param, and every leaf.

        The pass is recorded as a Tape (engine/tape.py), which runs it once as it records
        it: the same per-node step as the trace, and the same code a race runs 10,000
        times. With check=True a gradient that is not a finite number raises, naming the
        first such node that backprop reaches.
        """
        with np.errstate(all="ignore"):
            grads = Tape(self, self.leaves).gradients()
        if check:
            for node in [*self._backprop, *self.leaves]:
                if not np.isfinite(grads[node.id]).all():
                    raise EvaluationError(f"the gradient at node '{node.id}' is not a finite number", node)
        return grads

    def rule(self, node: Node, k: int) -> str:
        return node.op.rule[k].format(*(n.display for n in node.inputs), out=node.display)

    def formula(self, node: Node, k: int) -> str:
        """'∂out/∂input = …' for an elementwise op, with the graph's names."""
        names = [n.display for n in node.inputs]
        local = node.op.formula[k].format(*names, out=node.display)
        return f"∂{node.display}/∂{names[k]} = {local}"
