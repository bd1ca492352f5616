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
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from engine.errors import InputError
from engine.graph import EvaluationError, Graph, Node
from engine.inits import INITS as INIT_REGISTRY
from engine.limits import (
    MAX_CPU_SECONDS,
    MAX_ELEMENTS,
    MAX_GRID_ELEMENTS,
    MAX_NODES,
    MAX_PROGRAM_CHARS,
    MAX_TOTAL_ELEMENTS,
)
from engine.ops import OPS, output_shape
from engine.params import ParamError
from engine.parsing import parse

BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.MatMult: "matmul"}
LEAVES = ("input", "param")
CONSTANTS = {"pi": math.pi}


class ProgramError(InputError):
    """A mistake in a program, with the line and column (1-based) where it is."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, limit: str | None = None):
        super().__init__(message, limit)
        self.line = line
        self.column = column

    def detail(self) -> dict:
        out = {"message": self.message, "line": self.line, "column": self.column}
        if self.limit:
            out["limit"] = self.limit
        return out


# --- init helpers: names in the language for entries of engine.inits.INITS ----------


@dataclass(frozen=True)
class Helper:
    """An init helper: the INITS entry it draws from, the keywords it takes for that
    entry's parameters (keyword -> parameter), and whether it takes ``seed=``."""

    init: str
    keywords: Mapping[str, str] = field(default_factory=dict)
    seeded: bool = False


HELPERS: dict[str, Helper] = {
    "zeros": Helper("zeros"),
    "ones": Helper("ones"),
    "eye": Helper("identity"),  # eye(n): the n×n identity
    "randn": Helper("normal", {"std": "gain"}, seeded=True),
    "uniform": Helper("uniform", {"low": "low", "high": "high"}, seeded=True),
    "glorot": Helper("glorot_uniform", {"gain": "gain"}, seeded=True),
    "he": Helper("he_normal", {"gain": "gain"}, seeded=True),
}

FUNCTIONS = sorted([*(n for n in OPS if n not in ("add", "sub", "mul", "div", "pow", "matmul", "neg")), *HELPERS, *LEAVES])


def _where(node: ast.AST) -> dict:
    return {"line": node.lineno, "column": node.col_offset + 1}


def _error(message: str, node: ast.AST, **kw) -> ProgramError:
    return ProgramError(message, **_where(node), **kw)


def _shape_text(shape) -> str:
    return "scalar" if shape == () else str(tuple(shape))


