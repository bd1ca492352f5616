"""Hostile input through every endpoint that reads a program or an expression: a 4xx in the
app's error format (a program's error with its line and column), never a 500, never a
hang; the budget and limit findings of issue 12, each through the real app."""

from __future__ import annotations

import json

import pytest

import engine.budget as budget_module
from engine.layout import MAX_DUMMIES
from tests.contract import parse_sse
from tests.fuzz.checks import cpu_budget, memory_budget

# (program, words in the message, line, column)
PROGRAMS = {
    "randn-1e309": ("z = randn(1e309)", "a shape must be a whole number", 1, 11),
    "int-400-digits": ("z = input(" + "9" * 400 + ")", "beyond float64's range", 1, 11),
    "int-300-digits-shape": ("z = randn(" + "9" * 300 + ")", "a size of 1e+300 is more than", 1, 5),
    "int-400-digits-exponent": ("x = input(2.0)\nz = x ** " + "9" * 400, "beyond float64's range", 2, 10),
    "2**10**400": ("z = input(2**10**400)", "node 'pow_1' (`10**400`) is not a finite number", 1, 14),
    "int-300-digits-seed": ("z = randn(3, seed=" + "9" * 300 + ")", "(limit seed)", 1, 5),
    "std-list": ("z = randn(3, std=[1, 2])", "std must be one finite number", 1, 18),
    "uniform-1e308": ("z = uniform(3, low=-1e308, high=1e308)", "uniform: low must be between", 1, 5),
    "axis-10**30": ("x = input([1.0, 2.0])\nz = sum(x, axis=10**30)", "axis must be written as a number", 2, 17),
    "axis-1e300": ("x = input([1.0])\nz = sum(x, axis=1e300)", "axis 1e+300 is out of range", 2, 17),
    "axis-of-a-scalar": ("x = input(1.0)\nz = sum(x, axis=0)", "a scalar has no axes", 2, 17),
    "std-negative": ("z = randn(3, std=-1)", "randn: std must be between 0 and 1e+06, got -1.0", 1, 5),
    "null-byte": ("z = input(1.0)\x00", "null character", 1, 15),
    "4400-digits": ("z = input(" + "9" * 4400 + ")", "more than 4,300 digits", 1, 1),
    "lists-65-deep": ("z = input(" + "[" * 65 + "1" + "]" * 65 + ")", "(limit max_dimensions)", 1, 27),
    "parentheses-4990-deep": ("z = " + "(" * 4990 + "1" + ")" * 4990, "too many nested parentheses", 1, 205),
    "minus-9990-times": ("z = " + "-" * 9990 + "1", "nested too deeply", 1, 1),
    "1e-400-over-0": ("z = input(1e-400)\nw = 1 / z", "is not a finite number", 2, 1),
    "0**-1": ("z = 0**-1", "is not a finite number", 1, 1),
    "x**1e308": ("x = input(2.0)\nz = x**1e308", "is not a finite number", 2, 1),
    "matmul-mismatch": ("a = input([1.0, 2.0])\nb = input([1.0, 2.0, 3.0])\nz = a @ b", "inner dimensions differ",
                        3, 5),
    "shadow-a-function": ("sum = input(1.0)", "is the name of a built-in", 1, 1),
    "param-of-param": ("z = param(param(1))", "not input() or param()", 1, 11),
    "keyword-to-exp": ("x = input(1.0)\nz = exp(x, axis=1)", "exp takes no keyword arguments", 2, 17),
    "unknown-name-after-é": ("é = input(1.0)\nz = é + q", "unknown name 'q'", 2, 9),
    "attribute": ("x = input(1.0)\nz = x.real", "not part of the language", 2, 5),
    "long-name-unknown": ("z = " + "a" * 5000, "unknown name", 1, 5),
}

# (expression, words) for the endpoints that take a custom surface
EXPRESSIONS = {
    "int-400-digits": ("x * " + "9" * 400, "beyond float64's range"),
    "helper-1e309": ("randn(1e309) + x", "randn(...) makes a tensor"),
    "240-ones": (" + ".join(["ones(1024, 1024)"] * 240) + " + x", "ones(...) makes a tensor"),
    "probes-after-costly-build": (" + ".join(["sum(exp(ones(1024, 1024)))"] * 40) + " + log(-1 - x*x)",
                                  "sum mixes elements"),
    "axis-10**30": ("sum(x, axis=10**30)", "sum mixes elements"),
    "nowhere-finite": ("log(-1 - x*x) + y", "is not a finite number"),
    "null-byte": ("x\x00", "null character"),
    "4400-digits": ("x + " + "9" * 4400, "more than 4,300 digits"),
    "unknown-name": ("x + q", "unknown name 'q'"),
    "lists": ("[x, y]", "lists are not allowed"),
}

