"""Hypothesis strategies for hostile input: programs built from the grammar in docs/DESIGN.md
("Program language"), custom surfaces in x and y, and optimize requests, mixed with
huge, tiny and overflowing numbers, broken syntax, random unicode and random bytes.

Everything here produces *text or JSON-able data*; the properties (what an answer may
be) live in ``tests/fuzz/checks.py``. The settings are shared by every fuzz test: a
fixed derandomized search (CI is reproducible), no example database (nothing written
into the checkout) and no deadline (the CPU budget is asserted instead, per answer).
``FUZZ_SCALE=10`` multiplies the examples for a deeper run by hand, and
``FUZZ_RANDOM=1`` searches afresh instead of replaying the fixed search.
"""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES
from engine.surfaces import SURFACES

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") not in ("", "0")


def fuzz_settings(max_examples: int) -> settings:
    """The settings of one fuzz test: ``max_examples`` (times FUZZ_SCALE), reproducible."""
    return settings(
        max_examples=max(1, round(max_examples * SCALE)),
        derandomize=not RANDOM,
        database=None,
        deadline=None,
        # Programs are drawn from a grammar with a few recursive parts: generating one can
        # take longer than Hypothesis's default patience, which is no bug of the app's.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


def often(good: st.SearchStrategy, bad: st.SearchStrategy, one_in: int = 5) -> st.SearchStrategy:
    """``good`` most of the time, ``bad`` one time in ``one_in``."""
    return st.integers(1, one_in).flatmap(lambda k: bad if k == 1 else good)


# --- numbers, as the text a student types ------------------------------------------

# Literals at and past the edges of float64, and Python spellings a student may not mean.
SPECIAL_LITERALS = [
    "0", "0.0", "-0.0", "1", "-1", "2", "0.5", "1e308", "-1e308", "1.7976931348623157e308", "1e309", "-1e309",
    "1e-400", "5e-324", "1e-320", "2.2250738585072014e-308", "1_000", "0x1F", "0o17", "0b101", "1j", "1e3j",
    "True", "False", "None", "pi", "'1'", "b'1'", "...", "9" * 400, "1" + "0" * 310, "-" + "9" * 300,
    "9" * 4400,  # past CPython's 4300-digit int-to-text limit
    "1e1000000", "0.1e-99999", "10**30", "2**1024", "1e308*10", "(1)", "[1]", "[]", "[[]]",
]

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
small_floats = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 3))


number_literals = st.one_of(
    small_floats.map(repr),
    st.sampled_from(SPECIAL_LITERALS),
    finite_floats.map(repr),
    st.integers(-(10**400), 10**400).map(str),
    st.integers(-3, 10).map(str),
)
"""A number as text: mostly tame, often at or past float64's edges, sometimes not a number."""

tame_literals = st.one_of(small_floats.map(repr), st.integers(-3, 5).map(str))

# --- shapes and leaves -------------------------------------------------------------

SHAPES = [(), (3,), (2, 3), (3, 2), (1,), (2, 1, 3)]
weird_sizes = st.sampled_from(["0", "-1", "1.5", "1e309", "10**30", "1000000", "1001", "1024", "2**40", "'3'", "x",
                               "9" * 400, "True", "[2]"])
sizes = often(st.integers(1, 4).map(str), weird_sizes, 6)


@st.composite
def nested_list(draw, shape: tuple[int, ...], literals=tame_literals) -> str:
    """A nested list literal of ``shape`` (a scalar literal for ``()``)."""
    if not shape:
        return draw(literals)
    return "[" + ", ".join(draw(nested_list(shape[1:], literals)) for _ in range(shape[0])) + "]"


@st.composite
def ragged_list(draw) -> str:
    rows = draw(st.lists(st.lists(tame_literals, min_size=0, max_size=3), min_size=1, max_size=3))
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"


HELPER_KEYWORDS = {
    "zeros": [], "ones": [], "eye": [],
    "randn": ["seed", "std"], "uniform": ["seed", "low", "high"], "glorot": ["seed", "gain"], "he": ["seed", "gain"],
}


