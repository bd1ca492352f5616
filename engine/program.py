"""The program language: text -> Graph, through Python's `ast` and a whitelist.

Nothing here ever calls eval/exec. Each expression becomes graph nodes as it is
read, and its value is computed straight away, so a shape mismatch or a limit is
reported at the line and column where it happens.
"""

from __future__ import annotations

import ast
import copy
import difflib
import math
from collections.abc import Callable

import numpy as np

from engine import budget
from engine.errors import shorten
from engine.graph import EvaluationError, Graph, Node
from engine.inits import HELPERS
from engine.inits import INITS as INIT_REGISTRY
from engine.limits import (
    MAX_DIMENSIONS,
    MAX_ELEMENTS,
    MAX_GRID_ELEMENTS,
    MAX_NODES,
    MAX_SEED,
    MAX_TOTAL_ELEMENTS,
)
from engine.ops import OPS, work_shapes
from engine.params import ParamError
from engine.parsing import ProgramError, place, read, source_lines

BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.MatMult: "matmul"}
LEAVES = ("input", "param")
# what a whole-number argument looks like, for the message when it is not written as a number
WRITTEN_LIKE = {"axis": "0 or -1", "a shape": "2 or 3", "seed": "0 or 42"}
CONSTANTS = {"pi": math.pi}


FUNCTIONS = sorted([*(n for n in OPS if n not in ("add", "sub", "mul", "div", "pow", "matmul", "neg")), *HELPERS, *LEAVES])


def _entries(e: ast.expr):
    """The numbers of a literal (a nested list's, in reading order)."""
    if isinstance(e, ast.List):
        for x in e.elts:
            yield from _entries(x)
    else:
        yield e


def _beyond(value) -> str:
    """Why a number read as ±inf is not one: it is beyond float64."""
    return "; this one is beyond float64's range (about ±1.8e308)" if np.ndim(value) == 0 and math.isinf(value) else ""


def _count(n: int) -> str:
    """1,000,000 — or 1e+300 for a number too long to read."""
    return f"{n:,}" if abs(n) < 10**15 else f"{float(n):.3g}"


def _shape_text(shape) -> str:
    return "scalar" if shape == () else str(tuple(shape))


