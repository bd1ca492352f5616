"""The deep-network experiment: the lecture's W = 2I and W = 0.5I numbers, zero init's
symmetry, and the backward pass it reads checked by central differences."""

from __future__ import annotations

import numpy as np
import pytest

from engine.deepnet import build, deep_network
from engine.errors import InputError
from engine.gradcheck import gradcheck


@pytest.mark.parametrize("gain", [2.0, 0.5])
def test_deep_linear_with_gain_times_identity_scales_by_gain_to_the_depth(gain):
    """f = identity, Wₗ = gain·I: hₗ = gainˡ·h₀ and ∂loss/∂hₗ = gain^(L−l)·1, so the spread
    grows (shrinks) as gainˡ and the gradient norm as gain^(L−l)·√(samples·width)."""
    depth, width, samples, seed = 12, 2, 5, 3
    layers = deep_network(depth, width, "linear", "identity", gain, seed, samples)["layers"]
    h0 = np.random.default_rng(seed).standard_normal((samples, width))
    assert [layer["index"] for layer in layers] == list(range(1, depth + 1))
    for l, layer in enumerate(layers, start=1):
        assert layer["act_std"] == pytest.approx(gain**l * h0.std(), rel=1e-12)
        assert layer["act_mean"] == pytest.approx(gain**l * h0.mean(), rel=1e-12)
        assert layer["grad_norm"] == pytest.approx(gain ** (depth - l) * np.sqrt(samples * width), rel=1e-12)
        # ∂loss/∂Wₗ = hₗ₋₁ᵀ·gain^(L−l)·1 = gain^(l−1)·gain^(L−l)·h₀ᵀ1: the same at every layer
        expected = gain ** (depth - 1) * np.linalg.norm(h0.T @ np.ones((samples, width)))
        assert layer["weight_grad_norm"] == pytest.approx(expected, rel=1e-12)


def test_zero_init_sends_no_gradient_to_any_weight():
    """"Is it a good idea to initialise weights with zero?": every hₗ is 0, so every
    ∂loss/∂Wₗ = hₗ₋₁ᵀ(…) is 0 and nothing can learn."""
    for layer in deep_network(6, 8, "tanh", "zeros", 1.0, 0, 16)["layers"]:
        assert (layer["act_mean"], layer["act_std"], layer["weight_grad_norm"]) == (0.0, 0.0, 0.0)


def test_glorot_keeps_tanh_activations_alive_where_large_normal_weights_saturate_them():
    deep = 30
    glorot = deep_network(deep, 64, "tanh", "glorot_normal", 1.0, 0, 128)["layers"]
    big = deep_network(deep, 64, "sigmoid", "normal", 4.0, 0, 128)["layers"]
    assert 0.05 < glorot[-1]["act_std"] < 1.0
    # A value in [0, 1] with spread above 0.4 sits mostly at 0 or 1: saturated sigmoids
    assert all(layer["act_std"] > 0.4 for layer in big)


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"])
def test_the_backward_pass_it_reads_agrees_with_central_differences(activation):
    graph = build(3, 4, activation, "he_normal", 1.0, seed=2, samples=3)
    result = gradcheck(graph)
    assert result["max_rel_error"] < 1e-6, result


def test_an_exploding_network_reports_null_not_infinity():
    layers = deep_network(200, 50, "linear", "normal", 1000.0, 0, 4)["layers"]
    assert layers[0]["act_std"] is not None
    assert layers[-1]["act_std"] is None and layers[0]["grad_norm"] is None


@pytest.mark.parametrize("kwargs, words", [
    ({"depth": 201}, "limit depth"), ({"width": 0}, "limit width"), ({"samples": 2000}, "limit samples"),
    ({"depth": 200, "width": 512}, "limit max_init_elements"),
    ({"activation": "softmax"}, "unknown activation"), ({"init": "xavier"}, "unknown init"),
])
def test_bad_settings_are_input_errors_naming_what_to_change(kwargs, words):
    args = {"depth": 4, "width": 8, "activation": "tanh", "init": "glorot_normal", **kwargs}
    with pytest.raises(InputError, match=words):
        deep_network(**args)


