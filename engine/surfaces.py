"""2-D loss surfaces, each written as an expression in the program language.

A surface's values *and gradients* come from the engine: the expression is parsed
into a Graph once (``parse_expression`` with leaves ``x`` and ``y``), and every
evaluation runs its forward and backward pass on whole arrays: ``Graph.forward`` for a
grid, and for a race's K points the graph's Tape (``engine.tape``: the same passes
recorded once as a flat list of NumPy calls). No derivative is written by hand
anywhere in this file.

    >>> f = SurfaceFunction(SURFACES["rosenbrock"].expression, probes=[(-1.5, 2.0)])
    >>> loss, grad = f(np.array([[-1.5, 2.0], [0.0, 0.0]]))  # one engine pass for both points
    >>> loss.tolist(), grad.tolist()
    ([12.5, 1.0], [[-155.0, -50.0], [-2.0, 0.0]])

A custom surface is any *elementwise* expression in ``x`` and ``y`` (numbers,
+ − * / **, exp, log, sin, …), so the same graph evaluates one point, K points in
lockstep, or an n×n grid by broadcasting. Ops that mix elements (sum, mean, max,
@, softmax, the losses) and list literals would mix the K points of a batch, so they
are refused with the line and column where they appear.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import budget
from engine.graph import EvaluationError, Graph
from engine.inits import HELPERS
from engine.limits import MAX_TOTAL_ELEMENTS
from engine.ops import OPS
from engine.parsing import ProgramError, parse, place, source_lines
from engine.program import LEAVES, parse_expression
from engine.registry import Entry
from engine.tape import Tape

__all__ = [
    "SURFACES",
    "Surface",
    "SurfaceFunction",
    "check_elementwise",
    "grid",
]

GRID_CHUNK_ELEMENTS = 1 << 14  # grid rows are evaluated in blocks of about this many points (cache-sized)


@dataclass(frozen=True, kw_only=True)
class Surface(Entry):
    """One named surface: its expression, where to look at it, and where it is lowest (no
    hyperparameters of its own: ``params`` is empty)."""

    id: str
    title: str
    expression: str  # in the program language, in x and y
    formula: str  # the same, as the lecture would write it
    citation: str = ""
    domain: tuple[tuple[float, float], tuple[float, float]]  # (x range, y range)
    minima: tuple[tuple[float, float], ...]  # global minima (none for the saddle)
    minimum_value: float | None
    start: tuple[float, float]  # a start that makes a good race
    description: str
    program: str | None = None  # a model surface: the program whose loss this is, over its params (x, y)

    def describe(self) -> dict:
        """The API's form: ``{id, title, expression, formula, domain: {x, y}, minima, start, …}``."""
        return {
            "id": self.id,
            "title": self.title,
            "expression": self.expression,
            "formula": self.formula,
            "domain": {"x": list(self.domain[0]), "y": list(self.domain[1])},
            "minima": [list(m) for m in self.minima],
            "minimum_value": self.minimum_value,
            "start": list(self.start),
            "description": self.description,
            "program": self.program,
        }


# --- model surfaces: a real model's loss over its two scalar params -----------------
# Each is written two ways that give the same numbers: the program a student reads (in the
# language, with its data as inputs and two scalar params) and the elementwise expression
# in x (the first param) and y (the second) that the surface machinery evaluates on a grid
# or at a race's points, one term a data point (tests/engine/test_surfaces.py checks that
# both give the same loss and gradient).

LOGREG_DATA = ((-2.0, 0.0), (-1.0, 0.0), (-0.5, 1.0), (0.5, 0.0), (1.0, 1.0), (2.0, 1.0))  # (a, t)
RELU_DATA = ((-1.0, 0.0), (0.0, 0.2), (1.0, 0.9), (2.0, 2.1), (3.0, 2.9))  # (a, target)


def _num(v: float) -> str:
    return f"({v:g})" if v < 0 else f"{v:g}"


def _logreg_expression() -> str:
    # bce(σ(z), t) = t·softplus(−z) + (1 − t)·softplus(z), z = w·a + b
    terms = [f"softplus({'-' if t else ''}(x*{_num(a)} + y))" for a, t in LOGREG_DATA]
    return f"({' + '.join(terms)})/{len(LOGREG_DATA)}"


def _relu_expression() -> str:
    terms = [f"(relu(x*{_num(a)} + y) - {_num(t)})**2" for a, t in RELU_DATA]
    return f"({' + '.join(terms)})/{len(RELU_DATA)}"


