"""No page retypes a limit: every bound the front end checks comes from GET /api/limits
(static/js/lib/limits.js), so a limit changed in engine/limits.py moves the pages with it.

The check reads every module under static/js as JavaScript tokens (comments, strings,
template text and regular expressions set aside), folds constant arithmetic (`2 ** 32 - 1`,
`10 * 1000`), compares the *values* of the numbers with the limits' (so `1e4`, `10_000` and
`0x2710` are all 10000) and flags those that stand where a bound does: the value of a
`max`/`min`/`maxLength`-like key, an operand of `<`, `<=`, `>`, `>=`, an argument of
Math.min/Math.max, the value of a constant named like a bound (MAX_STEPS, LIMITS = {…}).
The templates' `max`, `min` and `maxlength` attributes are checked too. A number that merely
coincides with a limit is allowed only by an entry of ALLOWED, which says why it is not one.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.limits import LIMITS

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"
TEMPLATES = ROOT / "templates"

# (file under static/js, text of the line around the number, why it is not a limit).
ALLOWED = [
    ("graph/graphview.js", "node.source.length <= 8",
     "a constant short enough to write inside its node, not the histograms limit"),
    ("graph/tensor.js", "Math.min(16, 280 / cols",
     "a heatmap cell's largest side in pixels, not the params limit"),
    ("init/histograms.js", "size < 1e4",
     "bin widths below 10⁴ are written without a power of ten, not the steps limit"),
    ("init/layerplot.js", "Math.min(8, Math.max(2,",
     "at most 8 decade labels on the layer plot, not the histograms limit"),
    ("lib/format.js", "EXACT_INTEGER_UP_TO",
     "whole numbers are written in full up to a million, not the start limit"),
    ("lib/params.js", "max: STEPS",
     "a slider's positions, not the list limit"),
    ("lib/plot.js", "const MAX_DECADE_LABELS = 8",
     "decade labels a log axis keeps, not the histograms limit"),
    ("optimizers/scenarios.js", "Math.max(8, Math.min(below.left, window.innerWidth - 8",
     "the menu's margin from the window's edge in pixels, not the histograms limit"),
    ("optimizers/state.js", "maxLength: RUN_CHARS",
     "the characters of one run= value in a URL, which no server limit bounds as such"),
    ("optimizers/surfaceplot.js", "Math.max(200, Math.round(2 * area.width))",
     "the contour image's smallest side in pixels, not the depth limit"),
    ("optimizers/surfaceplot.js", "Math.max(200, Math.round(2 * area.height))",
     "the contour image's smallest side in pixels, not the depth limit"),
    ("optimizers/surfaceplot.js", "ring < 12",
     "rings of candidate places tried for an arrow's label, not the runs limit"),
    ("optimizers/surfaceplot.js", "Math.max((hi - lo) * 1e-7, 1e-12)",
     "the smallest gap between two contour levels, not the trainability span limit"),
    ("optimizers/sweepplot.js", "values.length <= 12",
     "an axis ticks at every swept value while there are few, not the runs limit"),
    ("schedules/state.js", "slider_min: 10,",
     "the steps slider starts at 10 updates, not the lr limit"),
    ("trainability/main.js", "Math.min(PREVIEW_N,",
     "the coarse tile's pixels a side, drawn first, not the axes.values limit"),
    ("trainability/main.js", "Math.min(SURFACE_N,",
     "a toy surface's map's pixels a side, not the name_chars limit"),
]

# --- JavaScript as tokens -------------------------------------------------------------

NUMBER = re.compile(
    r"(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)n?"
)
IDENTIFIER = re.compile(r"[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*")
PUNCTUATORS = sorted(  # longest first, so that `>>>=` is not read as `>`, `>`, `>=`
    [">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=",
     "&&", "||", "??", "?.", "**", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>",
     *"{}()[];,<>+-*/%&|^!~?:=.@#"],
    key=len,
    reverse=True,
)
# After one of these a `/` starts a regular expression, not a division.
REGEX_AFTER_WORDS = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else",
                     "yield", "await"}


@dataclass
class Token:
    kind: str  # number, name, punct, string, template, regex
    text: str
    line: int
    value: float | None = None


def number_value(text: str) -> float:
    text = text.replace("_", "").removesuffix("n")
    if text[:2].lower() in ("0x", "0b", "0o"):
        return float(int(text, 0))
    return float(text)


def tokens(source: str) -> list[Token]:
    """The source's tokens; a template literal's `${…}` parts are tokens like the rest."""
    out: list[Token] = []
    braces: list[str] = []  # "{" or "${" for every open brace, to know where a template resumes
    i, line, n = 0, 1, len(source)

    def significant() -> Token | None:
        return out[-1] if out else None

    def template_text(i: int) -> tuple[int, str]:
        """Read template text from i (just past ` or }) to its end or its next ${: the index after
        it, and how it ended ("`" or "${")."""
        nonlocal line
        while i < n:
            c = source[i]
            if c == "\\":
                i += 2
                continue
            if c == "`":
                return i + 1, "`"
            if source.startswith("${", i):
                braces.append("${")
                return i + 2, "${"
            line += c == "\n"
            i += 1
        raise ValueError("unterminated template literal")

    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            end = source.index("*/", i + 2) + 2
            line += source.count("\n", i, end)
            i = end
        elif c in "'\"":
            j = i + 1
            while source[j] != c:
                j += 2 if source[j] == "\\" else 1
            out.append(Token("string", source[i:j + 1], line))
            i = j + 1
        elif c == "`" or (c == "}" and braces and braces[-1] == "${"):
            if c == "}":
                braces.pop()
            start = line
            i, end = template_text(i + 1)
            out.append(Token("template", end, start))
        elif c == "/" and regex_allowed(significant()):
            j = i + 1
            in_class = False
            while source[j] != "/" or in_class:
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and (source[j].isalnum()):
                j += 1
            out.append(Token("regex", source[i:j], line))
            i = j
        elif (m := NUMBER.match(source, i)) and (c.isdigit() or (c == "." and source[i + 1:i + 2].isdigit())):
            out.append(Token("number", m.group(), line, number_value(m.group())))
            i = m.end()
        elif m := IDENTIFIER.match(source, i):
            out.append(Token("name", m.group(), line))
            i = m.end()
        else:
            punct = next(p for p in PUNCTUATORS if source.startswith(p, i))
            if punct == "{":
                braces.append("{")
            elif punct == "}" and braces:
                braces.pop()
            out.append(Token("punct", punct, line))
            i += len(punct)
    return out


def regex_allowed(previous: Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind in ("number", "string", "regex"):
        return False
    if previous.kind == "name":
        return previous.text in REGEX_AFTER_WORDS
    if previous.kind == "template":
        return previous.text == "${"  # inside ${…} an expression starts; after a whole template, a division
    return previous.text not in (")", "]", "}", "++", "--")


# --- constant arithmetic -------------------------------------------------------------

ARITHMETIC = {"+", "-", "*", "/", "%", "**", "(", ")"}
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
             ast.Mod: operator.mod, ast.Pow: operator.pow}


def evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](evaluate(node.left), evaluate(node.right))
    raise ValueError("not constant arithmetic")


def constant_values(toks: list[Token], start: int, end: int) -> list[tuple[int, int, float]]:
    """Every contiguous stretch of tokens[start:end] that is constant arithmetic, as (first, last, value).

    Every stretch, not only the longest: `a * 2 ** 32 - 1` holds `2 ** 32 - 1` though a
    JavaScript engine would not compute it, so nothing written as arithmetic escapes."""
    found = []
    for first in range(start, end):
        for last in range(first, end):
            if not any(t.kind == "number" for t in toks[first:last + 1]):
                continue
            text = " ".join(repr(t.value) if t.kind == "number" else t.text for t in toks[first:last + 1])
            try:
                value = evaluate(ast.parse(text, mode="eval"))
            except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, TypeError):
                continue
            found.append((first, last, value))
    return found