class _Builder:
    """Reads one program's statements into nodes, computing values as it goes."""

    def __init__(self, text: str, variables: dict[str, np.ndarray] | None = None, max_elements: int = MAX_ELEMENTS):
        self.text = text
        self.max_elements = max_elements
        self.total_elements = 0
        self.lines = source_lines(text)  # ast offsets count bytes
        self.names: dict[str, Node] = {}
        self.nodes: list[Node] = []
        self.counts: dict[str, int] = {}
        self.reserved: set[str] = set()
        self.budget = budget.current() or budget.Budget()  # the caller's (parse_program opens a scope)
        self.outer: dict[str, Node] = {}  # the enclosing program's names, when reading a leaf's value
        for name, value in (variables or {}).items():
            self.names[name] = self._add(Node(name, "input", value=np.asarray(value, dtype=float), source=name), None)

    # -- nodes

    def _where(self, node: ast.AST | None) -> dict:
        """``{line, column}`` of a node, or nothing when there is no node to point at."""
        return place(self.lines, node) if node is not None else {}

    def _error(self, message: str, node: ast.AST, **kw) -> ProgramError:
        return ProgramError(message, **self._where(node), **kw)

    def _fresh_id(self, stem: str) -> str:
        while True:
            self.counts[stem] = self.counts.get(stem, 0) + 1
            candidate = f"{stem}_{self.counts[stem]}"
            if candidate not in self.reserved:
                return candidate

    def _add(self, node: Node, where: ast.AST | None) -> Node:
        if len(self.nodes) >= MAX_NODES:
            raise ProgramError(
                f"the program makes more than {MAX_NODES} nodes (limit max_nodes)",
                **self._where(where),
                limit="max_nodes",
            )
        over = self.budget.exceeded()
        if over is not None:
            raise ProgramError(
                budget.cpu_message(over.seconds, "the program", "use smaller tensors or fewer operations"),
                **self._where(where),
                limit="cpu_time",
            )
        self._check_size(node.value.shape, where)
        if where is not None:
            node.line, node.column = (at := self._where(where))["line"], at["column"]
        self.total_elements += node.value.size
        if self.total_elements > MAX_TOTAL_ELEMENTS:
            raise ProgramError(
                f"the program's tensors hold more than {MAX_TOTAL_ELEMENTS:,} numbers in all "
                "(limit max_total_elements)",
                **self._where(where),
                limit="max_total_elements",
            )
        self.nodes.append(node)
        return node

    def _check_size(self, shape, where, working: str | None = None):
        """Refuse a tensor over the limits; ``working`` names an expression whose value or
        gradient needs an array of that shape along the way (a broadcast, a batched @)."""
        if len(shape) > MAX_DIMENSIONS:
            raise ProgramError(
                f"a tensor with {len(shape)} axes; at most {MAX_DIMENSIONS} are allowed (limit max_dimensions)",
                **self._where(where),
                limit="max_dimensions",
            )
        size = math.prod(shape)
        if size > self.max_elements:
            what = (f"{working} needs an array of shape {_shape_text(shape)} to compute its value or gradient"
                    if working else f"a tensor of shape {_shape_text(shape)}")
            raise ProgramError(
                f"{what}: {size:,} elements; at most {self.max_elements:,} are allowed (limit max_elements)",
                **self._where(where),
                limit="max_elements",
            )

    def _segment(self, node: ast.AST) -> str:
        """The source text of `node` (ast.get_source_segment re-splits the whole text on every call)."""
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return self.lines[first][node.col_offset : node.end_col_offset].decode()
        parts = [self.lines[first][node.col_offset :], *self.lines[first + 1 : last], self.lines[last][: node.end_col_offset]]
        return b"".join(parts).decode()

    def _quote(self, node: ast.AST) -> str:
        """The source of `node` for a message: shortened in the middle when long."""
        return shorten(self._segment(node))

    def const(self, value, where: ast.AST) -> Node:
        return self._add(
            Node(self._fresh_id("const"), "const", value=np.asarray(value, dtype=float), source=self._segment(where)),
            where,
        )

    def apply(self, name: str, inputs: list[Node], attrs: dict, where: ast.AST) -> Node:
        op = OPS[name]
        shapes = [n.value.shape for n in inputs]
        try:
            needed = work_shapes(op, shapes, attrs)
        except ValueError as exc:
            raise self._shape_error(op, inputs, where, exc) from None
        for k, shape in enumerate(needed):  # before any work: one NumPy call cannot be interrupted
            self._check_size(shape, where, None if k == 0 and shape != () else f"`{self._quote(where)}`")
        node = Node(self._fresh_id(name), "op", op, tuple(inputs), attrs, source=self._segment(where))
        try:
            with np.errstate(all="ignore"):
                node.value = np.asarray(node.compute(), dtype=float)
        except ValueError as exc:
            raise self._shape_error(op, inputs, where, exc) from None
        return self._add(node, where)

    def _shape_error(self, op, inputs, where, exc) -> ProgramError:
        shapes = " and ".join(f"{n.id} {_shape_text(n.value.shape)}" for n in inputs)
        reason = "these shapes do not broadcast" if "broadcast" in str(exc) else str(exc)
        return self._error(f"shape mismatch in `{self._quote(where)}` ({op.name} of {shapes}): {reason}", where)

    # -- statements

    def program(self, tree: ast.Module, inputs: dict[str, np.ndarray] | None = None) -> Graph:
        if not tree.body:
            raise ProgramError("the program is empty: write at least one assignment like `z = x * y`", 1, 1)
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.reserved.add(stmt.targets[0].id)
        self.given = {}
        for name, value in (inputs or {}).items():
            if not (isinstance(name, str) and name.isidentifier()) or name in FUNCTIONS or name in CONSTANTS:
                raise ProgramError(f"inputs: {name!r} cannot be a name in a program")
            value = np.array(value, dtype=float)
            self._check_size(value.shape, None)
            if not np.isfinite(value).all():
                raise ProgramError(f"inputs: '{name}' holds a value that is not a finite number")
            if name in self.reserved:  # the program's own leaf of that name takes this value
                self.given[name] = value
            else:  # a name the program uses but never assigns
                self.names[name] = self._add(Node(name, "input", value=value, source=name, named=True), None)
        last = None
        for stmt in tree.body:
            last = self.assign(stmt)
        self._check_finite()
        return Graph(last, self.nodes)

    def assign(self, stmt: ast.stmt) -> Node:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            raise self._error("each line must be one assignment, like `y = sigmoid(w @ x + b)`", stmt)
        target = stmt.targets[0]
        name = target.id
        if name in self.names:
            raise self._error(f"'{name}' is already assigned; a name is assigned once (pick a new name)", target)
        if name in FUNCTIONS or name in CONSTANTS:
            raise self._error(f"'{name}' is the name of a built-in; pick another name", target)
        if name in self.given:
            node = self.given_leaf(name, stmt.value)
        else:
            node = self.expr(stmt.value)
        if node in self.names.values():  # `c = a`: a new node, so both names show in the graph
            node = self.apply("identity", [node], {}, stmt.value)
        node.id = name
        node.named = True
        node.line, node.column = (at := self._where(target))["line"], at["column"]  # errors point at the assignment
        self.names[name] = node
        return node

    # -- expressions

    def expr(self, e: ast.expr) -> Node:
        if isinstance(e, (ast.Constant, ast.List)):
            return self.const(self.number_literal(e), e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            if isinstance(e.operand, ast.Constant):
                return self.const(self.number_literal(e), e)
            return self.apply("neg", [self.expr(e.operand)], {}, e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.UAdd):
            return self.expr(e.operand)
        if isinstance(e, ast.Name):
            return self.name(e)
        if isinstance(e, ast.BinOp) and type(e.op) in BINARY:
            return self.apply(BINARY[type(e.op)], [self.expr(e.left), self.expr(e.right)], {}, e)
        if isinstance(e, ast.Call):
            return self.call(e)
        raise self._error(f"`{self._quote(e)}` is not part of the language: use numbers, names, "
                     "+ - * / ** @, parentheses and function calls", e)

    def name(self, e: ast.Name) -> Node:
        if e.id in self.names:
            return self.names[e.id]
        if e.id in CONSTANTS:
            return self.const(CONSTANTS[e.id], e)
        if e.id in self.outer:
            raise self._error(
                f"a leaf's value must be made of numbers and init helpers, not other nodes like '{e.id}'", e)
        if e.id in self.reserved:
            raise self._error(f"'{e.id}' is used before it is assigned; move its assignment above this line", e)
        close = difflib.get_close_matches(e.id, [*self.names, *CONSTANTS], n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise self._error(f"unknown name '{e.id}'{hint}", e)

    def literal(self, e: ast.expr, what: str | None = None, depth: int = 0):
        """A number or a nested list of numbers, as a float array. A number beyond float64
        (`1e309`, or an integer of 400 digits) is ±inf, as float("1e309") is; the caller
        decides what that means. ``what`` names the argument being read (a shape, seed=),
        for the message when it is not written as a number."""
        if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
            try:
                return float(e.value)
            except OverflowError:  # an integer literal beyond float64
                return math.inf
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
            value = self.literal(e.operand, what, depth)
            return -value if isinstance(e.op, ast.USub) else value
        if isinstance(e, ast.List):
            if not e.elts:
                raise self._error("an empty list has no values", e)
            if depth >= MAX_DIMENSIONS:
                raise self._error(f"lists nested more than {MAX_DIMENSIONS} deep (limit max_dimensions)", e,
                                  limit="max_dimensions")
            rows = [self.literal(x, what, depth + 1) for x in e.elts]
            try:
                return np.array(rows, dtype=float)
            except ValueError:
                raise self._error("the rows of this nested list have different lengths", e) from None
        if isinstance(e, ast.Name) and e.id in CONSTANTS:
            return CONSTANTS[e.id]
        if what is not None:
            like = WRITTEN_LIKE.get(what, "2")
            raise self._error(f"{what} must be written as a number, like {like}, not `{self._quote(e)}`", e)
        raise self._error(f"`{self._quote(e)}` is not a number; lists hold numbers only", e)

    def number_literal(self, e: ast.expr):
        """A literal that stands for a value (not a shape or seed): its numbers must fit float64."""
        value = self.literal(e)
        if not np.isfinite(value).all():
            bad = next(n for n in _entries(e) if not math.isfinite(self.literal(n)))
            raise self._error(f"`{self._quote(bad)}` is beyond float64's range (about ±1.8e308)", bad)
        return value

    def call(self, e: ast.Call) -> Node:
        if not isinstance(e.func, ast.Name):
            raise self._error("call functions by name, like `sigmoid(z)`", e)
        fname = e.func.id
        if fname in LEAVES:
            return self.leaf(fname, e)
        if fname in HELPERS:
            return self.const(self.init(e), e)
        if fname not in OPS or fname in ("add", "sub", "mul", "div", "pow", "matmul", "neg"):
            close = difflib.get_close_matches(fname, FUNCTIONS, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known functions: {', '.join(FUNCTIONS)}"
            raise self._error(f"unknown function '{fname}'{hint}", e.func)
        op = OPS[fname]
        if len(e.args) != op.arity:
            raise self._error(f"{fname} takes {op.arity} argument{'s' if op.arity > 1 else ''}, got {len(e.args)}", e)
        for kw in e.keywords:
            if kw.arg not in op.attrs:
                allowed = f"only {', '.join(a + '=' for a in op.attrs)}" if op.attrs else "no keyword arguments"
                raise self._error(f"{fname} takes {allowed}", kw.value)
        inputs = [self.expr(a) for a in e.args]
        attrs = {kw.arg: self.axis(kw.value, inputs[0]) for kw in e.keywords}  # axis= is the only attribute
        return self.apply(fname, inputs, attrs, e)

    def axis(self, e: ast.expr, of: Node) -> int:
        """An axis of ``of``'s value: -ndim ≤ axis < ndim."""
        axis, ndim = self.integer(e, "axis"), of.value.ndim
        if not -ndim <= axis < ndim:
            axes = ("a scalar has no axes" if ndim == 0 else "its only axis is 0 (or -1)" if ndim == 1
                    else f"its axes are 0 … {ndim - 1} (or -{ndim} … -1)")
            shape = _shape_text(of.value.shape)
            raise self._error(f"axis {_count(axis)} is out of range for {of.id}, of shape {shape}: {axes}", e)
        return axis

    def number(self, e: ast.expr, what: str) -> float:
        value = self.literal(e, what)
        if isinstance(value, np.ndarray) or not math.isfinite(value):
            raise self._error(f"{what} must be one finite number{_beyond(value)}", e)
        return float(value)

    def integer(self, e: ast.expr, what: str) -> int:
        value = self.literal(e, what)
        if isinstance(value, np.ndarray) or not math.isfinite(value) or value != int(value):
            raise self._error(f"{what} must be a whole number{_beyond(value)}", e)
        return int(value)

    def leaf(self, kind: str, e: ast.Call) -> Node:
        if len(e.args) != 1 or e.keywords:
            raise self._error(
                f"{kind}(...) takes one value, like {kind}([1.0, 2.0]) or {kind}(glorot(3, 2, seed=0))", e)
        value = self.constant_value(e.args[0])
        return self._add(Node(self._fresh_id(kind), kind, value=value, source=self._segment(e)), e)

    def given_leaf(self, name: str, e: ast.expr) -> Node:
        """`name = input(...)` or `param(...)` whose value the caller gave (parse_program's inputs)."""
        if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in LEAVES):
            raise self._error(f"inputs gives '{name}' a value, but the program computes it: only an "
                         f"`{name} = input(...)` or `param(...)` can take a given value", e)
        return self._add(Node(self._fresh_id(e.func.id), e.func.id, value=self.given[name], source=self._segment(e)), e)

    def constant_value(self, e: ast.expr) -> np.ndarray:
        """Evaluate a leaf's initial value: an expression of numbers and init helpers only."""
        # A builder of its own (same text, limits and deadline) whose nodes are thrown away;
        # it sees the program's names only to say that a leaf may not use them.
        sub = copy.copy(self)
        sub.names, sub.nodes, sub.counts, sub.outer = {}, [], {}, self.names
        node = sub.expr(e)
        if any(n.kind in LEAVES for n in sub.nodes):
            raise self._error("a leaf's value must be made of numbers and init helpers, not input() or param()", e)
        sub._check_finite()
        return node.value

    def init(self, e: ast.Call) -> np.ndarray:
        """An init helper's array: its INITS entry drawn with ``np.random.default_rng(seed)``."""
        fname = e.func.id
        helper = HELPERS[fname]
        if not e.args:
            raise self._error(f"{fname} needs a shape, like {fname}(3, 2)", e)
        shape = tuple(self.integer(a, "a shape") for a in e.args)
        if any(n <= 0 for n in shape):
            raise self._error(f"the shape {_shape_text(shape)} must have positive sizes", e)
        if max(shape) > self.max_elements:  # before multiplying sizes of hundreds of digits
            raise self._error(f"a size of {_count(max(shape))} is more than the {self.max_elements:,} elements "
                              "a tensor may have (limit max_elements)", e, limit="max_elements")
        if fname == "eye":
            if len(shape) != 1:
                raise self._error("eye(n) takes one size and makes an n×n identity", e)
            shape = shape * 2
        self._check_size(shape, e)
        keywords = (("seed",) if helper.seeded else ()) + tuple(helper.keywords)
        seed, params = 0, {}
        for kw in e.keywords:
            if kw.arg not in keywords:
                allowed = ", ".join(k + "=" for k in keywords) or "no keyword arguments"
                raise self._error(f"{fname} takes {allowed}", kw.value)
            if kw.arg == "seed":
                seed = self.integer(kw.value, kw.arg)
            else:
                params[helper.keywords[kw.arg]] = self.number(kw.value, kw.arg)
        if not 0 <= seed <= MAX_SEED:
            raise self._error(f"seed must be between 0 and {MAX_SEED:,} (limit seed)", e, limit="seed")
        try:
            return INIT_REGISTRY[helper.init](shape, params, rng=seed)
        except ParamError as exc:
            keyword = next((k for k, p in helper.keywords.items() if p == exc.param), exc.param)
            raise self._error(f"{fname}: {keyword} {exc.reason}", e) from None

    def _check_finite(self):
        for node in self.nodes:
            if not np.isfinite(node.value).all():
                raise EvaluationError.value(node)


def parse_program(text: str, inputs: dict[str, np.ndarray] | None = None) -> Graph:
    """Build the graph of a program; its last assignment is the output.

    ``inputs`` gives leaves their values from NumPy arrays rather than literals: a name
    the program assigns with ``input(...)`` or ``param(...)`` takes the given array (same
    kind of leaf), and a name it uses without assigning becomes an input leaf.

        >>> g = parse_program("w = param([0.5, -0.3])\\nloss = mse(X @ w, t)", inputs={"X": X, "t": t})
    """
    tree = read(text, "exec")
    try:
        with budget.scope():
            return _Builder(text).program(tree, inputs)
    except RecursionError:
        raise ProgramError("the program is nested too deeply", 1, 1) from None


def parse_expression(
    text: str,
    variables: dict[str, np.ndarray],
    max_elements: int = MAX_GRID_ELEMENTS,
    refuse: Callable[[ast.Expression, list[bytes]], None] | None = None,
    check_finite: bool = True,
) -> Graph:
    """Build the graph of one expression in the given variables (a custom surface).

    The variables may be a whole grid, so the per-tensor limit is the grid's size
    (n ≤ 1,024) rather than a program's; all nodes together hold at most
    MAX_TOTAL_ELEMENTS numbers, as a program's do. ``refuse(tree, lines)`` may raise a
    ProgramError for what the caller does not allow, before anything is computed
    (``lines``: the text's, for ``place``). With ``check_finite`` false, non-finite
    values are left for the caller to judge.
    """
    tree = read(text, "eval")
    if refuse is not None:
        refuse(tree, source_lines(text))
    with budget.scope():
        builder = _Builder(text, variables, max_elements)
        builder.reserved.update(variables)
        try:
            out = builder.expr(tree.body)
        except RecursionError:
            raise ProgramError("the expression is nested too deeply", 1, 1) from None
        if out.kind == "input":
            out = builder.apply("identity", [out], {}, tree.body)
        if check_finite:
            builder._check_finite()
        return Graph(out, builder.nodes)
