"""One CPU budget per request, drawn from by every piece of engine work the request does.

A request may parse a program, lay out its graph, check its gradients and trace it; a
race builds a surface and then runs thousands of steps. All of them draw from the *same*
``Budget`` (``MAX_CPU_SECONDS`` of CPU), so no phase, probe or second engine call starts
a fresh allowance. The budget in force lives in a context variable:

    with budget.scope() as b:    # the budget in force, or a new one when there is none
        ...                      # engine work; its loops call b.check() or budget.check()

Every top-level engine function opens a scope, so a call from a notebook gets a budget
of its own; the app sets one per request (``app.errors``), so all the calls of one
request share it.

CPU is counted with ``time.thread_time`` on the thread that does the work, only inside
``Budget.running()`` blocks: a stream whose steps run on different threads, with pauses
in between, pays for its steps and nothing else. A BLAS library may run a matmul on
threads of its own, which ``thread_time`` does not see; the server calls
``limit_blas_threads()`` once, so each request's NumPy work stays on its own thread and
is counted. Nothing here limits threads on import: a notebook keeps all its cores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from engine.errors import InputError
from engine.limits import MAX_CPU_SECONDS

__all__ = ["Budget", "CpuTimeError", "check", "current", "limit_blas_threads", "scope"]


class CpuTimeError(InputError):
    """The request used up its CPU budget (limit cpu_time)."""

    def __init__(self, message: str):
        super().__init__(message, "cpu_time")


def cpu_message(seconds: float, what: str = "the request", hint: str = "") -> str:
    """"<what> takes more than 2 s of CPU (limit cpu_time): <hint>"."""
    return f"{what} takes more than {seconds:g} s of CPU (limit cpu_time)" + (f": {hint}" if hint else "")


class Budget:
    """``seconds`` of CPU, counted on whichever threads run the work (see the module docstring).

    A budget with a ``parent`` is a share of it: work counts against both, and it is
    exceeded when either is (a race's own cap within its request's budget, say).
    """

    def __init__(self, seconds: float | None = None, parent: Budget | None = None):
        self.seconds = MAX_CPU_SECONDS if seconds is None else seconds
        self.parent = parent
        self.spent = 0.0  # CPU seconds of the running() blocks that have ended
        self._open: dict[int, list] = {}  # thread id -> [thread_time at entry, nesting depth]

    @contextmanager
    def running(self) -> Iterator[Budget]:
        """Count this thread's CPU while the block runs (nested blocks count once)."""
        ident = threading.get_ident()
        entry = self._open.get(ident)
        if entry is not None:
            entry[1] += 1
            try:
                yield self
            finally:
                entry[1] -= 1
            return
        outer = self.parent.running() if self.parent is not None else None
        if outer is not None:
            outer.__enter__()
        self._open[ident] = [time.thread_time(), 0]
        try:
            yield self
        finally:
            self.spent += time.thread_time() - self._open.pop(ident)[0]
            if outer is not None:
                outer.__exit__(None, None, None)

    def used(self) -> float:
        """CPU seconds so far, this thread's open block included."""
        entry = self._open.get(threading.get_ident())
        return self.spent + (time.thread_time() - entry[0] if entry is not None else 0.0)

    def remaining(self) -> float:
        """Seconds left here and in every parent (the smallest)."""
        left = self.seconds - self.used()
        return left if self.parent is None else min(left, self.parent.remaining())

    def exceeded(self) -> Budget | None:
        """The budget (this one or a parent) that is used up, else None."""
        if self.used() > self.seconds:
            return self
        return self.parent.exceeded() if self.parent is not None else None

    def check(self, what: str = "the request", hint: str = "") -> None:
        """Raise CpuTimeError (limit cpu_time) once the budget, or a parent's, is used up."""
        over = self.exceeded()
        if over is not None:
            raise CpuTimeError(cpu_message(over.seconds, what, hint))


_CURRENT: ContextVar[Budget | None] = ContextVar("backproplab_cpu_budget", default=None)


def current() -> Budget | None:
    """The budget in force here, if any."""
    return _CURRENT.get()


@contextmanager
def scope(seconds: float | None = None) -> Iterator[Budget]:
    """The budget in force (a new one of ``seconds`` when there is none), set for the
    block and counting this thread's CPU while it runs. Scopes nest: an inner one
    shares the outer's budget, so a top-level function may call another."""
    budget = _CURRENT.get()
    token = None
    if budget is None:
        budget = Budget(seconds)
        token = _CURRENT.set(budget)
    try:
        with budget.running():
            yield budget
    finally:
        if token is not None:
            _CURRENT.reset(token)


@contextmanager
def request_scope(seconds: float | None = None) -> Iterator[Budget]:
    """A new budget for one request, set for the block but not counting any CPU by
    itself: the engine's scopes inside it count the threads that do the work. For the
    server (an ASGI middleware wraps each request in one)."""
    budget = Budget(seconds)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def check(what: str = "the request", hint: str = "") -> None:
    """``current().check(...)``, when a budget is in force."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.check(what, hint)


_BLAS_LIMIT = None  # threadpoolctl's limiter, kept for the life of the process


def limit_blas_threads() -> None:
    """Hold BLAS (and OpenMP) to one thread, process-wide, for good.

    A server calls this once at start-up: each request's matrix products then run on
    the request's own thread, where ``thread_time`` counts them, and one request cannot
    take every core. (Concurrency comes from serving several requests at once.)"""
    global _BLAS_LIMIT
    if _BLAS_LIMIT is None:
        from threadpoolctl import threadpool_limits

        _BLAS_LIMIT = threadpool_limits(limits=1)