def _model_program(data, model: str, loss: str) -> str:
    a = ", ".join(f"{p[0]:g}" for p in data)
    t = ", ".join(f"{p[1]:g}" for p in data)
    return (f"a = input([{a}])\nt = input([{t}])\nw = param(0.0)\nb = param(0.0)\n"
            f"y = {model}(w * a + b)\nloss = {loss}(y, t)\n")


SURFACES: dict[str, Surface] = {
    s.id: s
    for s in (
        Surface(
            id="quadratic",
            title="Ill-conditioned quadratic bowl",
            expression="0.5*x**2 + 10*y**2",
            formula="f(x, y) = ½x² + 10y²",
            domain=((-5.0, 5.0), (-3.0, 3.0)),
            minima=((0.0, 0.0),),
            minimum_value=0.0,
            start=(-4.5, 2.0),
            description="Curvature 1 along x and 20 along y (condition number 20): plain gradient descent "
            "zig-zags across the steep direction while crawling along the shallow one; momentum "
            "damps the zig-zag and per-coordinate rates (AdaGrad, RMSProp, Adam) even it out.",
        ),
        Surface(
            id="rosenbrock",
            title="Rosenbrock's banana",
            expression="(1 - x)**2 + 100*(y - x**2)**2",
            formula="f(x, y) = (1 − x)² + 100(y − x²)²",
            domain=((-2.0, 2.0), (-1.0, 3.0)),
            minima=((1.0, 1.0),),
            minimum_value=0.0,
            start=(-1.5, 2.0),
            description="A long, curved, flat-bottomed valley (Rosenbrock 1960): finding the valley is easy, "
            "following it to the minimum at (1, 1) is slow.",
        ),
        Surface(
            id="beale",
            title="Beale",
            expression="(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
            formula="f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            domain=((-4.5, 4.5), (-4.5, 4.5)),
            minima=((3.0, 0.5),),
            minimum_value=0.0,
            start=(1.0, 1.5),
            description="Flat plateaus and sharp ridges towards the corners; the minimum at (3, 0.5) sits "
            "in a narrow curved valley.",
        ),
        Surface(
            id="himmelblau",
            title="Himmelblau",
            expression="(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            formula="f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            minima=(
                (3.0, 2.0),
                (-2.8051180869527449, 3.1313125182505730),
                (-3.7793102533777469, -3.2831859912861694),
                (3.5844283403304917, -1.8481265269644036),
            ),
            minimum_value=0.0,
            start=(-0.5, -1.5),
            description="Four minima of equal depth (f = 0) around a local maximum near (−0.27, −0.92): "
            "optimizers started in the middle end in different minima.",
        ),
        Surface(
            id="booth",
            title="Booth",
            expression="(x + 2*y - 7)**2 + (2*x + y - 5)**2",
            formula="f(x, y) = (x + 2y − 7)² + (2x + y − 5)²",
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            minima=((1.0, 3.0),),
            minimum_value=0.0,
            start=(-8.0, 8.0),
            description="A tilted quadratic bowl (Hessian [[10, 8], [8, 10]], condition number 9) with its "
            "minimum at (1, 3).",
        ),
        Surface(
            id="saddle",
            title="Saddle",
            expression="x**2 - y**2",
            formula="f(x, y) = x² − y²",
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            minima=(),
            minimum_value=None,
            start=(-1.5, 0.001),
            description="A saddle point at (0, 0): downhill along y for ever, so there is no minimum. Started "
            "just off the ridge, plain gradient descent lingers near the saddle; adaptive methods "
            "escape sooner. Every run eventually leaves the 1e6 range and is stopped as diverged.",
        ),
        Surface(
            id="rastrigin",
            title="Rastrigin",
            expression="20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
            formula="f(x, y) = 20 + x² − 10 cos 2πx + y² − 10 cos 2πy",
            domain=((-5.12, 5.12), (-5.12, 5.12)),
            minima=((0.0, 0.0),),
            minimum_value=0.0,
            start=(-2.6, 3.4),
            description="A bowl covered in a grid of local minima near every integer point: gradient methods "
            "stop in the nearest one unless the steps are large (or noisy) enough to hop out.",
        ),
        Surface(
            id="six_hump_camel",
            title="Six-hump camel",
            expression="(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
            formula="f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
            domain=((-2.0, 2.0), (-1.0, 1.0)),
            minima=((0.089842013100318062, -0.71265640302073963), (-0.089842013100318062, 0.71265640302073963)),
            minimum_value=-1.0316284534898774,
            start=(-1.7, -0.8),
            description="Six local minima, two of them global (f ≈ −1.0316) at (±0.0898, ∓0.7127).",
        ),
        Surface(
            id="goldstein_price",
            title="Goldstein–Price",
            expression="(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
            "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))",
            formula="f(x, y) = [1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]"
            " · [30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            minima=((0.0, -1.0),),
            minimum_value=3.0,
            start=(0.5, 0.5),
            description="Values from 3 to about 10⁶ across the square, with several local minima (f = 30 at "
            "(−0.6, −0.4), 84 at (1.8, 0.2)): a test of step-size robustness; plot it on a log scale.",
        ),
        Surface(
            id="model_logreg",
            title="Model: logistic regression's loss over (w, b)",
            expression=_logreg_expression(),
            formula="E(w, b) = mean over the data of bce(σ(w·a + b), t)",
            domain=((-3.0, 5.0), (-3.0, 3.0)),
            minima=((1.3511121596805635, 0.0),),
            minimum_value=0.4607008948664368,
            start=(-2.0, 2.5),
            description="A real model's loss: logistic regression y = σ(w·a + b) with the cross-entropy on six "
            "points a = −2, −1, −0.5, 0.5, 1, 2 with labels t = 0, 0, 1, 0, 1, 1 (not separable, so "
            "the minimum is finite). Convex, but flat far from the data and curved near it.",
            program=_model_program(LOGREG_DATA, "sigmoid", "bce"),
        ),
        Surface(
            id="model_relu",
            title="Model: a ReLU unit's squared error over (w, b)",
            expression=_relu_expression(),
            formula="E(w, b) = mean over the data of (relu(w·a + b) − t)²",
            domain=((-2.0, 3.0), (-3.0, 2.0)),
            minima=((0.93, 0.13),),
            minimum_value=0.0086,
            start=(2.5, 1.5),
            description="One ReLU unit y = relu(w·a + b) fitted by squared error to five points (a, t) = (−1, 0), "
            "(0, 0.2), (1, 0.9), (2, 2.1), (3, 2.9). Where w·a + b < 0 for every point the unit is "
            "dead: the loss is flat and its gradient zero, so a run that lands there never moves again "
            "(from (2.5, 1.5) momentum overshoots into it).",
            program=_model_program(RELU_DATA, "relu", "mse"),
        ),
    )
}


