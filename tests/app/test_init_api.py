"""POST /api/init/deep against the contract."""

from __future__ import annotations

import numpy as np
import pytest


def test_deep_linear_two_identity_as_the_lecture_says(client):
    r = client.post("/api/init/deep", json={"depth": 10, "width": 2, "activation": "linear", "init": "identity",
                                            "gain": 2.0, "seed": 0, "samples": 8})
    assert r.status_code == 200
    layers = r.json()["layers"]
    assert len(layers) == 10 and set(layers[0]) == {"index", "act_mean", "act_std", "grad_norm", "weight_grad_norm"}
    norms = [layer["grad_norm"] for layer in layers]
    assert norms == pytest.approx([2.0 ** (10 - l) * 4.0 for l in range(1, 11)], rel=1e-12)  # ‖1‖ = √16
    stds = [layer["act_std"] for layer in layers]
    assert np.allclose(np.diff(np.log2(stds)), 1.0, rtol=0, atol=1e-12)


def test_defaults_fill_in_and_overflow_is_null(client):
    assert len(client.post("/api/init/deep", json={}).json()["layers"]) == 20
    r = client.post("/api/init/deep", json={"depth": 200, "width": 50, "activation": "linear", "init": "normal",
                                            "gain": 1000.0, "samples": 4})
    assert r.status_code == 200 and r.json()["layers"][-1]["act_std"] is None


@pytest.mark.parametrize("body, limit", [({"depth": 201}, "depth"), ({"width": 513}, "width"),
                                         ({"depth": 200, "width": 512}, "max_init_elements")])
def test_limits_are_named(client, body, limit):
    r = client.post("/api/init/deep", json=body)
    assert r.status_code == 422 and r.json()["detail"]["limit"] == limit


@pytest.mark.parametrize("body", [{"init": "xavier"}, {"activation": "softmax"}, {"gain": "big"}, {"gain": -1},
                                  {"depth": 3, "extra": 1}])
def test_bad_bodies_are_422(client, body):
    r = client.post("/api/init/deep", json=body)
    assert r.status_code == 422 and r.json()["detail"]["message"]
