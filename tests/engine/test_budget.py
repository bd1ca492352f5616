"""One CPU budget per request (engine.budget): every phase of the work draws from it, none
starts a fresh allowance, and work that could run long checks it as it goes.

CPU is measured by ``time.thread_time``; where a test needs to know what was counted it
replaces that clock with a fake one, so nothing here depends on how fast the machine is.
A budget of -1 s is used up before any work starts: a phase that checks it fails at
once, so a test can tell which phases check the budget in force.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import engine.budget as budget_module
import engine.runner as runner_module
import engine.surfaces as surfaces_module
from app.race_stream import race_events
from engine import EvaluationError, InputError, ProgramError, gradcheck, parse_expression, parse_program, trace
from engine.budget import Budget, CpuTimeError, scope
from engine.deepnet import deep_network
from engine.layout import MAX_DUMMIES, layered_layout
from engine.limits import MAX_TOTAL_ELEMENTS
from engine.races import race, sweep
from engine.runner import Run
from engine.surfaces import SurfaceFunction, grid
from engine.training import train

gradcheck_module = importlib.import_module("engine.gradcheck")  # `engine.gradcheck` is also the function
ROOT = Path(__file__).resolve().parents[2]
USED_UP = -1.0  # seconds: a budget that any check finds exceeded


class FakeClock:
    """thread_time per thread, advanced by hand."""

    def __init__(self):
        self.now: dict[int, float] = {}

    def thread_time(self) -> float:
        return self.now.get(threading.get_ident(), 0.0)

    def spend(self, seconds: float) -> None:
        ident = threading.get_ident()
        self.now[ident] = self.now.get(ident, 0.0) + seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(budget_module.time, "thread_time", fake.thread_time)
    return fake


# --- the Budget itself -----------------------------------------------------------------


def test_a_budget_counts_cpu_only_inside_running_blocks_and_nested_blocks_once(clock):
    b = Budget(2.0)
    clock.spend(5.0)  # before: not this budget's
    with b.running():
        clock.spend(0.5)
        with b.running():
            clock.spend(0.25)
        assert b.used() == 0.75
    clock.spend(5.0)  # between blocks (another request's work on this thread): not counted
    with b.running():
        clock.spend(0.5)
    assert b.spent == 1.25 and b.remaining() == 0.75 and b.exceeded() is None


def test_a_budget_adds_up_the_threads_that_run_its_work(clock):
    """A stream's steps run on the thread pool's threads, one after another."""
    b = Budget(2.0)

    def step():
        with b.running():
            clock.spend(0.75)

    for _ in range(3):
        worker = threading.Thread(target=step)
        worker.start()
        worker.join()
    assert b.spent == 2.25
    with pytest.raises(CpuTimeError) as info:
        b.check("the race", "use fewer steps")
    assert info.value.limit == "cpu_time"
    assert info.value.message == "the race takes more than 2 s of CPU (limit cpu_time): use fewer steps"


def test_a_share_of_a_budget_charges_its_parent_and_is_exceeded_with_it(clock):
    parent = Budget(1.0)
    child = Budget(10.0, parent=parent)
    with child.running():
        clock.spend(1.5)
    assert parent.spent == child.spent == 1.5
    assert child.exceeded() is parent and child.remaining() == -0.5


def test_scopes_nest_into_one_budget_and_leave_none_behind():
    assert budget_module.current() is None
    with scope(5.0) as outer, scope() as inner:
        assert inner is outer and budget_module.current() is outer
    assert budget_module.current() is None
    with scope() as fresh:
        assert fresh is not outer and fresh.seconds == budget_module.MAX_CPU_SECONDS


# --- every phase checks the budget in force (none starts its own) ------------------------

PROGRAM = "x = input([1.0, 2.0])\nw = param([0.5, -0.3])\ny = sigmoid(w @ x)"


@pytest.mark.parametrize("phase, call", [
    ("parse", lambda: parse_program(PROGRAM)),
    ("custom surface", lambda: SurfaceFunction("x**2 + y**2", [(1.0, 1.0)])),
    ("grid", lambda: grid("x**2 + y**2", ((0.0, 1.0), (0.0, 1.0)), 8)),
    ("race", lambda: race("x**2 + y**2", (1.0, 1.0), 10, [Run("sgd")])),
    ("sweep", lambda: sweep("x**2 + y**2", (1.0, 1.0), 10, "momentum", {},
                            {"x": ("lr", [0.1]), "y": ("momentum", [0.5])})),
    ("init/deep", lambda: deep_network(3, 4, "tanh", "glorot_normal", samples=2)),
])
def test_each_phase_draws_from_the_budget_in_force(phase, call):
    call()  # on its own budget: fine
    with scope(USED_UP), pytest.raises(InputError) as info:
        call()
    assert info.value.limit == "cpu_time", phase


def test_a_graphs_layout_trace_gradcheck_and_training_draw_from_it():
    graph = parse_program(PROGRAM)
    for call in (lambda: layered_layout(graph), lambda: trace(graph), lambda: gradcheck(graph),
                 lambda: train(graph, Run("sgd", {"lr": 0.1}), iterations=3)):
        with scope(USED_UP), pytest.raises(InputError) as info:
            call()
        assert info.value.limit == "cpu_time"


def test_a_program_over_budget_is_a_program_error_at_its_place():
    with scope(USED_UP), pytest.raises(ProgramError) as info:
        parse_program("x = input(1.0)\ny = exp(x)")
    assert info.value.limit == "cpu_time" and (info.value.line, info.value.column) == (1, 11)  # at `1.0`
    assert "the program takes more than -1 s of CPU (limit cpu_time)" in info.value.message


def test_a_stream_charges_its_steps_to_the_budget_it_was_made_in():
    """race_events returns before the loop runs; the steps, read later on another thread,
    still draw from the request's budget (and fail with it)."""
    with scope(100.0) as b:
        events = race_events("x**2 + y**2", (1.0, 1.0), 2_000, [Run("sgd", {"lr": 0.001})])
    before = b.spent
    done = []
    reader = threading.Thread(target=lambda: done.extend(events))
    reader.start()
    reader.join()
    assert done[-1][0] == "done" and b.spent > before
    with scope(100.0) as b:
        events = race_events("x**2 + y**2", (1.0, 1.0), 2_000, [Run("sgd", {"lr": 0.001})])
    b.seconds = USED_UP
    assert list(events)[-1][1]["detail"]["limit"] == "cpu_time"