# --- custom expressions ----------------------------------------------------------


def refuse_mixing(tree: ast.AST, lines: list[bytes]) -> None:
    """Refuse what would mix the points of a batch: lists, @, non-elementwise ops, and the
    init helpers and leaves, which make tensors (so a surface never holds more numbers
    than the points it is evaluated at). The first in the text is named."""
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.List):
            raise ProgramError(
                "a surface is a function of the numbers x and y: lists are not allowed here", **place(lines, node)
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            raise ProgramError("a surface is a function of the numbers x and y: use * instead of @",
                               **place(lines, node))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in HELPERS or name in LEAVES:
                raise ProgramError(
                    f"{name}(...) makes a tensor; a surface uses only x, y and numbers", **place(lines, node)
                )
            if name in OPS and not OPS[name].elementwise:
                raise ProgramError(
                    f"{name} mixes elements, so it would mix the points of the plot; a surface is built "
                    "from elementwise functions of x and y (+ − * / **, exp, log, sin, cos, tanh, …)",
                    **place(lines, node),
                )


def check_elementwise(text: str) -> None:
    """``refuse_mixing`` for an expression's text (which must parse)."""
    refuse_mixing(parse(text, mode="eval"), source_lines(text))


def _build(expression: str, probes: Sequence[tuple[float, float]]) -> Graph:
    """Build the graph once, at all the probe points at the same time (its ops are
    elementwise), and keep it if every node is finite at one of them at least.

    The graph's structure does not depend on the point, only whether its values are
    finite does; so one build answers for every probe, and a bad expression costs one
    build rather than one per probe. Otherwise an EvaluationError says where the first
    probe fails."""
    xs, ys = (np.array([p[i] for p in probes], dtype=float) for i in (0, 1))
    graph = parse_expression(expression, {"x": xs, "y": ys}, refuse=refuse_mixing, check_finite=False)
    finite = np.ones(len(probes), dtype=bool)
    for node in graph.nodes:
        finite &= np.isfinite(np.broadcast_to(node.value, finite.shape))
    if finite.any():
        return graph
    node = next(n for n in graph.nodes if not np.isfinite(np.broadcast_to(n.value, finite.shape)[0]))
    raise EvaluationError.value(node, where=f"at ({xs[0]:g}, {ys[0]:g}): ")


class SurfaceFunction:
    """A surface's graph, built once, then evaluated on whole arrays of points.

    The graph is built (and checked) once, at all of ``probes``, and kept if every node
    is finite at one of them; else an EvaluationError naming the node says where it is
    not at the first. Its ops are elementwise, so the same graph then takes K points, or
    a grid by broadcasting.
    """

    dim = 2  # an Objective of the runner's (engine.runner) with two coordinates, x and y

    def __init__(self, expression: str, probes: Sequence[tuple[float, float]]):
        self.expression = expression
        self.graph = _build(expression, probes)
        self._x = self.graph.by_id["x"]
        self._y = self.graph.by_id["y"]
        self._tapes: dict[tuple[int, ...], Tape] = {}  # by the points' shape

    def __call__(self, points: np.ndarray, out: np.ndarray | None = None):
        """(f (K,), ∇f (K, 2)) at points (K, 2): one forward and one backward pass.

        The passes run from the graph's Tape for this many points (recorded at the first
        call: a race makes 10,000 calls with the same shape). ∇f is written into ``out``
        (K, 2) when given, else into a new array: the runner's loop passes its own
        gradient buffer rather than have one made each pass. Non-finite values are
        returned as they are (the runner decides what they mean).
        """
        x, y = points[:, 0], points[:, 1]
        tape = self._tapes.get(points.shape)
        if tape is None:
            self._x.value, self._y.value = x, y
            with np.errstate(all="ignore"):
                self.graph.forward(check=False)
                tape = self._tapes[points.shape] = Tape(self.graph, [self._x, self._y])
        loss, (dx, dy) = tape(x, y)
        grad = np.empty(points.shape) if out is None else out
        grad[:, 0] = dx
        grad[:, 1] = dy
        if loss.shape != (points.shape[0],):  # an expression without x or y: broadcast
            loss = np.broadcast_to(loss, (points.shape[0],))
        return loss, grad

    def values(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f at broadcastable arrays x and y (forward pass only)."""
        self._x.value, self._y.value = x, y
        out = self.graph.forward(check=False)
        return np.broadcast_to(out, np.broadcast_shapes(np.shape(x), np.shape(y)))


def grid(expression: str, domain, n: int) -> dict:
    """f on an n×n grid: ``{x: (n,), y: (n,), z: (n, n)}`` with ``z[i, j] = f(x[j], y[i])``.

    The graph is built once at a point of the domain where it is finite, then run on
    whole blocks of rows by broadcasting x (1, n) against y (rows, 1), each block small
    enough that all its nodes together hold at most MAX_TOTAL_ELEMENTS numbers. Points
    where f is not finite (log of a negative, say) are NaN, which JSON shows as null.
    The whole call draws from one CPU budget (engine.budget).
    """
    with budget.scope() as b:
        return _grid(expression, domain, n, b)


def _grid(expression: str, domain, n: int, b: budget.Budget) -> dict:
    (x_lo, x_hi), (y_lo, y_hi) = domain
    xs = np.linspace(x_lo, x_hi, n)
    ys = np.linspace(y_lo, y_hi, n)
    # Build where f is finite: the centre, else a 5×5 lattice of the domain's inside.
    lattice = [(x, y) for x in np.linspace(x_lo, x_hi, 7)[1:-1] for y in np.linspace(y_lo, y_hi, 7)[1:-1]]
    f = SurfaceFunction(expression, [((x_lo + x_hi) / 2, (y_lo + y_hi) / 2), *lattice])

    z = np.empty((n, n))
    points = min(GRID_CHUNK_ELEMENTS, MAX_TOTAL_ELEMENTS // len(f.graph.nodes))
    rows = max(1, points // n)
    row_x = xs[None, :]
    with np.errstate(all="ignore"):
        for i in range(0, n, rows):
            block = z[i : i + rows]
            block[...] = f.values(row_x, ys[i : i + rows, None])
            b.check("the grid", "use a smaller n or a simpler expression")
    z[~np.isfinite(z)] = np.nan
    return {"x": xs, "y": ys, "z": z}