@st.composite
def helper_call(draw, shape: tuple[int, ...] | None = None) -> str:
    """An init helper call: zeros ones eye randn uniform glorot he, with shape and keywords."""
    name = draw(st.sampled_from(sorted(HELPER_KEYWORDS)))
    if shape is not None and shape and draw(st.booleans()):
        dims = [str(d) for d in (shape[:1] if name == "eye" else shape)]
    else:
        dims = draw(st.lists(sizes, min_size=0 if draw(st.integers(0, 9)) == 0 else 1, max_size=3))
    kws = []
    keywords = sorted({*HELPER_KEYWORDS[name], "seed", "std", "axis"})  # its own, and some it does not take
    for kw in draw(st.lists(st.sampled_from(keywords), max_size=3, unique=True)):
        value = draw(st.one_of(st.integers(0, 5).map(str), number_literals)) if kw == "seed" else draw(number_literals)
        kws.append(f"{kw}={value}")
    return f"{name}({', '.join(dims + kws)})"


@st.composite
def leaf_value(draw, shape: tuple[int, ...]) -> str:
    """What goes inside input(...) or param(...): numbers, nested lists, init helpers."""
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        return draw(nested_list(shape))
    if kind == 5:
        return draw(nested_list(shape, number_literals))
    if kind == 6:
        return draw(ragged_list())
    if kind == 7:
        return f"{draw(helper_call(shape))} {draw(st.sampled_from(['+', '*', '-']))} {draw(tame_literals)}"
    return draw(helper_call(shape))


# --- expressions -----------------------------------------------------------------

UNARY = ["exp", "log", "sqrt", "abs", "square", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "elu",
         "softplus", "gelu", "softmax", "log_softmax", "transpose", "identity"]
REDUCTIONS = ["sum", "mean", "max"]
LOSSES = ["mse", "bce", "cross_entropy"]
BINARY_OPS = ["+", "-", "*", "/", "**", "@"]
ELEMENTWISE_UNARY = ["exp", "log", "sqrt", "abs", "square", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu",
                     "elu", "softplus", "gelu"]
axis_values = st.one_of(st.integers(-3, 3).map(str), st.sampled_from(["10**30", "1.5", "1e309", "-1e309", "x", "[0]",
                                                                      "True", "9" * 300]))


def expressions(names: list[str], literals=number_literals, unary=tuple(UNARY), reductions=tuple(REDUCTIONS),
                losses=tuple(LOSSES), binary=tuple(BINARY_OPS), max_leaves: int = 8):
    """Expressions of the language over ``names``: + - * / ** @, unary minus, parentheses,
    functions (with axis= for reductions), losses, and now and then a call the language
    refuses (wrong arity, an unknown function or keyword)."""
    others = st.one_of(literals, st.just("pi"))
    atoms = often(st.sampled_from(names), others, 3) if names else others

    def extend(inner):
        calls = [
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(unary), inner),
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(binary), inner),
            st.builds(lambda a: f"-{a}", inner),
            st.builds(lambda a: f"({a})", inner),
        ]
        if reductions:
            calls.append(st.builds(lambda f, a, ax: f"{f}({a}{ax})", st.sampled_from(reductions), inner,
                                   st.one_of(st.just(""), axis_values.map(lambda v: f", axis={v}"))))
        if losses:
            calls.append(st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(losses), inner, inner))
            calls.append(st.builds(lambda a, b: f"bce(sigmoid({a}), sigmoid({b}))", inner, inner))
            calls.append(st.builds(lambda a, b: f"cross_entropy({a}, softmax({b}))", inner, inner))
        calls.append(st.builds(lambda f, a: f, st.sampled_from(["relu()", "sum(1, 2, 3)", "foo(1)", "exp(1, axis=0)",
                                                                 "sin(x=1)", "x.y", "x[0]", "lambda: 1", "(1, 2)",
                                                                 "{1: 2}", "1 if 1 else 2", "f'{1}'", "[1] * 3",
                                                                 "1 < 2", "not 1", "~1", "1 // 2", "1 % 2"]),
                               inner))
        return st.one_of(*calls)

    return st.recursive(atoms, extend, max_leaves=max_leaves)