def is_call_paren(toks: list[Token], k: int) -> bool:
    """Is the `(` at k a call's (after a name, `)` or `]`) rather than grouping?"""
    return k > 0 and (toks[k - 1].kind == "name" and toks[k - 1].text not in REGEX_AFTER_WORDS
                      or toks[k - 1].text in (")", "]"))


def arithmetic_runs(toks: list[Token]) -> list[tuple[int, int]]:
    """Maximal stretches of numbers, arithmetic operators and grouping parentheses."""
    runs, k = [], 0
    while k < len(toks):
        if toks[k].kind == "number" or (toks[k].kind == "punct" and toks[k].text in ARITHMETIC
                                          and not (toks[k].text == "(" and is_call_paren(toks, k))):
            start = k
            while k < len(toks) and (toks[k].kind == "number" or (
                    toks[k].kind == "punct" and toks[k].text in ARITHMETIC
                    and not (toks[k].text == "(" and is_call_paren(toks, k)))):
                k += 1
            if any(t.kind == "number" for t in toks[start:k]):
                runs.append((start, k))
        else:
            k += 1
    return runs


# --- where a number is a bound -------------------------------------------------------

BOUND_KEY = re.compile(r"^(max|min)|(max|min|limit|bound|most|least)s?$", re.IGNORECASE)
BOUND_NAME = re.compile(r"MAX|MIN|LIMIT|BOUND|MOST", re.IGNORECASE)
COMPARISONS = {"<", "<=", ">", ">="}


