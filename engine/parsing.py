"""Program text → Python ast: the project's only call of ``ast.parse``, behind a
process-wide lock, and the errors of reading a text, each at its line and column
(``ProgramError``; columns in characters, as an editor counts them).

CPython keeps the AST builder's recursion counter in interpreter-wide state, so two
threads parsing at once can corrupt it ("SystemError: AST constructor recursion depth
mismatch", python/cpython gh-106905). FastAPI runs sync endpoints in a thread pool, so
parses do overlap under a crowd; one lock makes them take turns. A parse of a program
of at most 10,000 characters takes well under a millisecond, so the lock costs nothing
a student would notice.
"""

from __future__ import annotations

import ast
import re
import threading
import warnings

from engine.errors import InputError
from engine.limits import MAX_PROGRAM_CHARS

__all__ = ["ProgramError", "parse", "place", "read", "source_lines"]

# What CPython will not read, found first so the message says where it is
_UNREADABLE = (
    (re.compile("\0"), "a null character"),
    (re.compile("[\ud800-\udfff]"), "a character that is not valid Unicode (a lone surrogate)"),
)

_LOCK = threading.Lock()


def parse(text: str, mode: str = "exec") -> ast.AST:
    """``ast.parse(text, mode=mode)``, one thread at a time (see the module docstring).

    CPython's SyntaxWarnings about the text (``1e308x``, ``"\\d"``) are for a Python
    author, not a student: they are dropped rather than printed on the server's stderr
    (inside the lock, so changing the warning filters is safe)."""
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, mode=mode)


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


def source_lines(text: str) -> list[bytes]:
    """The text's lines as UTF-8, as ast's offsets count them (call after it parsed). Only
    \n, \r\n and \r end a line for Python, not every character str.splitlines splits at
    (form feed, \x1c, U+2028 …)."""
    return [line.encode() for line in re.split("(?<=\n)", text.replace("\r\n", "\n").replace("\r", "\n"))]


def place(lines: list[bytes], node: ast.AST) -> dict:
    """``{line, column}`` of an ast node, 1-based, the column in characters as an editor
    counts them (ast counts UTF-8 bytes: `é` is two)."""
    row = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else b""
    return {"line": node.lineno, "column": len(row[: node.col_offset].decode("utf-8", "replace")) + 1}


def read(text: str, mode: str = "exec") -> ast.AST:
    """The text as a Python ast (``parse``), or a ProgramError saying what and where: a limit,
    a character CPython will not read, a syntax error, nesting too deep to read."""
    if len(text) > MAX_PROGRAM_CHARS:
        raise ProgramError(
            f"the program has {len(text):,} characters; at most {MAX_PROGRAM_CHARS:,} are allowed "
            "(limit max_program_chars)",
            limit="max_program_chars",
        )
    for pattern, what in _UNREADABLE:
        found = pattern.search(text)
        if found:
            at = found.start()
            raise ProgramError(f"the program contains {what}; delete it",
                               text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))
    try:
        return parse(text, mode)
    except SyntaxError as exc:
        message = exc.msg
        if "integer string conversion" in message:  # CPython's advice is for Python authors
            message = "a number of more than 4,300 digits"
        raise ProgramError(f"syntax error: {message}", exc.lineno or 1, max(1, exc.offset or 1)) from None
    except (RecursionError, MemoryError):
        raise ProgramError("the program is nested too deeply to read: give parts of long chains of "
                           "operators or brackets names of their own", 1, 1) from None
    except ValueError:  # any other text CPython refuses to read
        raise ProgramError("the program cannot be read", 1, 1) from None