# --- programs --------------------------------------------------------------------

LEAF_NAMES = ["x", "w", "b", "t", "W", "a", "h", "y0", "α", "ñame"]
OUTPUT_NAMES = ["z", "y", "u", "v", "loss", "h1", "out", "λ"]


# Built once (a recursive strategy is costly to build): placeholders §0…§7 stand for the
# names a program has assigned so far, and are replaced by them once drawn.
_program_expressions = expressions([f"§{k}" for k in range(8)], literals=st.one_of(tame_literals, number_literals),
                                   max_leaves=6)


@st.composite
def valid_looking_program(draw) -> str:
    """A program as a student writes one: leaves first (one shared shape, so most ops
    broadcast), then assignments of expressions over the names so far; the last is the output."""
    shape = draw(st.sampled_from(SHAPES))
    leaf_names = draw(st.lists(st.sampled_from(LEAF_NAMES), min_size=1, max_size=4, unique=True))
    lines = []
    for name in leaf_names:
        kind = draw(st.sampled_from(["input", "param"]))
        own = shape if draw(st.integers(0, 4)) else draw(st.sampled_from(SHAPES))
        lines.append(f"{name} = {kind}({draw(leaf_value(own))})")
    names = list(leaf_names)
    for name in draw(st.lists(st.sampled_from(OUTPUT_NAMES), min_size=0, max_size=4, unique=True)):
        expr = re.sub(r"§(\d)", lambda m: names[int(m[1]) % len(names)], draw(_program_expressions))
        lines.append(f"{name} = {expr}")
        names.append(name)
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), "# " + draw(st.text(max_size=20)).replace("\n", " "))
    return "\n".join(lines)


BROKEN_SNIPPETS = ["import os", "x += 1", "a = b = 1", "a, b = 1, 2", "def f(): pass", "for i in x: pass", "x",
                   "print(1)", "__import__('os')", "z = (", "z = )", "z = input(1.0", "z = 1 +", "\t z = 1", "z ==  1",
                   "z = input(1.0) z = 2", "z: float = 1.0", "z = input(1.0);y = z", "del z", "z = yield",
                   "z = await x", "z = " + "(" * 250 + "1" + ")" * 250, "z = " + "-" * 3000 + "1",
                   "z = " + "[" * 120 + "1" + "]" * 120, "z = " + " + ".join(["1"] * 600), "z = x\\\n + 1", "z = '''",
                   "\x00", "\ufeffz = 1", "z = input(1.0)\r\ny = z", "z = input(1.0)\ry = z"]


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with one edit that may break it: a character deleted, inserted or
    replaced, a line duplicated, or a line of something outside the language."""
    edit = draw(st.integers(0, 5))
    pos = draw(st.integers(0, len(text)))
    if edit == 0 and text:
        return text[: min(pos, len(text) - 1)] + text[min(pos, len(text) - 1) + 1:]
    if edit == 1:
        return text[:pos] + draw(st.sampled_from(list("()[],=+-*/@#:.\n\t\\'\"{}!$;") + ["**", "@@", "\x00"])) + text[pos:]
    if edit == 2:
        lines = text.split("\n")
        k = draw(st.integers(0, len(lines) - 1))
        return "\n".join([*lines[: k + 1], lines[k], *lines[k + 1:]])
    if edit == 3:
        lines = text.split("\n")
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(BROKEN_SNIPPETS)))
        return "\n".join(lines)
    if edit == 4:
        return text[:pos] + draw(st.characters()) + text[pos:]
    return text.replace("=", draw(st.sampled_from(["==", ":=", "+="])), 1)


@st.composite
def hostile_text(draw) -> str:
    """Text that was never a program: random unicode (lone surrogates included),
    random bytes read as Latin-1 or with surrogate escapes, and the broken snippets."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.text(max_size=200))
    if kind == 1:
        return draw(st.text(st.characters(categories=["Cs", "Co", "Cc", "Zs", "Mn"]), max_size=50))
    if kind == 2:
        return draw(st.binary(max_size=200)).decode("latin-1")
    if kind == 3:
        return draw(st.binary(max_size=200)).decode("utf-8", "surrogateescape")
    return draw(st.sampled_from(BROKEN_SNIPPETS))


