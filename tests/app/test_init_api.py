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


def test_histograms_come_back_for_the_layers_asked_for(client):
    body = {"depth": 10, "width": 100, "activation": "sigmoid", "init": "normal", "gain": 1.0, "samples": 64}
    plain = client.post("/api/init/deep", json=body).json()
    r = client.post("/api/init/deep", json={**body, "histograms": [1, 10]})
    assert r.status_code == 200
    answer = r.json()
    assert plain["histograms"] == [] and answer["layers"] == plain["layers"]
    first, last = answer["histograms"]
    assert (first["index"], last["index"]) == (1, 10)
    for hist in (first, last):
        assert set(hist) == {"index", "edges", "counts", "nonfinite"}
        assert len(hist["edges"]) == 41 and len(hist["counts"]) == 40 and sum(hist["counts"]) == 64 * 100
        assert hist["edges"] == sorted(hist["edges"]) and 0 <= hist["edges"][0] and hist["edges"][-1] <= 1


@pytest.mark.parametrize("histograms, limit", [(list(range(1, 10)), "histograms"), ([0], "histograms.0"),
                                               ([201], "histograms.0")])
def test_too_many_or_impossible_histogram_layers_are_named(client, histograms, limit):
    r = client.post("/api/init/deep", json={"histograms": histograms})
    assert r.status_code == 422 and r.json()["detail"]["limit"] == limit


def test_a_histogram_layer_deeper_than_the_network_is_422(client):
    r = client.post("/api/init/deep", json={"depth": 3, "histograms": [4]})
    assert r.status_code == 422 and "not a layer" in r.json()["detail"]["message"]


def test_activations_list_every_activation_with_its_derivative(client):
    r = client.get("/api/init/activations")
    assert r.status_code == 200
    curves = r.json()
    assert [c["id"] for c in curves] == ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"]
    tanh = next(c for c in curves if c["id"] == "tanh")
    assert len(tanh["x"]) == len(tanh["y"]) == len(tanh["dy"]) == 201
    assert tanh["dy"][100] == 1.0 and tanh["derivative"] == "tanh′(x) = 1 − tanh(x)²"
