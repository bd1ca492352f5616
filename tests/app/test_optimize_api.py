"""Surfaces, optimizers, races (JSON and stream) and sweeps through the real app."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine.runner as runner_module
from tests.contract import DESIGN_SURFACES, parse_sse


def no_nan(text: str) -> bool:
    return "NaN" not in text and "Infinity" not in text


def race_request(**kw) -> dict:
    body = {
        "surface": "rosenbrock",
        "start": [-1.5, 2.0],
        "steps": 600,
        "runs": [
            {"optimizer": "sgd", "params": {"lr": 1.0}, "label": "SGD big"},
            {"optimizer": "momentum", "params": {"lr": 0.001}},
            {"optimizer": "adam", "params": {"lr": 0.05}, "schedule": {"name": "cosine", "period": 300}},
        ],
        "noise": {"std": 0.1, "seed": 3},
    }
    body.update(kw)
    return body


# --- surfaces ----------------------------------------------------------------------


def test_surfaces_list(client):
    r = client.get("/api/surfaces")
    assert r.status_code == 200
    surfaces = {s["id"]: s for s in r.json()}
    assert set(surfaces) >= DESIGN_SURFACES
    for s in surfaces.values():
        assert {"id", "title", "expression", "domain", "minima", "start"} <= set(s)
        (x_lo, x_hi), (y_lo, y_hi) = s["domain"]["x"], s["domain"]["y"]
        assert x_lo <= s["start"][0] <= x_hi and y_lo <= s["start"][1] <= y_hi
    assert surfaces["rosenbrock"]["minima"] == [[1.0, 1.0]]
    assert surfaces["saddle"]["minima"] == []


def test_grid_of_rosenbrock_is_z_i_j_f_of_x_j_y_i(client):
    r = client.get("/api/surfaces/rosenbrock/grid", params={"n": 7})
    assert r.status_code == 200
    g = r.json()
    assert g["x"] == pytest.approx(np.linspace(-2, 2, 7).tolist())
    assert g["y"] == pytest.approx(np.linspace(-1, 3, 7).tolist())
    for i, y in enumerate(g["y"]):
        for j, x in enumerate(g["x"]):
            assert g["z"][i][j] == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2, rel=1e-12)
    assert g["z"][3][3] == 101.0  # f(0, 1) = 1² + 100·1²


def test_grid_default_size(client):
    g = client.get("/api/surfaces/himmelblau/grid").json()
    assert len(g["x"]) == len(g["y"]) == 200
    assert np.shape(g["z"]) == (200, 200)


def test_grid_of_an_unknown_surface_is_404_listing_the_ids(client):
    r = client.get("/api/surfaces/banana/grid")
    assert r.status_code == 404
    message = r.json()["detail"]["message"]
    assert "banana" in message and "rosenbrock" in message and "goldstein_price" in message


@pytest.mark.parametrize("n, limit", [(1025, "n"), (1, "n")])
def test_grid_size_limits(client, n, limit):
    r = client.get("/api/surfaces/rosenbrock/grid", params={"n": n})
    assert r.status_code == 422
    assert f"(limit {limit})" in r.json()["detail"]["message"]


def test_custom_grid(client):
    body = {"expression": "x - 2*y", "domain": {"x": [0, 1], "y": [0, 2]}, "n": 3}
    r = client.post("/api/surfaces/grid", json=body)
    assert r.status_code == 200
    assert r.json() == {"x": [0.0, 0.5, 1.0], "y": [0.0, 1.0, 2.0], "z": [[0, 0.5, 1], [-2, -1.5, -1], [-4, -3.5, -3]]}


def test_custom_grid_writes_null_where_f_is_not_finite(client):
    body = {"expression": "log(x)", "domain": {"x": [-1, 1], "y": [0, 1]}, "n": 3}
    r = client.post("/api/surfaces/grid", json=body)
    assert r.status_code == 200 and no_nan(r.text)
    assert r.json()["z"] == [[None, None, 0.0]] * 3


@pytest.mark.parametrize(
    "body, words",
    [
        ({"expression": "x +", "domain": {"x": [0, 1], "y": [0, 1]}}, "syntax error"),
        ({"expression": "sum(x)", "domain": {"x": [0, 1], "y": [0, 1]}}, "mixes elements"),
        ({"expression": "x", "domain": {"x": [1, 0], "y": [0, 1]}}, "low < high"),
        ({"expression": "x", "domain": {"x": [0, 1], "y": [0, 1]}, "N": 3}, "unknown key 'N' (did you mean 'n'?)"),
    ],
)
def test_custom_grid_errors(client, body, words):
    r = client.post("/api/surfaces/grid", json=body)
    assert r.status_code == 422
    assert words in r.json()["detail"]["message"]


def test_custom_grid_error_has_line_and_column(client):
    r = client.post("/api/surfaces/grid", json={"expression": "x + zz", "domain": {"x": [0, 1], "y": [0, 1]}})
    detail = r.json()["detail"]
    assert (detail["line"], detail["column"]) == (1, 5)


# --- races -------------------------------------------------------------------------


def test_sgd_race_by_hand(client):
    run = {"optimizer": "sgd", "params": {"lr": 0.01}}
    body = {"surface": "quadratic", "start": [-4.5, 2.0], "steps": 3, "runs": [run]}
    r = client.post("/api/optimize", json=body)
    assert r.status_code == 200
    [run] = r.json()["runs"]
    # ½x² + 10y²: ∇ = (x, 20y); each step multiplies x by 0.99 and y by 0.8.
    x = [-4.5 * 0.99**k for k in range(4)]
    y = [2.0 * 0.8**k for k in range(4)]
    np.testing.assert_allclose(run["points"], [[a, b, 0.5 * a * a + 10 * b * b] for a, b in zip(x, y)], rtol=1e-14)
    assert run["points"][1] == pytest.approx([-4.455, 1.6, 35.5235125])
    assert run["lr"] == [0.01, 0.01, 0.01]
    assert run["effective_lr"] == [[0.01, 0.01]] * 3
    assert (run["label"], run["optimizer"], run["status"], run["stopped_at"]) == ("SGD", "sgd", "max_steps", 3)


def test_race_defaults_to_the_surfaces_start(client):
    body = {"surface": "himmelblau", "steps": 1, "runs": [{"optimizer": "sgd"}]}
    run = client.post("/api/optimize", json=body).json()["runs"][0]
    assert run["points"][0][:2] == client.get("/api/surfaces").json()[3]["start"]


def test_race_with_divergence_is_finite_json(client):
    r = client.post("/api/optimize", json=race_request())
    assert r.status_code == 200 and no_nan(r.text)
    big, momentum, adam = r.json()["runs"]
    assert (big["label"], big["status"], big["stopped_at"]) == ("SGD big", "diverged", 1)
    assert len(big["points"]) == 1 and len(big["lr"]) == 1
    for run in (momentum, adam):
        assert run["status"] == "max_steps" and run["stopped_at"] == 600
        assert len(run["points"]) == 601 and len(run["lr"]) == len(run["effective_lr"]) == 600
    assert adam["lr"][300] == pytest.approx(0.0)  # the cosine schedule's end of period


def test_custom_expression_race_with_nan(client):
    body = {
        "expression": "x - log(x) + y*y",
        "start": [2.0, 1.0],
        "steps": 50,
        "runs": [{"optimizer": "sgd", "params": {"lr": 5.0}}, {"optimizer": "adam", "params": {"lr": 0.1}}],
    }
    r = client.post("/api/optimize", json=body)
    assert r.status_code == 200 and no_nan(r.text)
    bad, good = r.json()["runs"]
    assert (bad["status"], bad["stopped_at"], len(bad["points"])) == ("diverged", 1, 1)
    assert good["status"] in ("max_steps", "converged")


def test_noise_reproducible_and_shared(client):
    runs = [{"optimizer": "sgd", "params": {"lr": 0.001}}, {"optimizer": "sgd", "params": {"lr": 0.001}}]
    body = {"surface": "rosenbrock", "steps": 50, "runs": runs, "noise": {"std": 1.0, "seed": 42}}
    first = client.post("/api/optimize", json=body).json()["runs"]
    again = client.post("/api/optimize", json=body).json()["runs"]
    assert first == again
    assert first[0]["points"] == first[1]["points"]
    other = client.post("/api/optimize", json={**body, "noise": {"std": 1.0, "seed": 43}}).json()["runs"]
    assert other[0]["points"] != first[0]["points"]


def test_a_typo_in_a_field_is_an_error_not_ignored(client):
    r = client.post("/api/optimize", json={**race_request(), "step": 100})
    assert r.status_code == 422 and "step" in r.json()["detail"]["message"]


# --- streams -----------------------------------------------------------------------


def check_stream_matches(events, post_runs):
    names = [e for e, _ in events]
    assert names[-1] == "done" and names.count("done") == 1
    assert names.count("end") == len(post_runs)
    for k, want in enumerate(post_runs):
        steps = [d for e, d in events if e == "step" and d["run"] == k]
        assert len(steps) >= 1
        t = 0
        for d in steps:
            assert d["t"] == t
            t += len(d["points"])
        for key in ("points", "lr", "effective_lr"):
            assert [v for d in steps for v in d[key]] == want[key], (k, key)
        [end] = [d for e, d in events if e == "end" and d["run"] == k]
        assert (end["status"], end["stopped_at"]) == (want["status"], want["stopped_at"])
        last_step = max(i for i, (e, d) in enumerate(events) if e == "step" and d["run"] == k)
        assert events.index(("end", end)) > last_step


def test_get_stream_matches_the_post(client):
    body = race_request()
    post = client.post("/api/optimize", json=body).json()["runs"]
    r = client.get("/api/optimize/stream", params={"request": json.dumps(body)})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert no_nan(r.text)
    events = parse_sse(r.text)
    check_stream_matches(events, post)
    # 600 steps stream in batches, not as one event or one event per step.
    momentum_steps = [d for e, d in events if e == "step" and d["run"] == 1]
    assert 5 <= len(momentum_steps) <= 40


def test_post_stream_matches_the_post(client):
    body = race_request(expression="(1 - x)**2 + 100*(y - x**2)**2", surface=None)
    del body["surface"]
    post = client.post("/api/optimize", json=body).json()["runs"]
    r = client.post("/api/optimize/stream", json=body)
    assert r.status_code == 200
    check_stream_matches(parse_sse(r.text), post)


def test_long_race_streams_in_batches(client):
    body = {"surface": "quadratic", "steps": 10_000, "runs": [{"optimizer": "sgd", "params": {"lr": 1e-4}}]}
    with client.stream("GET", "/api/optimize/stream", params={"request": json.dumps(body)}) as r:
        text = "".join(r.iter_text())
    steps = [d for e, d in parse_sse(text) if e == "step"]
    assert 20 <= len(steps) <= 100
    assert sum(len(d["points"]) for d in steps) == 10_001


@pytest.mark.parametrize(
    "request_text, words",
    [
        ("{not json", "JSON"),
        (json.dumps(race_request(runs=[{"optimizer": "adamm"}])), "unknown optimizer 'adamm'; optimizers: sgd"),
        (json.dumps(race_request(steps=20_000)), "limit steps"),
    ],
)
def test_get_stream_bad_request_is_a_422_error_event(client, request_text, words):
    r = client.get("/api/optimize/stream", params={"request": request_text})
    assert r.status_code == 422
    [(name, data)] = parse_sse(r.text)
    assert name == "error" and words in data["detail"]["message"]


def test_stream_error_event_has_line_and_column(client):
    body = {"expression": "x**2 + yy", "steps": 5, "runs": [{"optimizer": "sgd"}]}
    r = client.get("/api/optimize/stream", params={"request": json.dumps(body)})
    assert r.status_code == 422
    [(name, data)] = parse_sse(r.text)
    assert name == "error" and (data["detail"]["line"], data["detail"]["column"]) == (1, 8)


def test_post_stream_bad_body_is_422(client):
    r = client.post("/api/optimize/stream", json=race_request(runs=[]))
    assert r.status_code == 422


def test_cpu_limit_is_422_on_post_and_an_error_event_on_the_stream(client, monkeypatch):
    monkeypatch.setattr(runner_module, "MAX_CPU_SECONDS", 0.0)
    body = {"surface": "rosenbrock", "steps": 2_000, "runs": [{"optimizer": "adam"}]}
    r = client.post("/api/optimize", json=body)
    assert r.status_code == 422
    assert r.json()["detail"]["limit"] == "cpu_time" and "limit cpu_time" in r.json()["detail"]["message"]
    events = parse_sse(client.post("/api/optimize/stream", json=body).text)
    assert events[-1][0] == "error" and events[-1][1]["detail"]["limit"] == "cpu_time"


# --- sweeps ------------------------------------------------------------------------


def test_sweep_equals_its_cells_one_by_one(client):
    xs, ys = [1e-4, 1e-3, 3e-3], [0.0, 0.9]
    body = {
        "surface": "rosenbrock",
        "start": [-1.5, 2.0],
        "steps": 300,
        "optimizer": "momentum",
        "axes": {"x": {"name": "lr", "values": xs}, "y": {"name": "momentum", "values": ys}},
    }
    r = client.post("/api/optimize/sweep", json=body)
    assert r.status_code == 200 and no_nan(r.text)
    sweep = r.json()
    assert sweep["x"] == xs and sweep["y"] == ys
    assert np.shape(sweep["final_loss"]) == (2, 3) and np.shape(sweep["status"]) == (2, 3)
    for i, m in enumerate(ys):
        for j, lr in enumerate(xs):
            cell = {"optimizer": "momentum", "params": {"lr": lr, "momentum": m}}
            run = client.post(
                "/api/optimize", json={"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": 300, "runs": [cell]}
            ).json()["runs"][0]
            assert sweep["status"][i][j] == run["status"]
            if run["status"] == "diverged":
                assert sweep["final_loss"][i][j] is None
            else:
                assert sweep["final_loss"][i][j] == run["points"][-1][2]
    assert sweep["status"][1][2] == "diverged" and sweep["final_loss"][1][2] is None


@pytest.mark.parametrize(
    "axes, words",
    [
        ({"x": {"name": "lr", "values": [0.1]}, "y": {"name": "gamma", "values": [1]}}, "not a numeric hyperparameter"),
        ({"x": {"name": "lr", "values": [0.1]}, "y": {"name": "lr", "values": [1]}}, "different hyperparameters"),
        ({"x": {"name": "lr", "values": [0.1]}, "y": {"name": "momentum", "values": [2.0]}}, "momentum"),
        ({"x": {"name": "lr", "values": []}, "y": {"name": "momentum", "values": [0.5]}}, "limit axes.x.values"),
    ],
)
def test_sweep_axis_errors(client, axes, words):
    body = {"surface": "rosenbrock", "steps": 10, "optimizer": "momentum", "axes": axes}
    r = client.post("/api/optimize/sweep", json=body)
    assert r.status_code == 422
    assert words in r.json()["detail"]["message"]


# --- limits and unknown ids ---------------------------------------------------------


def adam_sweep(nx, ny, steps):
    return {
        "surface": "quadratic",
        "steps": steps,
        "optimizer": "adam",
        "axes": {
            "x": {"name": "lr", "values": list(np.linspace(0.001, 0.1, nx))},
            "y": {"name": "beta1", "values": list(np.linspace(0.0, 0.9, ny))},
        },
    }


@pytest.mark.parametrize(
    "path, body, limit",
    [
        ("/api/optimize", race_request(steps=10_001), "(limit steps)"),
        ("/api/optimize", race_request(steps=0), "(limit steps)"),
        ("/api/optimize", race_request(runs=[{"optimizer": "sgd"}] * 13), "(limit runs)"),
        ("/api/optimize", race_request(runs=[]), "(limit runs)"),
        ("/api/optimize", race_request(surface=None, expression="x" + " + x" * 2_500), "(limit expression)"),
        ("/api/optimize", race_request(start=[1e7, 0.0]), "(limit start.0)"),
        ("/api/optimize", race_request(noise={"std": 1e4, "seed": 0}), "(limit noise.std)"),
        ("/api/optimize", race_request(noise={"std": 1.0, "seed": -1}), "(limit noise.seed)"),
        ("/api/optimize", race_request(runs=[{"optimizer": "sgd", "label": "L" * 65}]), "(limit runs.0.label)"),
        ("/api/optimize", race_request(runs=[{"optimizer": "sgd", "params": {"lr": 11.0}}]), "between 0 and 10"),
        ("/api/optimize/sweep", adam_sweep(33, 2, 10), "(limit axes.x.values)"),
        ("/api/optimize/sweep", adam_sweep(2, 33, 10), "(limit axes.y.values)"),
        ("/api/optimize/sweep", adam_sweep(32, 32, 1_000), "(limit sweep_cell_steps)"),
        ("/api/optimize/sweep", adam_sweep(2, 2, 10_001), "(limit steps)"),
        ("/api/surfaces/grid", {"expression": "x", "domain": {"x": [0, 1], "y": [0, 1]}, "n": 1_025}, "(limit n)"),
        ("/api/surfaces/grid", {"expression": "x" * 10_001, "domain": {"x": [0, 1], "y": [0, 1]}}, "limit expression"),
        ("/api/surfaces/grid", {"expression": "x", "domain": {"x": [0, 2e6], "y": [0, 1]}}, "(limit domain.x.1)"),
    ],
)
def test_every_limit_is_a_422_naming_it(client, path, body, limit):
    body = {k: v for k, v in body.items() if v is not None}
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert limit in r.json()["detail"]["message"]


def test_sweep_within_the_cell_step_limit_runs(client):
    r = client.post("/api/optimize/sweep", json=adam_sweep(32, 31, 1_000))  # 992,000 cell-steps
    assert r.status_code == 200
    assert np.shape(r.json()["final_loss"]) == (31, 32)


def test_non_finite_numbers_are_refused(client):
    text = json.dumps(race_request()).replace("[-1.5, 2.0]", "[NaN, 2.0]")
    r = client.post("/api/optimize", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "start.0" in r.json()["detail"]["message"]
    text = json.dumps(race_request(runs=[{"optimizer": "sgd", "params": {"lr": 0.1}}])).replace("0.1", "Infinity")
    r = client.post("/api/optimize", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize(
    "body, words",
    [
        (race_request(surface="banana"), "unknown surface 'banana'; surfaces: quadratic, rosenbrock"),
        (race_request(runs=[{"optimizer": "adamm"}]), "unknown optimizer 'adamm'; optimizers: sgd, momentum"),
        (
            race_request(runs=[{"optimizer": "sgd", "schedule": {"name": "linear"}}]),
            "unknown schedule 'linear'; schedules: constant, piecewise",
        ),
        (race_request(runs=[{"optimizer": "sgd", "params": {"gamma": 1}}]), "not a parameter of sgd"),
        (race_request(runs=[{"optimizer": "sgd", "schedule": {"name": "step", "gama": 1}}]), "not a parameter of step"),
        (race_request(expression="x*y"), "not both"),
        ({"steps": 5, "runs": [{"optimizer": "sgd"}]}, "not both"),
    ],
)
def test_unknown_ids_and_sources(client, body, words):
    r = client.post("/api/optimize", json=body)
    assert r.status_code == 422
    assert words in r.json()["detail"]["message"]


def test_schedule_params_inline_or_nested(client):
    base = {"surface": "quadratic", "steps": 4}
    inline = {"optimizer": "sgd", "params": {"lr": 0.1}, "schedule": {"name": "step", "every": 2, "gamma": 0.5}}
    nested = {**inline, "schedule": {"name": "step", "params": {"every": 2, "gamma": 0.5}}}
    a = client.post("/api/optimize", json={**base, "runs": [inline]}).json()["runs"][0]
    b = client.post("/api/optimize", json={**base, "runs": [nested]}).json()["runs"][0]
    assert a["lr"] == b["lr"] == [0.1, 0.1, 0.05, 0.05]
    assert a["schedule"] == {"name": "step", "every": 2, "gamma": 0.5, "warmup": 0}


def test_start_where_the_surface_is_not_finite(client):
    body = {"expression": "log(x)", "start": [-1.0, 0.0], "steps": 5, "runs": [{"optimizer": "sgd"}]}
    r = client.post("/api/optimize", json=body)
    assert r.status_code == 422
    assert "not a finite number" in r.json()["detail"]["message"]