def opening(toks: list[Token], k: int) -> int | None:
    """The index of the innermost bracket ( [ { still open at token k (None: none is)."""
    closers = {")": "(", "]": "[", "}": "{"}
    depth = 0
    for j in range(k - 1, -1, -1):
        t = toks[j]
        if t.kind == "template" and t.text == "${":
            return None  # the template's own expression: nothing outside it counts
        if t.kind != "punct":
            continue
        if t.text in closers:
            depth += 1
        elif t.text in ("(", "[", "{"):
            if depth == 0:
                return j
            depth -= 1
    return None


def declared_name(toks: list[Token], k: int) -> str | None:
    """The constant whose initializer starts after token k (`const NAME =` at k), if any."""
    if k >= 2 and toks[k].text == "=" and toks[k - 1].kind == "name" and toks[k - 2].text == "const":
        return toks[k - 1].text
    return None


def whole(token: Token | None) -> bool:
    """Does this token end an operand (so the constant beside it is not part of a sum or a product)?"""
    return token is None or not (token.kind == "punct" and token.text in {"+", "-", "*", "/", "%", "**", ".", "?."})


def bound_context(toks: list[Token], first: int, last: int) -> str | None:
    """Why toks[first:last + 1] (a constant, or a constant's name) stands where a bound does (None: it does not)."""
    before = toks[first - 1] if first else None
    after = toks[last + 1] if last + 1 < len(toks) else None
    if before and before.text in (":", "=") and first >= 2 and toks[first - 2].kind in ("name", "string") and whole(after):
        key = toks[first - 2].text.strip("'\"")
        if before.text == ":" and BOUND_KEY.search(key):
            return f"the value of `{key}:`"
        if before.text == "=" and first >= 3 and toks[first - 3].text in (".", "?.") and BOUND_KEY.search(key):
            return f"assigned to .{key}"
    if (before and before.text in COMPARISONS and whole(after)) or (after and after.text in COMPARISONS and whole(before)):
        return "an operand of a comparison"
    bracket = opening(toks, first)
    if (bracket is not None and toks[bracket].text == "(" and bracket >= 3 and toks[bracket - 3].text == "Math"
            and toks[bracket - 1].text in ("min", "max") and before.text in ("(", ",") and after and after.text in (")", ",")):
        return f"an argument of Math.{toks[bracket - 1].text}"
    if before and (name := declared_name(toks, first - 1)) and BOUND_NAME.search(name) and whole(after):
        return f"the value of {name}"
    if bracket is not None and toks[bracket].text == "{" and (name := declared_name(toks, bracket - 1)) \
            and BOUND_NAME.search(name) and before.text == ":" and whole(after):
        return f"a value in {name}"
    return None