class _Builder:
    """Reads one program's statements into nodes, computing values as it goes."""

    def __init__(self, text: str, variables: dict[str, np.ndarray] | None = None, max_elements: int = MAX_ELEMENTS):
        self.text = text
        self.max_elements = max_elements
        self.total_elements = 0
        self.lines = [line.encode() for line in text.splitlines(keepends=True)]  # ast offsets count bytes
        self.names: dict[str, Node] = {}
        self.nodes: list[Node] = []
        self.counts: dict[str, int] = {}
        self.reserved: set[str] = set()
        self.deadline = time.thread_time() + MAX_CPU_SECONDS
        self.outer: dict[str, Node] = {}  # the enclosing program's names, when reading a leaf's value
        for name, value in (variables or {}).items():
            self.names[name] = self._add(Node(name, "input", value=np.asarray(value, dtype=float), source=name), None)

    # -- nodes

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
                **(_where(where) if where else {}),
                limit="max_nodes",
            )
        if time.thread_time() > self.deadline:
            raise ProgramError(
                f"the program takes more than {MAX_CPU_SECONDS:g} s of CPU to evaluate (limit cpu_time)",
                **(_where(where) if where else {}),
                limit="cpu_time",
            )
        self._check_size(node.value.shape, where)
        if where is not None:
            node.line, node.column = where.lineno, where.col_offset + 1
        self.total_elements += node.value.size
        if self.total_elements > MAX_TOTAL_ELEMENTS and self.max_elements == MAX_ELEMENTS:
            raise ProgramError(
                f"the program's tensors hold more than {MAX_TOTAL_ELEMENTS:,} numbers in all "
                "(limit max_total_elements)",
                **(_where(where) if where else {}),
                limit="max_total_elements",
            )
        self.nodes.append(node)
        return node

    def _check_size(self, shape, where):
        size = math.prod(shape)
        if size > self.max_elements:
            raise ProgramError(
                f"a tensor of shape {_shape_text(shape)} has {size:,} elements; "
                f"at most {self.max_elements:,} are allowed (limit max_elements)",
                **(_where(where) if where else {}),
                limit="max_elements",
            )

    def _segment(self, node: ast.AST) -> str:
        """The source text of `node` (ast.get_source_segment re-splits the whole text on every call)."""
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return self.lines[first][node.col_offset : node.end_col_offset].decode()
        parts = [self.lines[first][node.col_offset :], *self.lines[first + 1 : last], self.lines[last][: node.end_col_offset]]
        return b"".join(parts).decode()

    def const(self, value, where: ast.AST) -> Node:
        return self._add(
            Node(self._fresh_id("const"), "const", value=np.asarray(value, dtype=float), source=self._segment(where)),
            where,
        )

    def apply(self, name: str, inputs: list[Node], attrs: dict, where: ast.AST) -> Node:
        op = OPS[name]
        shapes = [n.value.shape for n in inputs]
        try:
            shape = output_shape(op, shapes, attrs)
        except ValueError as exc:
            raise self._shape_error(op, inputs, where, exc) from None
        if shape is not None:
            self._check_size(shape, where)
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
        return _error(f"shape mismatch in `{self._segment(where)}` ({op.name} of {shapes}): {reason}", where)

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
            raise _error("each line must be one assignment, like `y = sigmoid(w @ x + b)`", stmt)
        target = stmt.targets[0]
        name = target.id
        if name in self.names:
            raise _error(f"'{name}' is already assigned; a name is assigned once (pick a new name)", target)
        if name in FUNCTIONS or name in CONSTANTS:
            raise _error(f"'{name}' is the name of a built-in; pick another name", target)
        if name in self.given:
            node = self.given_leaf(name, stmt.value)
        else:
            node = self.expr(stmt.value)
        if node in self.names.values():  # `c = a`: a new node, so both names show in the graph
            node = self.apply("identity", [node], {}, stmt.value)
        node.id = name
        node.named = True
        node.line, node.column = target.lineno, target.col_offset + 1  # errors point at the assignment
        self.names[name] = node
        return node

    # -- expressions

    def expr(self, e: ast.expr) -> Node:
        if isinstance(e, (ast.Constant, ast.List)):
            return self.const(self.literal(e), e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            if isinstance(e.operand, ast.Constant):
                return self.const(self.literal(e), e)
            return self.apply("neg", [self.expr(e.operand)], {}, e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.UAdd):
            return self.expr(e.operand)
        if isinstance(e, ast.Name):
            return self.name(e)
        if isinstance(e, ast.BinOp) and type(e.op) in BINARY:
            return self.apply(BINARY[type(e.op)], [self.expr(e.left), self.expr(e.right)], {}, e)
        if isinstance(e, ast.Call):
            return self.call(e)
        raise _error(f"`{self._segment(e)}` is not part of the language: use numbers, names, "
                     "+ - * / ** @, parentheses and function calls", e)

    def name(self, e: ast.Name) -> Node:
        if e.id in self.names:
            return self.names[e.id]
        if e.id in CONSTANTS:
            return self.const(CONSTANTS[e.id], e)
        if e.id in self.outer:
            raise _error(f"a leaf's value must be made of numbers and init helpers, not other nodes like '{e.id}'", e)
        if e.id in self.reserved:
            raise _error(f"'{e.id}' is used before it is assigned; move its assignment above this line", e)
        close = difflib.get_close_matches(e.id, [*self.names, *CONSTANTS], n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise _error(f"unknown name '{e.id}'{hint}", e)

    def literal(self, e: ast.expr):
        """A number or a nested list of numbers, as a float array."""
        if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
            return float(e.value)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
            value = self.literal(e.operand)
            return -value if isinstance(e.op, ast.USub) else value
        if isinstance(e, ast.List):
            if not e.elts:
                raise _error("an empty list has no values", e)
            rows = [self.literal(x) for x in e.elts]
            try:
                return np.array(rows, dtype=float)
            except ValueError:
                raise _error("the rows of this nested list have different lengths", e) from None
        if isinstance(e, ast.Name) and e.id in CONSTANTS:
            return CONSTANTS[e.id]
        raise _error(f"`{self._segment(e)}` is not a number; lists hold numbers only", e)

    def call(self, e: ast.Call) -> Node:
        if not isinstance(e.func, ast.Name):
            raise _error("call functions by name, like `sigmoid(z)`", e)
        fname = e.func.id
        if fname in LEAVES:
            return self.leaf(fname, e)
        if fname in HELPERS:
            return self.const(self.init(e), e)
        if fname not in OPS or fname in ("add", "sub", "mul", "div", "pow", "matmul", "neg"):
            close = difflib.get_close_matches(fname, FUNCTIONS, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known functions: {', '.join(FUNCTIONS)}"
            raise _error(f"unknown function '{fname}'{hint}", e.func)
        op = OPS[fname]
        if len(e.args) != op.arity:
            raise _error(f"{fname} takes {op.arity} argument{'s' if op.arity > 1 else ''}, got {len(e.args)}", e)
        attrs = {}
        for kw in e.keywords:
            if kw.arg not in op.attrs:
                allowed = f"only {', '.join(a + '=' for a in op.attrs)}" if op.attrs else "no keyword arguments"
                raise _error(f"{fname} takes {allowed}", kw.value)
            attrs[kw.arg] = self.integer(kw.value, kw.arg)
        return self.apply(fname, [self.expr(a) for a in e.args], attrs, e)

    def number(self, e: ast.expr, what: str) -> float:
        value = self.literal(e)
        if isinstance(value, np.ndarray) or not math.isfinite(value):
            raise _error(f"{what} must be one finite number", e)
        return float(value)

    def integer(self, e: ast.expr, what: str) -> int:
        value = self.literal(e)
        if isinstance(value, np.ndarray) or not math.isfinite(value) or value != int(value):
            raise _error(f"{what} must be a whole number", e)
        return int(value)

    def leaf(self, kind: str, e: ast.Call) -> Node:
        if len(e.args) != 1 or e.keywords:
            raise _error(f"{kind}(...) takes one value, like {kind}([1.0, 2.0]) or {kind}(glorot(3, 2, seed=0))", e)
        value = self.constant_value(e.args[0])
        return self._add(Node(self._fresh_id(kind), kind, value=value, source=self._segment(e)), e)

    def given_leaf(self, name: str, e: ast.expr) -> Node:
        """`name = input(...)` or `param(...)` whose value the caller gave (parse_program's inputs)."""
        if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in LEAVES):
            raise _error(f"inputs gives '{name}' a value, but the program computes it: only an "
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
            raise _error("a leaf's value must be made of numbers and init helpers, not input() or param()", e)
        sub._check_finite()
        return node.value

    def init(self, e: ast.Call) -> np.ndarray:
        """An init helper's array: its INITS entry drawn with ``np.random.default_rng(seed)``."""
        fname = e.func.id
        helper = HELPERS[fname]
        if not e.args:
            raise _error(f"{fname} needs a shape, like {fname}(3, 2)", e)
        shape = tuple(self.integer(a, "a shape") for a in e.args)
        if any(n <= 0 for n in shape):
            raise _error(f"the shape {_shape_text(shape)} must have positive sizes", e)
        if fname == "eye":
            if len(shape) != 1:
                raise _error("eye(n) takes one size and makes an n×n identity", e)
            shape = shape * 2
        self._check_size(shape, e)
        keywords = (("seed",) if helper.seeded else ()) + tuple(helper.keywords)
        seed, params = 0, {}
        for kw in e.keywords:
            if kw.arg not in keywords:
                allowed = ", ".join(k + "=" for k in keywords) or "no keyword arguments"
                raise _error(f"{fname} takes {allowed}", kw.value)
            if kw.arg == "seed":
                seed = self.integer(kw.value, kw.arg)
            else:
                params[helper.keywords[kw.arg]] = self.number(kw.value, kw.arg)
        if seed < 0:
            raise _error("seed must be 0 or more", e)
        try:
            return INIT_REGISTRY[helper.init](shape, params, rng=seed)
        except ParamError as exc:
            keyword = next((k for k, p in helper.keywords.items() if p == exc.param), exc.param)
            raise _error(f"{fname}: {keyword} {exc.reason}", e) from None

    def _check_finite(self):
        for node in self.nodes:
            if not np.isfinite(node.value).all():
                raise EvaluationError(
                    f"node '{node.id}' (`{node.source}`) is not a finite number: "
                    "check for log of 0 or a negative, division by 0, or overflow",
                    node,
                )


def _parse(text: str, mode: str) -> ast.AST:
    if len(text) > MAX_PROGRAM_CHARS:
        raise ProgramError(
            f"the program has {len(text):,} characters; at most {MAX_PROGRAM_CHARS:,} are allowed "
            "(limit max_program_chars)",
            limit="max_program_chars",
        )
    try:
        return parse(text, mode)
    except SyntaxError as exc:
        raise ProgramError(f"syntax error: {exc.msg}", exc.lineno, exc.offset) from None
    except (ValueError, RecursionError, MemoryError):
        raise ProgramError("the program cannot be read (too deeply nested or contains a null byte)", 1, 1) from None


def parse_program(text: str, inputs: dict[str, np.ndarray] | None = None) -> Graph:
    """Build the graph of a program; its last assignment is the output.

    ``inputs`` gives leaves their values from NumPy arrays rather than literals: a name
    the program assigns with ``input(...)`` or ``param(...)`` takes the given array (same
    kind of leaf), and a name it uses without assigning becomes an input leaf.

        >>> g = parse_program("w = param([0.5, -0.3])\\nloss = mse(X @ w, t)", inputs={"X": X, "t": t})
    """
    try:
        return _Builder(text).program(_parse(text, "exec"), inputs)
    except RecursionError:
        raise ProgramError("the program is nested too deeply", 1, 1) from None


def parse_expression(text: str, variables: dict[str, np.ndarray], max_elements: int = MAX_GRID_ELEMENTS) -> Graph:
    """Build the graph of one expression in the given variables (a custom surface).

    The variables may be a whole grid, so the per-tensor limit is the grid's size
    (n ≤ 1,024) rather than a program's.
    """
    tree = _parse(text, "eval")
    builder = _Builder(text, variables, max_elements)
    builder.reserved.update(variables)
    try:
        out = builder.expr(tree.body)
    except RecursionError:
        raise ProgramError("the expression is nested too deeply", 1, 1) from None
    if out.kind == "input":
        out = builder.apply("identity", [out], {}, tree.body)
    builder._check_finite()
    return Graph(out, builder.nodes)
