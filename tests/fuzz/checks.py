"""What every answer to hostile input must be, written once for the fuzz tests.

- never a 5xx;
- a 4xx is JSON ``{"detail": {"message": str, ...}}`` (a stream's may instead be one
  ``error`` event carrying that detail: the pages' event reader takes either);
- a 200 is JSON (or events of JSON) that a strict parser reads: no NaN or Infinity;
- each answer within its budget: the server's CPU seconds for one request (all of the
  process's threads: the app runs in the TestClient's portal thread and NumPy may use
  BLAS threads) stay under CPU_BUDGET, the 2 s limit of docs/DESIGN.md plus a margin for a
  loaded machine. CPU time, not wall time: a busy machine slows the wall clock, not this.
  Where asked, its peak memory too (MEMORY_BUDGET): the element limits bound what one
  request allocates.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass

from engine.limits import MAX_CPU_SECONDS
from tests.contract import parse_sse

CPU_BUDGET = MAX_CPU_SECONDS + 0.5
# max_total_elements' 40 MB of values, a few op-sized scratch arrays of max_elements (8 MB
# each) and a trace's JSON: far below what an unbounded broadcast took (gigabytes).
MEMORY_BUDGET = 256 * 2**20


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def strict_loads(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (Python's own json accepts them)."""
    return json.loads(text, parse_constant=_refuse_constant)


def parse_events(text: str) -> list[tuple[str, object]]:
    """An event-stream body as (event, data) pairs, each data read by strict_loads."""
    return parse_sse(text, loads=strict_loads)


@dataclass
class Cpu:
    seconds: float = 0.0


@contextmanager
def cpu_budget(what: str, budget: float = CPU_BUDGET):
    """Assert the block uses at most ``budget`` CPU seconds (all threads of this process)."""
    spent = Cpu()
    start = time.process_time()
    yield spent
    spent.seconds = time.process_time() - start
    assert spent.seconds <= budget, f"{what} took {spent.seconds:.2f} s of CPU (budget {budget:g} s)"


def _proc_status_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_peak_rss() -> bool:
    """Linux's "5" in clear_refs resets the process's peak resident set (VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


@contextmanager
def memory_budget(what: str, budget: int = MEMORY_BUDGET):
    """Assert the block's peak memory grows the process by at most ``budget`` bytes: its peak
    resident set on Linux (every thread's arrays, BLAS's included, at no cost to the CPU
    measured beside it), else tracemalloc's peak (which NumPy reports to, but which slows
    every allocation)."""
    if _reset_peak_rss():
        before = _proc_status_bytes("VmRSS")
        yield
        grew = _proc_status_bytes("VmHWM") - before
    else:
        tracemalloc.start()
        try:
            yield
            grew = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert grew <= budget, f"{what} grew the process by {grew / 2**20:.0f} MB at its peak (budget {budget / 2**20:.0f} MB)"


def content_type(response) -> str:
    """The Content-Type of an httpx response, or of a schemathesis one (whose header values are lists)."""
    value = response.headers.get("content-type") or ""
    return value[0] if isinstance(value, list) else value


def check_detail(detail, where: str) -> None:
    """The app's error detail: a dict with a non-empty message string."""
    assert isinstance(detail, dict), f"{where}: detail is not an object: {detail!r}"
    assert isinstance(detail.get("message"), str) and detail["message"].strip(), f"{where}: no message in {detail!r}"
    if "limit" in detail:
        assert isinstance(detail["limit"], str) and detail["limit"], f"{where}: empty limit in {detail!r}"
    for key in ("line", "column"):
        if detail.get(key) is not None:
            assert isinstance(detail[key], int) and detail[key] >= 1, f"{where}: {key} is not 1-based in {detail!r}"


def check_json_answer(response, where: str):
    """A JSON endpoint's answer: 200 with strict JSON, or a 4xx in the error format. Returns the body."""
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    text = response.text
    try:
        body = strict_loads(text)
    except ValueError as exc:
        raise AssertionError(f"{where}: {response.status_code} answer is not strict JSON ({exc}): {text[:300]}") from None
    if response.status_code >= 400:
        assert isinstance(body, dict) and set(body) == {"detail"}, f"{where}: error body {text[:300]}"
        check_detail(body["detail"], where)
    else:
        assert response.status_code in (200, 201, 202), f"{where}: {response.status_code}"
    return body


def check_stream_answer(response, where: str, last: str = "done"):
    """A stream's answer: 200 with events of strict JSON ending in ``last`` (or in an
    ``error`` event); or a 422 with one ``error`` event, or a JSON error (the schema's
    refusal, before any stream starts). Returns the events, or the JSON error body."""
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    if content_type(response).startswith("application/json"):
        assert response.status_code >= 400, f"{where}: a 200 stream answered JSON"
        return check_json_answer(response, where)
    try:
        events = parse_events(response.text)
    except ValueError as exc:
        raise AssertionError(f"{where}: an event is not strict JSON ({exc}): {response.text[:300]}") from None
    if response.status_code >= 400:
        assert response.status_code == 422, f"{where}: {response.status_code}"
        assert [name for name, _ in events] == ["error"], f"{where}: events {[n for n, _ in events]}"
        check_detail(events[0][1].get("detail"), where)
    else:
        # A 200 stream ends with `last`, or with one `error` event when a limit (the CPU
        # budget of a race) is met half-way, after the status line has gone.
        assert response.status_code == 200, where
        names = [name for name, _ in events]
        assert names and names[-1] in (last, "error"), f"{where}: the stream ends with {names[-1:]}"
        assert "error" not in names[:-1], f"{where}: events after an error event: {names}"
        if names[-1] == "error":
            check_detail(events[-1][1].get("detail"), where)
    return events