BROADCAST_SIZES = [2, 7, 40, 300, 1000]
BROADCAST_EXPRESSIONS = ["a @ b", "a + b", "a * b", "a - b * c", "a ** b", "mse(a, b)", "bce(sigmoid(a), sigmoid(b))",
                         "sum(a @ b, axis=0)", "(a + b) @ c", "a @ transpose(b)", "max(a * b * c)", "a / (1 + b * b)"]


@st.composite
def broadcast_program(draw) -> str:
    """Leaves whose shapes put ones in different axes, so one op broadcasts them into far
    more numbers than they hold: (n, 1, 1, n) @ (1, n, n, 1) is n² numbers out, n³ in its
    gradient. Each leaf stays within max_elements; what its ops need may not."""
    ndim = draw(st.integers(1, 4))
    n = draw(st.sampled_from(BROADCAST_SIZES))
    leaves = []
    for k, name in enumerate("abc"):
        dims = draw(st.lists(st.sampled_from([1, n]), min_size=ndim, max_size=ndim))
        if math.prod(dims) > 1_000_000:  # a leaf over the limit is an older finding
            dims = [1] * (ndim - 2) + [n, 1]
        leaves.append(f"{name} = {draw(st.sampled_from(['param', 'input']))}(randn({', '.join(map(str, dims))}, "
                      f"seed={k}))")
    expr = draw(st.sampled_from(BROADCAST_EXPRESSIONS))
    output = f"l = sum({expr})" if draw(st.booleans()) else f"l = {expr}"
    return "\n".join([*leaves, output])


programs = st.one_of(
    valid_looking_program(),
    valid_looking_program(),
    valid_looking_program(),
    valid_looking_program().flatmap(mutated),
    hostile_text(),
)
"""Any program text: mostly from the grammar, a share mutated, a share never a program."""


# --- custom surfaces -------------------------------------------------------------


_elementwise_xy = expressions(["x", "y"], literals=st.one_of(tame_literals, number_literals),
                              unary=tuple(ELEMENTWISE_UNARY), reductions=(), losses=(),
                              binary=("+", "-", "*", "/", "**"), max_leaves=8)
_any_xyz = expressions(["x", "y", "z"], max_leaves=6)


@st.composite
def surface_expression(draw) -> str:
    """An expression in x and y: elementwise mostly, sometimes something a surface refuses
    (a list, @, a reduction, an init helper), sometimes broken or random text."""
    kind = draw(st.integers(0, 9))
    if kind <= 5:
        return draw(_elementwise_xy)
    if kind <= 7:
        return draw(_any_xyz)
    if kind == 8:
        return draw(st.sampled_from([s.expression for s in SURFACES.values()]).flatmap(mutated))
    return draw(hostile_text())


coordinates = st.one_of(
    st.floats(-10, 10, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e6, -1e6, 1e6 + 1, 1e308, -1e308, 1e-320]),
)


_lows = st.one_of(st.floats(-10, 10), st.floats(-1e6, 1e6 - 1e3), st.sampled_from([0.0, 5e-324, -1e6]))
_good_axis = st.builds(lambda lo, width: [lo, lo + width], _lows, st.floats(1e-3, 1e3))
_bad_axis = st.one_of(
    _lows.map(lambda lo: [lo, lo]),  # empty
    st.lists(coordinates, min_size=2, max_size=2),  # maybe reversed, maybe past the bound
    _lows.map(lambda lo: [lo, float(np.nextafter(lo, np.inf))]),  # as narrow as floats allow
)
axes = often(_good_axis, _bad_axis, 12)


def domains() -> st.SearchStrategy:
    """A domain {x: [lo, hi], y: [lo, hi]}: mostly ordinary or huge, sometimes as narrow
    as floats allow (valid), empty, reversed or past the coordinate bound (invalid)."""
    return st.fixed_dictionaries({"x": axes, "y": axes})


grid_sizes = often(st.integers(2, 40), st.sampled_from([0, 1, 2, 1024, 1025, -1, 2.5, "10"]), 8)