DOMAIN = {"x": [-1.0, 1.0], "y": [-1.0, 1.0]}
SWEEP_AXES = {"x": {"name": "lr", "values": [0.01, 0.02]}, "y": {"name": "momentum", "values": [0.0, 0.5]}}


def answer(r, stream: bool) -> dict:
    """The error detail: the body's, or a stream's one `error` event's."""
    if stream:
        events = parse_sse(r.text)
        assert [name for name, _ in events] == ["error"], r.text[:300]
        return events[0][1]["detail"]
    return r.json()["detail"]


def send_program(client, endpoint: str, program: str):
    body = {"program": program}
    if endpoint == "GET /api/graph/trace/stream":
        return client.get("/api/graph/trace/stream", params=body), True
    if endpoint == "POST /api/graph/train":
        body = {**body, "optimizer": "sgd", "params": {"lr": 0.1}, "iterations": 2}
    method, path = endpoint.split()
    return client.request(method, path, json=body), path.endswith("/stream")


def send_expression(client, endpoint: str, expression: str):
    race = {"expression": expression, "start": [0.5, 0.5], "steps": 5, "runs": [{"optimizer": "sgd"}]}
    if endpoint == "POST /api/surfaces/grid":
        return client.post("/api/surfaces/grid", json={"expression": expression, "domain": DOMAIN, "n": 8}), False
    if endpoint == "POST /api/optimize/sweep":
        sweep = {**race, "optimizer": "momentum", "axes": SWEEP_AXES}
        del sweep["runs"]
        return client.post("/api/optimize/sweep", json=sweep), False
    if endpoint == "GET /api/optimize/stream":
        return client.get("/api/optimize/stream", params={"request": json.dumps(race)}), True
    method, path = endpoint.split()
    return client.request(method, path, json=race), path.endswith("/stream")


PROGRAM_ENDPOINTS = ["POST /api/graph/trace", "POST /api/graph/trace/stream", "GET /api/graph/trace/stream",
                     "POST /api/graph/gradcheck", "POST /api/graph/train"]
EXPRESSION_ENDPOINTS = ["POST /api/surfaces/grid", "POST /api/optimize", "POST /api/optimize/stream",
                        "GET /api/optimize/stream", "POST /api/optimize/sweep"]


@pytest.mark.parametrize("endpoint", PROGRAM_ENDPOINTS)
@pytest.mark.parametrize("case", PROGRAMS, ids=PROGRAMS)
def test_a_hostile_program_is_a_422_at_its_line_and_column(client, case, endpoint):
    program, words, line, column = PROGRAMS[case]
    r, stream = send_program(client, endpoint, program)
    assert r.status_code == 422, r.text[:300]
    detail = answer(r, stream)
    assert words in detail["message"], detail
    assert (detail["line"], detail["column"]) == (line, column), detail


@pytest.mark.parametrize("endpoint", EXPRESSION_ENDPOINTS)
@pytest.mark.parametrize("case", EXPRESSIONS, ids=EXPRESSIONS)
def test_a_hostile_expression_is_a_422_naming_what_is_wrong(client, case, endpoint):
    expression, words = EXPRESSIONS[case]
    r, stream = send_expression(client, endpoint, expression)
    assert r.status_code == 422, r.text[:300]
    detail = answer(r, stream)
    assert words in detail["message"], detail
    assert isinstance(detail["line"], int) and isinstance(detail["column"], int), detail


