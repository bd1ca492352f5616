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
