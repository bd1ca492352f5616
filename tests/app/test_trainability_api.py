"""POST /api/trainability and /api/trainability/curve against the contract."""

from __future__ import annotations

import numpy as np
import pytest

from app.schemas.trainability import CurveResponse, TrainabilityResponse
from engine import trainability as tr
from engine.limits import LIMITS, TRAINABILITY_CPU_SECONDS


def test_a_tile_of_the_network(client):
    r = client.post("/api/trainability", json={"model": "tanh16", "seed": 3, "steps": 50, "n": 8,
                                               "x": {"lo": -1, "hi": 4}, "y": {"lo": 1, "hi": 3}})
    assert r.status_code == 200, r.text
    body = TrainabilityResponse.model_validate(r.json())
    assert body.dtype == "float32" and len(body.x) == len(body.y) == 8
    assert body.x == pytest.approx(list(-1 + 5 * (np.arange(8) + 0.5) / 8))
    s = tr.setup(3)
    assert body.setup.X == s.X.tolist() and body.setup.y == s.y.tolist()
    assert body.setup.W == s.W.tolist() and body.setup.v == s.v.tolist()
    diverged = np.array(body.diverged)
    assert diverged.shape == (8, 8) and diverged.any() and not diverged.all()
    # rows are y (η_v): a larger η_v never trains where a smaller one at the same η_W diverges, at this scale
    assert diverged[-1].sum() >= diverged[0].sum()
    score = np.array(body.score)
    assert ((score[diverged] > 0) & (score[diverged] <= 1)).all()  # how soon: a share of the steps
    assert (score[~diverged] > 0).all()


def test_the_defaults_are_the_designs_view_and_the_big_tile_fits_its_budget(client):
    """One request of 128 × 128 pixels × 500 steps is allowed (in its own CPU budget)."""
    r = client.post("/api/trainability", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["x"]) == 128 and body["x"][0] == pytest.approx(-1 + 5 / 256)
    assert body["y"][-1] == pytest.approx(3 - 2 / 256)
    assert TRAINABILITY_CPU_SECONDS > 2 and LIMITS["trainability_cpu_time"] == TRAINABILITY_CPU_SECONDS


def test_deep_zoom_is_float64(client):
    r = client.post("/api/trainability", json={"n": 8, "steps": 20, "x": {"lo": 1.5, "hi": 1.5 + 1e-7},
                                               "y": {"lo": 2.0, "hi": 2.0 + 1e-7}})
    assert r.status_code == 200 and r.json()["dtype"] == "float64"


def test_a_toy_surfaces_map(client):
    r = client.post("/api/trainability", json={
        "model": "surface", "surface": "rosenbrock", "optimizer": "momentum", "steps": 200, "n": 10,
        "x": {"name": "lr", "lo": -5, "hi": -1}, "y": {"name": "momentum", "lo": 0, "hi": 0.99}})
    assert r.status_code == 200, r.text
    body = TrainabilityResponse.model_validate(r.json())
    assert body.names == {"x": "lr", "y": "momentum"} and body.dtype == "float64" and body.setup is None
    assert [[s == "diverged" for s in row] for row in body.status] == body.diverged
    assert body.y[0] == pytest.approx(0.99 / 20)  # a linear-scale axis in its own units


def test_a_pixels_curve(client):
    r = client.post("/api/trainability/curve", json={"seed": 0, "steps": 100, "x": 0.0, "y": 1.5, "dtype": "float64"})
    assert r.status_code == 200
    body = CurveResponse.model_validate(r.json())
    assert body.diverged_at == -1 and len(body.loss) == 101
    assert body.loss == pytest.approx(list(tr.plain_descent(tr.setup(0), 1.0, 10**1.5, 100)), rel=1e-9)


@pytest.mark.parametrize("body, limit", [
    ({"n": 257}, "trainability_n"),
    ({"n": 4, "steps": 2001}, "trainability_steps"),
    ({"n": 200, "steps": 500}, "pixel_steps"),
    ({"x": {"lo": 1, "hi": 1 + 1e-14}}, "span"),
    ({"y": {"lo": -20, "hi": 1}}, "log_rate"),
    ({"seed": -1}, "seed"),
    ({"model": "surface", "surface": "rosenbrock", "optimizer": "sgd", "n": 64, "steps": 1000,
      "x": {"name": "lr", "lo": -4, "hi": -1}, "y": {"name": "lr", "lo": -4, "hi": -1}}, "sweep_cell_steps"),
])
def test_limits_are_named_and_served(client, body, limit):
    r = client.post("/api/trainability", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["limit"] == limit
    assert limit in client.get("/api/limits").json()


@pytest.mark.parametrize("body", [
    {"model": "mlp"}, {"surface": "rosenbrock"}, {"x": {"name": "lr", "lo": 0, "hi": 1}},
    {"model": "surface", "surface": "rosenbrock", "optimizer": "sgd"},
    {"model": "surface", "surface": "nowhere", "optimizer": "sgd", "x": {"name": "lr", "lo": -3, "hi": -1},
     "y": {"name": "lr", "lo": -3, "hi": -1}},
    {"n": 4, "zoom": 2}, {"x": {"lo": "a", "hi": 1}},
])
def test_bad_bodies_are_422(client, body):
    r = client.post("/api/trainability", json=body)
    assert r.status_code == 422 and r.json()["detail"]["message"]
