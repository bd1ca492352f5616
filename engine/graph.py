"""Computational graphs: nodes, topological order, forward, and the backward loop.

The backward pass is one loop (`backprop`) over the nodes in reverse topological
order that keeps a dict of gradients keyed by node and adds every consumer's
contribution to it explicitly: the fan-out sum the lecture talks about. It is the only
implementation of backprop. It makes every NumPy call through an executor: `call`
runs each one now, which gives the trace its steps (local derivatives, shares,
gradients) and `Graph.backward` its gradients; a Tape (engine/tape.py) runs each one
and records it, so a race can replay the same pass 10,000 times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from engine import budget
from engine.errors import InputError, shorten
from engine.ops import Op, call


class EvaluationError(InputError):
    """A value or gradient that is not a finite number, naming the node and where it is."""

    def __init__(self, message: str, node: Node | None = None):
        super().__init__(message)
        self.node = node

    def detail(self) -> dict:
        if self.node is None:
            return {"message": self.message}
        return {"message": self.message, "node": self.node.id, "line": self.node.line, "column": self.node.column}

    @classmethod
    def value(cls, node: Node, where: str = "", hint: bool = True) -> EvaluationError:
        """"node 'w' (`log(x)`) is not a finite number: check for log of 0 …", ``where`` first."""
        causes = ": check for log of 0 or a negative, division by 0, or overflow" if hint else ""
        return cls(f"{where}node '{node.id}' (`{shorten(node.source)}`) is not a finite number{causes}", node)

    @classmethod
    def gradient(cls, node: Node) -> EvaluationError:
        return cls(f"the gradient at node '{node.id}' is not a finite number", node)


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

    @property
    def forward_function(self) -> Callable:
        """The op's forward with this node's attributes bound (e.g. sum's axis)."""
        return partial(self.op.forward, **self.attrs) if self.attrs else self.op.forward

    def compute(self) -> np.ndarray:
        return np.asarray(self.forward_function(*(n.value for n in self.inputs)), dtype=float)


def ones_like(value: np.ndarray) -> np.ndarray:
    """The seed of backprop: ones shaped like the output (cheaper than np.ones_like)."""
    seed = np.empty_like(value)
    seed.fill(1.0)
    return seed


@dataclass
class BackwardStep:
    """One node's turn in backprop: its gradient and what it sends to each input.

    Under the `call` executor these are arrays; under a Tape, slots of its recording.
    """

    node: Node
    grad: object
    to: list[tuple[Node, object, object]]  # (input, local derivative or None, share)


def backprop(
    nodes: Sequence[Node],
    output: Node,
    values: dict[int, object],
    wanted: Callable[[Node], Sequence[int]],
    run: Callable = call,
    constant: Callable = lambda value: value,
) -> list[BackwardStep]:
    """The backward pass: seed the output with ones, then each node of ``nodes`` (reverse
    topological order) takes the sum of what its consumers sent it and sends each input
    k in ``wanted(node)`` its share. ``values`` maps id(node) to its forward value, and
    every NumPy call goes through ``run`` (``constant`` makes a seed or a zero): see the
    module docstring. NumPy's warnings on non-finite numbers are the caller's to silence.
    """
    grads: dict[int, object] = {id(output): constant(ones_like(output.value))}
    steps = []
    for node in nodes:
        g = grads.pop(id(node), None)
        if g is None:  # nothing downstream uses this node
            g = constant(np.zeros_like(node.value))
        to = []
        if node.op is not None:
            inputs = node.inputs
            shares = node.op.backward(
                run, g, values[id(node)], [values[id(i)] for i in inputs], node.attrs,
                node.value.shape, [i.value.shape for i in inputs], wanted(node),
            )
            for k, (share, local) in zip(wanted(node), shares):
                child = inputs[k]
                key = id(child)  # the fan-out sum: every consumer adds its share
                grads[key] = share if key not in grads else run(np.add, grads[key], share)
                to.append((child, local, share))
        steps.append(BackwardStep(node, g, to))
    return steps


def budgeted(what: str) -> Callable:
    """The executor ``call``, checking the CPU budget in force (if any) after each call:
    for single passes, whose calls may each be a large matmul."""
    b = budget.current()
    if b is None:
        return call

    def run(fn: Callable, *args):
        out = fn(*args)
        b.check(what, "use smaller tensors")
        return out

    return run


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
        self._needed = {id(n): tuple(k for k, i in enumerate(n.inputs) if wants[id(i)]) for n in self.nodes}
        # Built once: the forward plan (each op node with its bound forward function), and
        # the nodes backprop visits to reach the leaves (op nodes in reverse, then leaves).
        self.leaves = [n for n in self.nodes if n.kind in ("input", "param")]
        self._forward_plan = [(n, n.forward_function, n.inputs) for n in self.nodes if n.op is not None]
        self._backprop_order = [
            *(n for n, _, _ in reversed(self._forward_plan) if self._needed[id(n)]),
            *self.leaves,
        ]

    def forward(self, check: bool = True) -> np.ndarray:
        """Recompute every op node from the leaves' current values.

        With check=False non-finite values pass silently and NumPy's warnings are the
        caller's to silence (a grid or a gradient check holds one np.errstate around its
        many passes, rather than paying for one per pass), and the CPU budget is the
        caller's to check between passes; with check=True it is checked at every node.
        """
        if not check:
            for node, forward, inputs in self._forward_plan:
                node.value = forward(*[n.value for n in inputs])
            return self.output.value
        run = budgeted("the forward pass")
        with np.errstate(all="ignore"):
            for node, forward, inputs in self._forward_plan:
                node.value = run(forward, *[n.value for n in inputs])
        for node in self.nodes:
            if not np.isfinite(node.value).all():
                raise EvaluationError.value(node, hint=False)
        return self.output.value

    def every_input(self, node: Node) -> range:
        return range(len(node.inputs))

    def needed_inputs(self, node: Node) -> tuple[int, ...]:
        """The inputs that lead back to an input or param: only they need a gradient."""
        return self._needed[id(node)]

    def backward_steps(self) -> list[BackwardStep]:
        """Backprop node by node for the trace: every node, every input's share, as arrays.

        Raises EvaluationError at the first gradient that is not a finite number, naming
        the node it reaches or flows from, in the order backprop reaches them.
        """
        with np.errstate(all="ignore"):
            steps = backprop(reversed(self.nodes), self.output, {id(n): n.value for n in self.nodes}, self.every_input,
                             budgeted("backprop"))
        for step in steps:
            node = step.node
            if not np.isfinite(step.grad).all():
                raise EvaluationError.gradient(node)
            for child, _, share in step.to:
                if not np.isfinite(share).all():
                    raise EvaluationError(
                        f"the gradient flowing from node '{node.id}' to '{child.id}' is not a finite number "
                        "(a derivative is infinite here, e.g. sqrt or log at 0)",
                        node,
                    )
        return steps

    def backward(self, check: bool = True) -> dict[str, np.ndarray]:
        """dL/dn for every op node that leads back to an input or param, and every leaf.

        The same loop as the trace, on the nodes and inputs that need a gradient. With
        check=True a gradient that is not a finite number raises, naming the first such
        node that backprop reaches.
        """
        with np.errstate(all="ignore"):
            steps = backprop(self._backprop_order, self.output, {id(n): n.value for n in self.nodes},
                             self.needed_inputs, budgeted("backprop"))
        grads = {step.node.id: step.grad for step in steps}
        if check:
            for step in steps:
                if not np.isfinite(step.grad).all():
                    raise EvaluationError.gradient(step.node)
        return grads

    def rule(self, node: Node, k: int) -> str:
        return node.op.rule[k].format(*(n.display for n in node.inputs), out=node.display)

    def formula(self, node: Node, k: int) -> str:
        """'∂out/∂input = …' for an elementwise op, with the graph's names."""
        names = [n.display for n in node.inputs]
        local = node.op.formula[k].format(*names, out=node.display)
        return f"∂{node.display}/∂{names[k]} = {local}"
