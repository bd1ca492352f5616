"""The graph endpoints through the real app, against the design's contract."""

from __future__ import annotations

import numpy as np
import pytest

from engine import PRESETS
from tests.contract import parse_sse


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["version"]


def test_presets_list_the_lecture_graphs(client):
    presets = client.get("/api/presets").json()
    assert {"mul", "logreg", "relu_layer", "colah", "mlp", "deep_linear"} <= {p["id"] for p in presets}
    for p in presets:
        assert set(p) == {"id", "title", "description", "program"}
        assert len(p["description"]) > 80


def test_trace_of_colah_follows_the_contract(client):
    r = client.post("/api/graph/trace", json={"preset": "colah"})
    assert r.status_code == 200
    t = r.json()
    nodes = t["graph"]["nodes"]
    assert t["graph"]["output"] == "e"
    for node in nodes:
        assert {"id", "op", "kind", "inputs", "shape"} <= set(node)
        assert node["kind"] in ("input", "param", "const", "op")
    order = [n["id"] for n in nodes]
    assert [f["node"] for f in t["forward"]] == order
    assert [b["node"] for b in t["backward"]] == order[::-1]
    assert t["grads"] == {"a": 2.0, "b": 5.0}
    assert t["loss"] == 6.0


def test_rule_replaces_local_for_matrix_ops(client):
    t = client.post("/api/graph/trace", json={"preset": "logreg"}).json()
    u = next(b for b in t["backward"] if b["node"] == "u")
    assert [to["local"] for to in u["to"]] == [None, None]
    assert u["to"][0]["rule"] == "dL/dw = dL/du · xᵀ"
    y = next(b for b in t["backward"] if b["node"] == "y")
    assert y["to"][0]["local"] == pytest.approx(0.25)  # σ'(0) = y(1 − y) = 0.25


def test_trace_of_program_text(client):
    r = client.post("/api/graph/trace", json={"program": "x = param([1.0, -2.0])\ny = sum(x * x)"})
    assert r.json()["grads"] == {"x": [2.0, -4.0]}


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_stream_agrees_with_post(client, preset):
    post = client.post("/api/graph/trace", json={"preset": preset}).json()
    r = client.get("/api/graph/trace/stream", params={"preset": preset})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    names = [name for name, _ in events]
    n = len(post["graph"]["nodes"])
    assert names == ["graph"] + ["forward"] * n + ["backward"] * n + ["done"]
    assert events[0][1] == post["graph"]
    assert [d for name, d in events if name == "forward"] == post["forward"]
    assert [d for name, d in events if name == "backward"] == post["backward"]
    assert events[-1][1] == {"grads": post["grads"], "loss": post["loss"]}


def test_stream_accepts_post_with_a_long_program(client):
    note = "  # a comment long enough that the program would not fit in a URL" * 1
    program = "x = input(1.0)\n" + "".join(f"y{i} = x * {i}.0{note}\n" for i in range(120)) + "z = y1 + y2"
    assert len(program) > 8_000
    r = client.post("/api/graph/trace/stream", json={"program": program})
    assert r.status_code == 200
    assert parse_sse(r.text)[-1][1]["grads"] == {"x": 3.0}


def test_stream_error_event(client):
    r = client.get("/api/graph/trace/stream", params={"program": "x = input(1.0)\ny = sigmod(x)"})
    assert r.status_code == 422
    [(name, data)] = parse_sse(r.text)
    assert name == "error"
    assert data["detail"]["line"] == 2 and data["detail"]["column"] == 5


def test_gradcheck(client):
    r = client.post("/api/graph/gradcheck", json={"preset": "mlp"})
    assert r.status_code == 200
    body = r.json()
    assert body["max_rel_error"] < 1e-6
    assert set(body["leaves"]) == {"X", "T", "W1", "b1", "W2", "b2"}