@pytest.mark.parametrize("path, body", [
    ("/api/optimize", {"surface": "quadratic", "runs": [{"optimizer": "sgd", "params": {"lr": "fast"}}]}),
    ("/api/optimize/stream", {"surface": "quadratic", "runs": [{"optimizer": "sgd", "params": {"lr": "fast"}}]}),
    ("/api/optimize/sweep", {"surface": "quadratic", "optimizer": "momentum", "params": {"lr": "fast"},
                             "axes": {**SWEEP_AXES, "x": {"name": "momentum", "values": [0.1]},
                                      "y": {"name": "nesterov", "values": [0.0]}}}),
    ("/api/graph/train", {"preset": "logreg", "optimizer": "sgd", "params": {"lr": "fast"}}),
])
def test_a_hyperparameter_that_is_not_a_number_is_named_once(client, path, body):
    """A union's last member once leaked: "runs.0.params.lr.bool: Input should be a valid boolean"."""
    r = client.post(path, json=body)
    assert r.status_code == 422
    message = r.json()["detail"]["message"]
    assert message.endswith('params.lr: Input should be a finite number, true or false, or a list of numbers; '
                            'got "fast"'), message


def test_a_list_hyperparameter_over_its_limit_still_names_the_limit(client):
    run = {"optimizer": "sgd", "params": {"lr": [0.1] * 1001}}
    detail = client.post("/api/optimize", json={"surface": "quadratic", "runs": [run]}).json()["detail"]
    assert detail["message"] == ("runs.0.params.lr: List should have at most 1000 items, not 1001 "
                                 "(limit runs.0.params.lr)")
    assert detail["limit"] == "runs.0.params.lr"


@pytest.mark.parametrize("path, body, field", [
    ("/api/graph/trace", {"program": "x = input(1.0)  # \ud800\nz = x"}, "program"),
    ("/api/graph/gradcheck", {"program": "x = param(1.0)\nz = x + '\udcff'"}, "program"),
    ("/api/surfaces/grid", {"expression": "x + '\ud800'", "domain": DOMAIN, "n": 8}, "expression"),
    ("/api/optimize", {"expression": "x + '\ud800'", "runs": [{"optimizer": "sgd"}]}, "expression"),
    ("/api/optimize/sweep", {"expression": "x # \ud800", "optimizer": "momentum", "axes": SWEEP_AXES}, "expression"),
])
def test_a_lone_surrogate_is_a_422_that_says_so(client, path, body, field):
    """JSON may escape a lone surrogate (\\ud800), which no UTF-8 encodes (the engine, for a
    notebook, says where it is: tests/engine/test_program.py)."""
    r = client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"]["message"] == (f"{field}: the text contains a character that is not valid Unicode "
                                             "(a lone surrogate, like \\ud800); delete it")


def test_a_long_sum_of_one_leaf_is_traced_with_few_bend_points(client):
    """`z = x + x + … + x` (499 terms) once took 2–3 s of layout before its 200."""
    r = client.post("/api/graph/trace", json={"program": "x = input(1.0)\nz = " + " + ".join(["x"] * 499)})
    assert r.status_code == 200
    doc = r.json()
    assert doc["loss"] == 499.0 and doc["grads"] == {"x": 499.0}
    assert sum(len(e["points"]) - 2 for e in doc["graph"]["edges"]) <= MAX_DUMMIES


def test_a_gradcheck_through_large_matmuls_answers_within_one_budget(client):
    """Three 1000×1000 matmuls once used 3.3 s of CPU (a 1 s budget of its own on top of the
    build's 2 s, and BLAS threads unseen): now it samples what the request's budget allows."""
    program = "x = param(randn(1000, 1000, std=0.03))\nz = sum(x @ x @ x @ x)"
    result = client.post("/api/graph/gradcheck", json={"program": program}).json()
    assert result["checked"] is True and 0 < result["coordinates_checked"] < 2_000
    assert result["max_rel_error"] == result["leaves"]["x"] < 1e-4


def test_a_gradcheck_that_checked_nothing_is_null_not_zero(client):
    result = client.post("/api/graph/gradcheck", json={"program": "x = param(1e-10)\nz = log(x)"}).json()
    assert result["max_rel_error"] is None and result["checked"] is False and result["leaves"] == {"x": None}
    assert "no leaf could be checked" in result["message"]


def test_a_training_run_of_costly_passes_stops_at_the_budget_not_250_steps_later(client, monkeypatch):
    """Each iteration is a 1000×1000 matmul: the run once checked its CPU every 250
    iterations (75 s of wall before its 422)."""
    monkeypatch.setattr(budget_module, "MAX_CPU_SECONDS", 0.3)  # the request's budget
    program = "x = input(randn(1000, 1000, std=0.03))\nw = param(randn(1000, 1))\nz = sum(x @ x @ w)"
    r = client.post("/api/graph/train", json={"program": program, "iterations": 1_500})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["limit"] == "cpu_time" and "takes more than 0.3 s of CPU" in detail["message"]


