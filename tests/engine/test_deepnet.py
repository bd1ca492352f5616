"""The deep-network experiment: the lecture's W = 2I and W = 0.5I numbers, zero init's
symmetry, and the backward pass it reads checked by central differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.deepnet import HISTOGRAM_BINS, build, deep_network, histogram, histogram_edges
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


def check_histogram(hist: dict, values: np.ndarray) -> None:
    """What the page needs of any histogram: 41 finite, strictly increasing edges around the
    finite values, each finite value counted once in the bin that holds it, and the rest
    (inf, nan) counted as nonfinite."""
    values = np.asarray(values, dtype=float).ravel()
    finite = values[np.isfinite(values)]
    assert hist["nonfinite"] == values.size - finite.size
    if finite.size == 0:
        assert hist["edges"] == [] and hist["counts"] == []
        return
    edges = np.array(hist["edges"])
    assert len(edges) == HISTOGRAM_BINS + 1 and len(hist["counts"]) == HISTOGRAM_BINS
    assert np.all(np.isfinite(edges)) and np.all(edges[1:] > edges[:-1])
    assert edges[0] <= finite.min() and finite.max() <= edges[-1]
    # bin j holds edges[j] ≤ v < edges[j + 1], the last bin also its right edge (np.histogram's rule)
    inside = (finite[:, None] >= edges[None, :-1]) & (finite[:, None] < edges[None, 1:])
    inside[:, -1] |= finite == edges[-1]
    assert np.all(inside.sum(axis=1) == 1)
    assert hist["counts"] == inside.sum(axis=0).tolist()
    assert sum(hist["counts"]) == finite.size


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 60), elements=st.floats(width=64, allow_subnormal=True)))
def test_any_values_give_a_histogram(values):
    """Any float64 values: one value, spans below float resolution, subnormals, spans beyond
    the largest float (hi − lo overflows), infinities and nan."""
    check_histogram(histogram(values, 1), values)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True), st.integers(0, 8),
       st.sampled_from([1, 3, 255]))
def test_values_a_few_float_steps_apart_give_a_histogram(value, steps, copies):
    """The hard case for 40 float bins: every value equal, or a few float steps apart, at any size."""
    near = value
    for _ in range(steps):
        near = np.nextafter(near, 0.0)  # towards 0: never overflows
    values = np.array([value] * copies + [near])
    check_histogram(histogram(values, 1), values)


LARGEST = float(np.finfo(float).max)


@pytest.mark.parametrize("lo, hi", [
    (0.0, 0.0), (1e300, 1e300), (LARGEST, LARGEST), (-LARGEST, -LARGEST), (-LARGEST, LARGEST), (-1e308, 1e308),
    (5e-324, 5e-324), (-5e-324, 5e-324), (0.0, 1e-322), (1.0, float(np.nextafter(1.0, 2.0))),
    (0.5708793216535237, 0.5708793216535415),
])
def test_the_edges_of_extreme_ranges_are_finite_increasing_and_cover_the_range(lo, hi):
    edges = histogram_edges(lo, hi)
    assert len(edges) == HISTOGRAM_BINS + 1 and np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)
    assert edges[0] <= lo and hi <= edges[-1]


def test_a_range_linspace_can_split_gets_numpys_own_edges():
    edges = histogram_edges(-3.0, 7.0)
    assert edges.tolist() == np.histogram_bin_edges([-3.0, 7.0], bins=HISTOGRAM_BINS).tolist()


# What used to answer 500 ("Too many bins for data range"), and what the /init page's controls reach
# (issue 18 item 1, issue 19 item 2): every layer of each binned, the activations read from the graph.
REACHABLE = [
    {"depth": 50, "width": 2, "activation": "sigmoid", "init": "identity", "gain": 0.5},  # the W = 0.5I case, then A
    {"depth": 50, "width": 2, "activation": "softplus", "init": "identity", "gain": 0.5},
    {"depth": 50, "width": 2, "activation": "tanh", "init": "identity", "gain": 0.5},
    {"depth": 20, "width": 100, "activation": "tanh", "init": "ones", "gain": 1e6},
    {"depth": 20, "width": 100, "activation": "linear", "init": "ones", "gain": 1e6},
    {"depth": 20, "width": 100, "activation": "tanh", "init": "normal", "gain": 5e-324},
    {"depth": 20, "width": 100, "activation": "tanh", "init": "glorot_normal", "gain": 1e-160},
    {"depth": 154, "width": 50, "activation": "linear", "init": "identity", "gain": 100.0},
    {"depth": 150, "width": 60, "activation": "relu", "init": "glorot_normal", "gain": 0.01},
    {"depth": 200, "width": 50, "activation": "linear", "init": "normal", "gain": 1e6},
]


@pytest.mark.parametrize("settings_", REACHABLE, ids=lambda s: "-".join(f"{v}" for v in s.values()))
def test_every_layer_of_extreme_networks_gives_a_histogram(settings_):
    depth = settings_["depth"]
    graph = build(**settings_, seed=0, samples=64)
    with np.errstate(all="ignore"):
        graph.forward(check=False)
    layers = np.linspace(1, depth, 8).round().astype(int).tolist()
    hists = deep_network(**settings_, seed=0, samples=64, histograms=layers)["histograms"]
    assert [h["index"] for h in hists] == layers
    for hist in hists:
        check_histogram(hist, graph.by_id[f"h{hist['index']}"].value)


def test_a_layer_spread_beyond_the_largest_float_is_binned_with_its_overflowed_values_counted_apart():
    """W = 100·I through 154 linear layers: h₁₅₄ = 100¹⁵⁴·h₀ holds values up to ±1.8e308 (so
    hi − lo overflows float64) and others beyond it (inf), which are counted, not binned."""
    (hist,) = deep_network(154, 50, "linear", "identity", 100.0, 0, 256, histograms=[154])["histograms"]
    assert hist["edges"][0] < -1e308 and hist["edges"][-1] > 1e308
    assert 0 < hist["nonfinite"] < 50 * 256 and sum(hist["counts"]) + hist["nonfinite"] == 50 * 256


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