# --- optimize requests -------------------------------------------------------------

# Values that are wrong in every way a JSON client can be: strings that look like
# numbers (NaN and Infinity among them), bools, nulls, lists, objects, huge and tiny.
HOSTILE_VALUES = ["NaN", "Infinity", "-Infinity", "nan", "inf", "1e309", "fast", "", "0", True, False, None, [],
                  [1, 2], [[1]], {}, {"a": 1}, 1e308, -1e308, 5e-324, -1.0, 0, -0.0, 10**30, -(10**30), 2**63,
                  2**64 + 1, 10.000001, 1e-12, 0.9999, 1.0, 11, float("nan"), float("inf"), "\ud800", "x" * 70]
hostile_values = st.one_of(st.sampled_from(HOSTILE_VALUES), finite_floats, st.integers(-(10**20), 10**20))


def param_value(p) -> st.SearchStrategy:
    """A valid value for hyperparameter ``p``: anywhere in its range, its ends included
    (lr = 10, eps = 1e-12 and β = 0.9999 are valid, and hostile enough)."""
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "list":
        if p.name == "values":
            return st.lists(st.floats(p.min, p.max), min_size=1, max_size=4)
        return st.lists(st.integers(int(p.min), int(p.max)), min_size=0, max_size=3, unique=True).map(sorted)
    if p.kind == "int":
        return st.one_of(st.integers(int(p.min), int(p.max)), st.sampled_from([int(p.min), int(p.max)]))
    ends = [p.min, p.max, *([-0.0] if p.min == 0 else [])]  # -0.0 passes a check of 0 <= v
    return st.one_of(st.floats(p.min, p.max), st.sampled_from(ends))


@st.composite
def param_map(draw, registry: dict, name: str) -> dict:
    """A params object of valid values for some of registry[name]'s parameters."""
    specs = list(registry[name].params)
    chosen = draw(st.lists(st.sampled_from(specs), unique_by=lambda p: p.name, max_size=len(specs))) if specs else []
    return {p.name: draw(param_value(p)) for p in chosen}


@st.composite
def schedule_spec(draw) -> dict:
    name = draw(st.sampled_from(sorted(SCHEDULES)))
    params = draw(param_map(SCHEDULES, name))
    if name == "piecewise" and ("boundaries" in params or "values" in params):  # one more value than boundaries
        bounds = params.setdefault("boundaries", [200, 400])
        params["values"] = (params.get("values", []) + [0.01] * (len(bounds) + 1))[: len(bounds) + 1]
    return {"name": name, "params": params} if draw(st.booleans()) else {"name": name, **params}


@st.composite
def run_spec(draw) -> dict:
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    run = {"optimizer": name}
    if draw(st.booleans()):
        params = draw(param_map(OPTIMIZERS, name))
        if name == "rprop" and params.get("step_min", 0) > params.get("step_max", 50):
            params["step_min"], params["step_max"] = params["step_max"], params["step_min"]
        run["params"] = params
    if draw(st.booleans()):
        run["schedule"] = draw(schedule_spec())
    if draw(st.integers(0, 3)) == 0:
        run["label"] = draw(st.text(max_size=20))
    return run


@st.composite
def valid_optimize_request(draw, max_runs: int = 3) -> dict:
    """An OptimizeRequest the schema accepts: a built-in surface or an expression from the
    grammar, a start anywhere inside the coordinate bound, short races (so the examples go
    to variety rather than to long races), any valid hyperparameters and schedules, noise."""
    body: dict = {}
    if draw(st.integers(0, 2)):
        body["surface"] = draw(st.sampled_from(sorted(SURFACES)))
    else:
        body["expression"] = draw(surface_expression())
    if draw(st.booleans()):
        body["start"] = draw(st.lists(st.one_of(st.floats(-5, 5), st.floats(-1e6, 1e6),
                                                st.sampled_from([0.0, 5e-324, 1e6, -1e6])), min_size=2, max_size=2))
    if draw(st.integers(0, 3)):
        body["steps"] = draw(st.one_of(st.integers(1, 30), st.integers(1, 30), st.integers(100, 400)))
    body["runs"] = draw(st.lists(run_spec(), min_size=1, max_size=max_runs))
    if draw(st.integers(0, 2)) == 0:
        body["noise"] = draw(st.fixed_dictionaries({"std": st.one_of(st.floats(0, 10), st.sampled_from([0.0, -0.0, 1e3]))},
                                                   optional={"seed": st.integers(0, 2**32 - 1)}))
    return body