def test_the_engine_calls_of_one_request_share_one_budget(client, monkeypatch):
    """Parse, then trace: one budget, a new one for the next request."""
    import app.routers.graph as graph_router

    seen = []
    for name in ("parse_program", "trace"):
        real = getattr(graph_router, name)

        def spy(*args, real=real, **kwargs):
            seen.append(budget_module.current())
            return real(*args, **kwargs)

        monkeypatch.setattr(graph_router, name, spy)
    for k in range(2):  # two programs of their own: a cached answer would call no engine
        program = f"x = input({k + 0.123456})\ny = input(2.0)\nz = x * y * 7.654321"
        assert client.post("/api/graph/trace", json={"program": program}).status_code == 200
    assert len(seen) == 4 and seen[0] is seen[1] and seen[2] is seen[3] and seen[0] is not seen[2]
    assert seen[0] is not None and seen[0].spent > 0


def test_a_request_over_budget_is_a_422_naming_cpu_time_with_its_place(client, monkeypatch):
    monkeypatch.setattr(budget_module, "MAX_CPU_SECONDS", -1.0)
    program = "x = input(1.0)\ny = exp(x) * 3.14159265"  # bodies no other test sends (nothing cached)
    detail = client.post("/api/graph/trace", json={"program": program}).json()["detail"]
    assert detail["limit"] == "cpu_time" and (detail["line"], detail["column"]) == (1, 11)
    for path, body in [("/api/surfaces/grid", {"expression": "x*y*3.14159265", "domain": DOMAIN, "n": 8}),
                       ("/api/optimize", {"surface": "quadratic", "start": [0.314159265, 1.0],
                                          "runs": [{"optimizer": "sgd"}]}),
                       ("/api/init/deep", {"depth": 2, "width": 4, "samples": 3, "seed": 314159265})]:
        r = client.post(path, json=body)
        assert r.status_code == 422 and r.json()["detail"]["limit"] == "cpu_time", (path, r.text)


def broadcast_matmul(n: int) -> str:
    """3·n² numbers in its leaves, n² in its output, but n³ in each gradient's batched product."""
    return f"a = param(randn({n},1,1,{n}))\nb = param(randn(1,{n},{n},1, seed=1))\nc = a @ b\nl = sum(c)"


@pytest.mark.parametrize("endpoint", PROGRAM_ENDPOINTS)
def test_a_broadcast_matmul_is_refused_before_its_work_in_milliseconds_and_megabytes(client, endpoint):
    """At n = 464 it once took 3.5–4.8 s of CPU and +1.5 GB before its cpu_time 422; n = 1,000
    would have needed about 16 GB: the VJP's batched product counts against max_elements."""
    # the two 10⁶-number leaves (16 MB) are drawn first
    with memory_budget(endpoint, budget=50 * 2**20), cpu_budget(endpoint, budget=0.25):
        r, stream = send_program(client, endpoint, broadcast_matmul(1000))
    assert r.status_code == 422, r.text[:300]
    detail = answer(r, stream)
    assert detail["limit"] == "max_elements" and (detail["line"], detail["column"]) == (3, 5), detail
    assert "(1000, 1000, 1, 1000)" in detail["message"] and "1,000,000,000 elements" in detail["message"], detail


@pytest.mark.parametrize("program, shape", [
    ("a = input(randn(2000, 1))\nb = input(randn(1, 2000))\nz = mse(a, b)", "(2000, 2000)"),  # a scalar loss
    ("a = param(randn(2000, 1))\nt = input(uniform(1, 2000))\nz = bce(sigmoid(a), t)", "(2000, 2000)"),
])
def test_a_loss_of_broadcast_operands_counts_their_broadcast_shape(client, program, shape):
    r = client.post("/api/graph/trace", json={"program": program})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["limit"] == "max_elements" and shape in detail["message"], detail


def test_a_broadcast_matmul_within_the_limits_still_differentiates(client):
    """(5, 1, 1, 4) @ (1, 3, 4, 1): a batch of 15 dot products, each gradient summed back."""
    program = "a = param(randn(5,1,1,4))\nb = param(randn(1,3,4,1, seed=1))\nl = sum(a @ b)"
    result = client.post("/api/graph/gradcheck", json={"program": program}).json()
    assert result["checked"] is True and result["max_rel_error"] < 1e-6