@dataclass
class Finding:
    path: str
    line: int
    code: str
    value: float
    limits: list[str]
    where: str

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: {self.where} is {self.value:g}, the value of "
                f"{', '.join(self.limits)}: read it from lib/limits.js, or add it to ALLOWED with the reason\n"
                f"    {self.code.strip()}")


# Limits no page could check a typed value against (a page that wrote their number would not be
# bounding anything by it), left out so that their small values do not flag every `< 2`.
NOT_INPUT_BOUNDS = {
    "cpu_time": "seconds of the server's CPU one request may use",
    "trainability_cpu_time": "seconds of the server's CPU one trainability tile may use",
}


def limit_names(value: float) -> list[str]:
    return [name for name, limit in LIMITS.items() if abs(value) == limit and name not in NOT_INPUT_BOUNDS]


def findings_in_js(path: str, source: str) -> list[Finding]:
    toks = tokens(source)
    lines = source.splitlines()
    found: dict[tuple[int, float], Finding] = {}

    def flag(first: int, last: int, value: float, names: list[str], how: str = "") -> None:
        where = bound_context(toks, first, last)
        if where is not None:
            line = toks[first].line
            found.setdefault((line, abs(value)), Finding(path, line, lines[line - 1], value, names, how + where))

    constants: dict[str, float] = {}  # `const NAME = <a limit's value>`: NAME stands for the number
    for start, end in arithmetic_runs(toks):
        for first, last, value in constant_values(toks, start, end):
            if names := limit_names(value):
                flag(first, last, value, names)
                if (name := declared_name(toks, first - 1)) and whole(toks[last + 1] if last + 1 < len(toks) else None):
                    constants[name] = value
    for k, t in enumerate(toks):
        if t.kind == "name" and t.text in constants and not (k and toks[k - 1].text in (".", "?.", "const", "let", "var")):
            flag(k, k, constants[t.text], limit_names(constants[t.text]), f"{t.text} (a limit's value) as ")
        elif t.kind == "string" and NUMBER.fullmatch(t.text[1:-1]) and (names := limit_names(number_value(t.text[1:-1]))):
            flag(k, k, number_value(t.text[1:-1]), names, "a number in a string as ")
    return list(found.values())