def test_histograms_bin_the_layers_asked_for_over_their_own_range():
    """The lecture's saturated sigmoids: with N(0, 1) weights into 100 units every zₗ is
    spread over ±10, so most hₗ = σ(zₗ) sit within a few hundredths of 0 or 1."""
    result = deep_network(10, 100, "sigmoid", "normal", 1.0, 0, 256, histograms=[10, 1, 5])
    assert [h["index"] for h in result["histograms"]] == [10, 1, 5]
    graph = build(10, 100, "sigmoid", "normal", 1.0, 0, 256)
    graph.forward()
    for hist in result["histograms"]:
        values = graph.by_id[f"h{hist['index']}"].value
        counts, edges = np.histogram(values, bins=40, range=(values.min(), values.max()))
        assert hist["counts"] == counts.tolist() and hist["edges"] == edges.tolist()
        assert sum(hist["counts"]) == values.size and hist["nonfinite"] == 0
        counts = np.array(hist["counts"])
        assert counts[:4].sum() + counts[-4:].sum() > 0.6 * values.size  # within 0.1 of 0 or 1
        assert 0 <= hist["edges"][0] < 0.01 and 0.99 < hist["edges"][-1] <= 1


def test_no_histograms_unless_asked_and_the_layers_are_unchanged_by_asking():
    plain = deep_network(5, 8, "relu", "he_normal", 1.0, 3, 16)
    asked = deep_network(5, 8, "relu", "he_normal", 1.0, 3, 16, histograms=[2])
    assert plain["histograms"] == [] and plain["layers"] == asked["layers"]


def test_histograms_count_finite_values_only():
    layers = deep_network(200, 50, "linear", "normal", 1000.0, 0, 4, histograms=[1, 200])["histograms"]
    assert layers[0]["nonfinite"] == 0 and sum(layers[0]["counts"]) == 200
    assert layers[1] == {"index": 200, "edges": [], "counts": [], "nonfinite": 200}
    # zero init: every value is 0, binned as NumPy does (one unit-wide range around it)
    (zero,) = deep_network(3, 4, "tanh", "zeros", 1.0, 0, 8, histograms=[2])["histograms"]
    assert sum(zero["counts"]) == 32 and zero["edges"][0] == -0.5 and zero["edges"][-1] == 0.5


@pytest.mark.parametrize("histograms, words", [([0], "not a layer"), ([5], "not a layer"),
                                               (list(range(1, 5)) * 3, "limit histograms")])
def test_bad_histogram_layers_are_input_errors(histograms, words):
    with pytest.raises(InputError, match=words):
        deep_network(4, 8, "tanh", "glorot_normal", histograms=histograms)


def test_activation_curves_are_the_engines_functions_and_derivatives():
    from engine.deepnet import ACTIVATIONS, activation_curves
    from engine.ops import OPS

    curves = {c["id"]: c for c in activation_curves()}
    assert tuple(curves) == ACTIVATIONS
    x = np.linspace(-5, 5, 201)
    sigmoid = 1 / (1 + np.exp(-x))
    expected = {
        "linear": (x, np.ones_like(x)),
        "sigmoid": (sigmoid, sigmoid * (1 - sigmoid)),
        "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
        "relu": (np.maximum(x, 0), (x > 0).astype(float)),
        "softplus": (np.log1p(np.exp(x)), sigmoid),
    }
    for name, (y, dy) in expected.items():
        assert curves[name]["x"] == pytest.approx(x.tolist(), abs=1e-15)
        assert curves[name]["y"] == pytest.approx(y.tolist(), rel=1e-12, abs=1e-15)
        assert curves[name]["dy"] == pytest.approx(dy.tolist(), rel=1e-12, abs=1e-15)
    assert curves["sigmoid"]["derivative"] == "σ′(x) = σ(x)(1 − σ(x))"
    for name in ("leaky_relu", "elu", "gelu"):  # the same as the ops' own local derivatives
        out = OPS[name].forward(x)
        assert curves[name]["dy"] == pytest.approx(OPS[name].local[0](out, x).tolist(), rel=1e-14, abs=1e-15)
        # and central differences away from the kinks
        h = 1e-6
        numeric = (OPS[name].forward(x + h) - OPS[name].forward(x - h)) / (2 * h)
        smooth = np.abs(x) > 1e-3
        assert np.allclose(np.array(curves[name]["dy"])[smooth], numeric[smooth], rtol=1e-6, atol=1e-8)


def test_relu_with_he_keeps_activations_level_where_glorot_shrinks_them_by_one_over_root_two():
    """He et al.'s Var W = 2/fan_in makes up for ReLU zeroing half of every layer's inputs;
    Glorot's 1/fan_in (square layers) does not, so each layer keeps only half the variance:
    the spread shrinks by about 1/√2 a layer, over 50 layers."""
    def per_layer(init):
        stds = np.array([layer["act_std"] for layer in deep_network(50, 200, "relu", init, 1.0, 0, 200)["layers"]])
        return np.exp(np.log(stds[-1] / stds[0]) / 49)  # geometric mean ratio from layer to layer

    assert per_layer("he_normal") == pytest.approx(1.0, abs=0.03)
    assert per_layer("glorot_normal") == pytest.approx(1 / np.sqrt(2), abs=0.03)