def test_a_run_checks_the_budget_after_its_first_iteration_not_after_a_chunk(monkeypatch):
    """A training run of costly passes once checked every 250 iterations (minutes of CPU)."""
    monkeypatch.setattr(runner_module, "MAX_CPU_SECONDS", 0.0)
    graph = parse_program("w = param([1.0, 2.0])\nz = sum(w * w)")
    with pytest.raises(CpuTimeError) as info:  # the budget's own error, not the language's
        train(graph, Run("sgd", {"lr": 0.01}), iterations=1_000)
    assert info.value.limit == "cpu_time" and "stopped after 0 of 1,000 steps" in info.value.message


# --- a custom surface: one build, no tensors, memory bounded -----------------------------


def test_a_surface_is_built_once_however_many_probes_fail(monkeypatch):
    """The grid probes 26 points; it once rebuilt the expression at each, each with a fresh
    2 s deadline (33 s of CPU for one request)."""
    builds = []
    real = surfaces_module.parse_expression

    def counting(*args, **kwargs):
        builds.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(surfaces_module, "parse_expression", counting)
    with pytest.raises(EvaluationError) as info:
        grid("log(-1 - x*x)", ((-1.0, 1.0), (-1.0, 1.0)), 4)
    assert len(builds) == 1
    assert info.value.message.startswith("at (0, 0): node 'log_1' (`log(-1 - x*x)`) is not a finite number")


def test_a_surface_finite_at_a_later_probe_is_built_there():
    f = SurfaceFunction("log(x) + y", [(-1.0, 0.0), (2.0, 3.0)])
    loss, grad = f(np.array([[2.0, 3.0], [1.0, 0.0]]))
    np.testing.assert_allclose(loss, [np.log(2.0) + 3.0, 0.0])
    np.testing.assert_allclose(grad, [[0.5, 1.0], [1.0, 1.0]])


def test_a_surface_refuses_tensors_before_making_any():
    """240 × ones(1024, 1024) once held 1.2 GB before the surface was refused."""
    text = " + ".join(["ones(1024, 1024)"] * 240) + " + x"
    with pytest.raises(ProgramError) as info:
        SurfaceFunction(text, [(0.0, 0.0)])
    assert info.value.message == "ones(...) makes a tensor; a surface uses only x, y and numbers"
    assert (info.value.line, info.value.column) == (1, 1)