@pytest.mark.parametrize(
    "body, words",
    [
        ({"program": "x = input(1.0)\nz = x *"}, "syntax error"),
        ({"program": "x = input([1.0, 2.0])\nz = x @ input([1.0])"}, "shape mismatch"),
        ({"program": "x = input(0.0)\ny = log(x)"}, "not a finite number"),
        ({"program": "x = input(1.0)", "preset": "colah"}, "not both"),
        ({}, "either"),
        ({"program": 12}, "string"),
        ({"program": "x = param(zeros(2000, 1000))"}, "max_elements"),
        ({"program": "x = input(1.0)\n" + " " * 10_001}, "program"),
    ],
)
def test_bad_programs_are_422_with_a_message(client, body, words):
    for path in ("/api/graph/trace", "/api/graph/gradcheck"):
        r = client.post(path, json=body)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert words in detail["message"], detail


def test_program_errors_carry_line_and_column(client):
    r = client.post("/api/graph/trace", json={"program": "a = input(1.0)\nb = a + q"})
    assert r.json()["detail"] == {"message": "unknown name 'q'", "line": 2, "column": 9}


def test_limit_errors_name_the_limit(client):
    r = client.post("/api/graph/trace", json={"program": "x" * 10_001})
    assert r.status_code == 422 and r.json()["detail"]["limit"] == "program"
    r = client.post("/api/graph/trace", json={"program": "x = param(zeros(2000, 1000))"})
    assert r.json()["detail"]["limit"] == "max_elements"


def test_unknown_preset_is_404(client):
    r = client.post("/api/graph/trace", json={"preset": "nope"})
    assert r.status_code == 404 and "colah" in r.json()["detail"]["message"]


def test_malformed_json_is_422(client):
    r = client.post("/api/graph/trace", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"]["message"]


def test_random_and_malformed_programs_never_500(client):
    """1,000 programs built from the language's pieces, most of them broken."""
    rng = np.random.default_rng(0)
    pieces = ["x", "y", "w", "1", "2.5", "-3", "[1, 2]", "[[1, 2], [3, 4]]", "(", ")", "+", "-", "*", "/", "**",
              "@", "sigmoid(", "log(", "sum(", "softmax(", "bce(", "cross_entropy(", "input(", "param(", "glorot(",
              ",", "axis=", "seed=", "=", "\n", "#", "1e308", "0", "exp(", "max(", "transpose(", "mse(", "eye("]
    prefix = "x = input([1.0, 2.0])\nw = param([0.5, -0.3])\ny = input(2.0)\n"
    for _ in range(1000):
        body = "".join(rng.choice(pieces, size=rng.integers(1, 15)))
        program = prefix + f"z = {body}" if rng.random() < 0.7 else body
        r = client.post("/api/graph/trace", json={"program": program})
        assert r.status_code in (200, 404, 422), (program, r.status_code, r.text)
        if r.status_code == 200:
            assert "NaN" not in r.text and "Infinity" not in r.text


def test_train_returns_losses_the_last_update_and_the_trace_at_the_trained_values(client):
    body = {"preset": "logreg", "optimizer": "sgd", "params": {"lr": 0.5}, "iterations": 5}
    r = client.post("/api/graph/train", json=body)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["iteration"] == 5 and len(result["losses"]) == 6 and result["lr"] == [0.5] * 5
    assert result["trace"]["loss"] == pytest.approx(result["losses"][-1], rel=1e-14)
    w = result["updates"]["w"]
    assert w["after"] == pytest.approx([b - 0.5 * g for b, g in zip(w["before"], w["grad"])], rel=1e-14)
    assert result["trace"]["forward"][[f["node"] for f in result["trace"]["forward"]].index("w")]["value"] == w["after"]
    again = client.post("/api/graph/train", json={**body, "iterations": 4}).json()
    assert again["losses"] == result["losses"][:5]  # stateless: iteration N is recomputed the same way


@pytest.mark.parametrize("body, words", [
    ({"preset": "logreg", "optimizer": "nope"}, "unknown optimizer"),
    ({"preset": "logreg", "params": {"lr": -1}}, "lr"),
    ({"preset": "logreg", "iterations": 10_001}, "limit iterations"),
    ({"program": "x = input(1.0)\ny = x * x"}, "no param"),
])
def test_bad_train_requests_are_422(client, body, words):
    r = client.post("/api/graph/train", json=body)
    assert r.status_code == 422 and words in r.json()["detail"]["message"]
