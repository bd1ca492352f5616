"""The project's only call of ``ast.parse``, behind a process-wide lock.

CPython keeps the AST builder's recursion counter in interpreter-wide state, so two
threads parsing at once can corrupt it ("SystemError: AST constructor recursion depth
mismatch", python/cpython gh-106905). FastAPI runs sync endpoints in a thread pool, so
parses do overlap under a crowd; one lock makes them take turns. A parse of a program
of at most 10,000 characters takes well under a millisecond, so the lock costs nothing
a student would notice.
"""

from __future__ import annotations

import ast
import threading
import warnings

__all__ = ["parse"]

_LOCK = threading.Lock()


def parse(text: str, mode: str = "exec") -> ast.AST:
    """``ast.parse(text, mode=mode)``, one thread at a time (see the module docstring).

    CPython's SyntaxWarnings about the text (``1e308x``, ``"\\d"``) are for a Python
    author, not a student: they are dropped rather than printed on the server's stderr
    (inside the lock, so changing the warning filters is safe)."""
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, mode=mode)