def test_an_expression_holds_at_most_max_total_elements_in_all():
    """parse_expression (a notebook may call it with helpers) has a program's total cap."""
    xy = {"x": np.zeros(3), "y": np.zeros(3)}
    with pytest.raises(ProgramError) as info:
        parse_expression(" + ".join(["ones(1000, 1000)"] * 6) + " + x", xy)
    assert info.value.limit == "max_total_elements"


def test_a_grid_is_evaluated_in_blocks_that_keep_within_the_total(monkeypatch):
    monkeypatch.setattr(surfaces_module, "MAX_TOTAL_ELEMENTS", 60_000)
    held = []
    real = SurfaceFunction.values

    def values(self, x, y):
        out = real(self, x, y)
        held.append(sum(np.size(n.value) for n in self.graph.nodes))
        return out

    monkeypatch.setattr(SurfaceFunction, "values", values)
    expression = " + ".join(f"sin(x*{k} + y)" for k in range(1, 21))  # 101 nodes
    g = grid(expression, ((0.0, 1.0), (0.0, 1.0)), 256)
    assert len(held) > 1 and max(held) <= 60_000  # blocks of two rows: 101 nodes × 512 points at most
    x, y = np.meshgrid(g["x"], g["y"])
    np.testing.assert_allclose(g["z"], sum(np.sin(x * k + y) for k in range(1, 21)), rtol=1e-12)
    assert MAX_TOTAL_ELEMENTS == 5_000_000


# --- the layout ---------------------------------------------------------------------------


def test_a_long_chain_of_one_leaf_is_laid_out_with_few_bend_points():
    """`z = x + x + … + x` (499 terms) once needed 124,000 dummies and 2–3 s to lay out."""
    graph = parse_program("x = input(1.0)\nz = " + " + ".join(["x"] * 499))
    positions, edges = layered_layout(graph)
    assert len(positions) == len(graph.nodes) == 499 and len(edges) == 2 * 498
    assert sum(len(e["points"]) - 2 for e in edges) <= MAX_DUMMIES
    for edge in edges:  # still left to right, ending where the nodes are
        layers = [p[0] for p in edge["points"]]
        assert layers == sorted(layers) and layers[0] < layers[-1]
        assert edge["points"][0] == list(positions[edge["source"]])
        assert edge["points"][-1] == list(positions[edge["target"]])
    doc = trace(graph)
    assert doc["loss"] == 499.0 and doc["grads"]["x"] == 499.0


# --- the gradient check ---------------------------------------------------------------------


def test_a_gradcheck_that_checked_nothing_says_so_rather_than_pass():
    """log at 1e-10 with h = 1e-6: every nudge leaves the domain. It once answered 0.0."""
    result = gradcheck(parse_program("x = param(1e-10)\nz = log(x)"))
    assert result["max_rel_error"] is None and result["checked"] is False
    assert result["leaves"] == {"x": None}
    assert "not finite" in result["message"]


def test_a_gradcheck_out_of_time_checks_fewer_coordinates_and_says_so(monkeypatch):
    monkeypatch.setattr(gradcheck_module, "GRADCHECK_CPU_SECONDS", 0.0)
    result = gradcheck(parse_program(PROGRAM))
    assert result == {"max_rel_error": None, "checked": False, "leaves": {"x": None, "w": None},
                      "coordinates_checked": 0,
                      "message": "no coordinate could be checked within the CPU budget: use smaller tensors"}


def test_a_gradcheck_that_checks_reports_its_largest_error():
    result = gradcheck(parse_program(PROGRAM))
    assert result["checked"] is True and "message" not in result
    assert result["coordinates_checked"] == 4
    assert result["max_rel_error"] == max(result["leaves"].values()) < 1e-8


# --- BLAS threads ---------------------------------------------------------------------------

BLAS_THREADS = """
import json, threadpoolctl
import numpy
before = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
import engine, app.schemas.optimize
after_import = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
engine.budget.limit_blas_threads()
limited = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
print(json.dumps([before, after_import, limited]))
"""


def test_blas_is_held_to_one_thread_only_when_asked():
    """So thread_time sees a request's matmuls (BLAS's own threads once escaped it: a
    gradient check of 3.3 s of CPU in 1.8 s of wall); importing the engine changes nothing."""
    out = subprocess.run([sys.executable, "-c", BLAS_THREADS], capture_output=True, text=True, check=True, cwd=ROOT)
    before, after_import, limited = json.loads(out.stdout)
    assert before and after_import[: len(before)] == before  # (SciPy may bring a BLAS of its own)
    assert limited == [1] * len(after_import)