@st.composite
def valid_sweep_request(draw) -> dict:
    """A SweepRequest the schema accepts: one optimizer over two of its numeric
    hyperparameters (a few valid values each), on a surface or an expression, short runs."""
    race = draw(valid_optimize_request(max_runs=1))
    run = race.pop("runs")[0]
    numeric = [p for p in OPTIMIZERS[run["optimizer"]].params if p.kind in ("float", "int")]
    if len(numeric) < 2:  # sgd has lr alone
        run = {"optimizer": "momentum"}
        numeric = list(OPTIMIZERS["momentum"].params)
    x, y = draw(st.lists(st.sampled_from(numeric), min_size=2, max_size=2, unique_by=lambda p: p.name))
    params = {k: v for k, v in run.get("params", {}).items() if k not in (x.name, y.name)}
    if run["optimizer"] == "rprop":  # step_min <= step_max whatever the axes say
        params = {k: v for k, v in params.items() if k not in ("step_min", "step_max")}
        x_values, y_values = ([1e-6], [50.0]) if {x.name, y.name} == {"step_min", "step_max"} else (None, None)
    else:
        x_values = y_values = None
    axes = {"x": {"name": x.name, "values": x_values or draw(st.lists(param_value(x), min_size=1, max_size=4))},
            "y": {"name": y.name, "values": y_values or draw(st.lists(param_value(y), min_size=1, max_size=4))}}
    return {**race, "optimizer": run["optimizer"], "params": params,
            **({"schedule": run["schedule"]} if "schedule" in run else {}), "axes": axes}


def sweep_request() -> st.SearchStrategy:
    return sometimes_hostile(valid_sweep_request())


@st.composite
def training(draw) -> dict:
    """The training part of a /api/graph/train request: a run's optimizer, params and
    schedule, and a few iterations (sometimes none, sometimes a hostile count)."""
    run = draw(run_spec())
    run.pop("label", None)
    run["iterations"] = draw(often(st.integers(0, 20), st.sampled_from([-1, 10_001, 1.5, "3", None, 10**30]), 10))
    return run


def _paths(value, prefix=()):
    """Every path into a JSON value (keys and indices), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


@st.composite
def hostile_edit(draw, body):
    """``body`` with one edit a careless or hostile client makes: a value anywhere
    replaced by a hostile one, a key dropped, or a key that does not belong added."""
    body = json.loads(json.dumps(body))  # a deep copy
    if draw(st.integers(0, 19)) == 0:
        return draw(hostile_values)
    path = draw(st.sampled_from(list(_paths(body))[1:]))
    *parent_path, last = path
    parent = body
    for key in parent_path:
        parent = parent[key]
    edit = draw(st.integers(0, 5))
    if edit == 0 and isinstance(parent, dict):
        del parent[last]
    elif edit == 1 and isinstance(parent, dict):
        parent[draw(st.sampled_from(["bogus", "LR", "step", "lr ", "", "params", "__proto__", "a" * 70]))] = \
            draw(hostile_values)
    else:
        parent[last] = draw(hostile_values)
    return body


def sometimes_hostile(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Half valid, half with one hostile edit: enough valid requests reach the engine."""
    return st.one_of(valid, valid.flatmap(hostile_edit))


def optimize_request(max_runs: int = 3) -> st.SearchStrategy:
    return sometimes_hostile(valid_optimize_request(max_runs))


def to_json_text(body) -> str:
    """``body`` as JSON text the way a careless client writes it: NaN and Infinity as
    bare tokens (Python's json and the server's parser both accept them) and lone
    surrogates as \\u escapes (which cannot be encoded as UTF-8 any other way)."""
    return json.dumps(body, allow_nan=True, ensure_ascii=True)

