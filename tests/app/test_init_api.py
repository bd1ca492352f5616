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


@pytest.mark.parametrize("settings", [
    {"depth": 50, "width": 2, "activation": "sigmoid", "init": "identity", "gain": 0.5},  # W = 0.5I, then A
    {"depth": 50, "width": 2, "activation": "softplus", "init": "identity", "gain": 0.5},
    {"depth": 20, "width": 100, "activation": "tanh", "init": "ones", "gain": 1e6},
    {"depth": 20, "width": 100, "activation": "tanh", "init": "normal", "gain": 5e-324},
    {"depth": 20, "width": 100, "activation": "tanh", "init": "normal", "gain": 1e-160},
    {"depth": 154, "width": 50, "activation": "linear", "init": "identity", "gain": 100},
    {"depth": 150, "width": 60, "activation": "relu", "init": "glorot_normal", "gain": 0.01},
], ids=lambda s: f"{s['activation']}-{s['init']}-{s['gain']}")
def test_histograms_of_layers_whose_values_barely_differ_or_overflow_are_answered(client, settings):
    """The page's own choice of layers (first, a third, two thirds, last), as it asks for them:
    each a histogram with 41 finite increasing edges and every value either binned or nonfinite."""
    depth = settings["depth"]
    layers = sorted({1, round(depth / 3), round(2 * depth / 3), depth})
    r = client.post("/api/init/deep", json={**settings, "seed": 0, "histograms": layers})
    assert r.status_code == 200, r.text
    for hist, index in zip(r.json()["histograms"], layers, strict=True):
        assert hist["index"] == index
        assert sum(hist["counts"]) + hist["nonfinite"] == 256 * settings["width"]
        if hist["counts"]:
            assert len(hist["edges"]) == 41 and all(a < b for a, b in zip(hist["edges"], hist["edges"][1:]))


def test_the_w_half_i_sigmoid_case_bins_layers_whose_values_span_a_few_float_steps_or_none(client):
    """h = σ(h/2) settles at its fixed point h* ≈ 0.5709 in the 2-unit network: at layer 17 the
    512 activations span 17 float steps, which np.histogram refused ("too many bins"); from
    layer 20 on they are all equal, binned as NumPy bins one value (a unit-wide range around it)."""
    body = {"depth": 50, "width": 2, "activation": "sigmoid", "init": "identity", "gain": 0.5, "seed": 0,
            "histograms": [17, 33]}
    narrow, equal = client.post("/api/init/deep", json=body).json()["histograms"]
    assert narrow["edges"][0] == pytest.approx(0.57088, abs=1e-5) and narrow["edges"][-1] - narrow["edges"][0] < 1e-12
    assert sum(narrow["counts"]) == 512 and narrow["nonfinite"] == 0
    assert equal["edges"][-1] - equal["edges"][0] == pytest.approx(1.0)
    assert equal["counts"][20] == 512  # the middle bin