ATTRIBUTE = re.compile(r"\b(max|min|maxlength|minlength)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)


def findings_in_template(path: str, source: str) -> list[Finding]:
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        for m in ATTRIBUTE.finditer(line):
            try:
                value = number_value(m.group(2))
            except ValueError:
                continue
            if names := limit_names(value):
                found.append(Finding(path, number, line, value, names, f"the attribute {m.group(1)}"))
    return found


def allowed(finding: Finding) -> bool:
    return any(finding.path == path and snippet in finding.code for path, snippet, _ in ALLOWED)


def all_findings() -> list[Finding]:
    found = []
    for path in sorted(JS.rglob("*.js")):
        found += findings_in_js(path.relative_to(JS).as_posix(), path.read_text(encoding="utf-8"))
    for path in sorted(TEMPLATES.glob("*.html")):
        found += findings_in_template(f"templates/{path.name}", path.read_text(encoding="utf-8"))
    return found


# --- the tests -----------------------------------------------------------------------


def test_no_page_retypes_a_limit():
    problems = [str(f) for f in all_findings() if not allowed(f)]
    assert problems == [], "limits written into the front end:\n" + "\n".join(problems)


def test_every_allowed_number_is_still_there_and_says_why():
    """An entry of ALLOWED that matches nothing any more is removed, not kept as a loophole."""
    found = all_findings()
    for path, snippet, reason in ALLOWED:
        assert reason.strip(), f"{path}: '{snippet}' needs its reason"
        assert any(f.path == path and snippet in f.code for f in found), f"ALLOWED's {path}: '{snippet}' matches nothing"


@pytest.mark.parametrize("code", [
    "field.int({ max: 10000 })",
    "field.int({ max: 10_000 })",
    "field.int({ max: 1e4 })",
    "field.int({ max: 1.0e+4 })",
    "field.int({ max: 0x2710 })",
    "field.int({ max: 10 * 1000 })",
    "field.int({ max: (10 ** 4) })",
    "field.int({ max: 2 ** 32 - 1 })",
    "readNumber(box, { min: -1e6, max: 1e6 })",
    "const MAX_STEPS = 10000;",
    "export const LIMITS = { depth: 200, width: 512 };",
    "if (steps > 10000) return null;",
    "if (1024 < n) fail();",
    "const n = Math.min(value, 4294967295);",
    "field.string({ maxLength: 10000 })",
    "const t = `${x > 1e4 ? 'big' : 'small'}`;",
    "const STEPS = 10000; field.int({ max: STEPS });",
    "slider.max = 10000;",
    "h('input', { max: '10000' })",
])
def test_a_limit_is_found_however_it_is_written(code):
    assert findings_in_js("example.js", code), code


@pytest.mark.parametrize("code", [
    "const STEPS = 10000; // a name that is no bound, used as none",
    "const STEPS = 10000; const positions = Array.from({ length: STEPS });",
    "const half = Math.max(width + 10000, 3);",
    "if (x < 10000 * scale) return;",
    "let depth = 10000; while (depth > 0) depth -= 1;",
    "field.int({ default: 500 })",
    "// max: 10000 in a comment",
    "const text = 'max: 10000';",
    "const text = `at most ${steps} (not max: 10000)`;",
    "const re = /max: 10000/g;",
    "field.int({ max: limits.max('steps') })",
])
def test_what_is_not_a_bound_is_not_flagged(code):
    assert not [f for f in findings_in_js("example.js", code) if f.value == 10000], code


def test_a_template_attribute_is_checked():
    assert findings_in_template("t.html", '<input type="number" max="10000">')
    assert findings_in_template("t.html", "<textarea maxlength=1e4></textarea>")
    assert not findings_in_template("t.html", '<input type="range" min="0" max="0">')


def test_every_limit_a_page_names_is_served():
    """limits.max('NAME') in a module names a limit GET /api/limits has (else the page throws)."""
    named = set()
    for path in JS.rglob("*.js"):
        named |= set(re.findall(r"""limits\.max\(\s*['"]([^'"]+)['"]""", path.read_text(encoding="utf-8")))
    assert named, "no page reads a limit"
    assert named <= set(LIMITS), f"not served: {sorted(named - set(LIMITS))}"


@pytest.mark.parametrize("path", sorted(JS.rglob("*.js")), ids=lambda p: p.relative_to(JS).as_posix())
def test_the_reader_reads_every_module_whole(path):
    """Brackets balance in every module's tokens: no string, template or regular expression was
    misread (which would hide the numbers after it from the check)."""
    depth = 0
    for token in tokens(path.read_text(encoding="utf-8")):
        if token.kind == "punct" and token.text in "([{":
            depth += 1
        elif token.kind == "punct" and token.text in ")]}":
            depth -= 1
        assert depth >= 0, f"{path.name}:{token.line}: a bracket closes that never opened"
    assert depth == 0, f"{path.name}: {depth} brackets never close"
