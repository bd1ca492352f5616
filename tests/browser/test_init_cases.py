"""Every lecture case on /init says something about the numbers; each claim is checked here
against the API's answer for the settings of the case's own link (read from the page, so
the settings tested are the ones a click shows), and the number the text quotes is the
one the API gives (issue 18 item 4)."""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from engine.deepnet import build
from tests.browser.reading import wait_ready

pytestmark = pytest.mark.browser

INTS = ("depth", "width", "seed", "samples")


@dataclass
class Case:
    settings: dict
    text: str

    def layers(self, app_url: str, **extra) -> dict:
        body = json.dumps({**self.settings, **extra}).encode()
        request = urllib.request.Request(f"{app_url}/api/init/deep", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def column(self, app_url: str, name: str) -> np.ndarray:
        return np.array([layer[name] for layer in self.layers(app_url)["layers"]], dtype=float)


def settings_of(href: str) -> dict:
    query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    return {k: int(v) if k in INTS else float(v) if k == "gain" else v for k, v in query.items()}


@pytest.fixture(scope="module")
def cases(browser, app_url) -> dict[str, Case]:
    context = browser.new_context(base_url=app_url)
    page = context.new_page()
    page.goto("/init")
    wait_ready(page)
    rows = page.eval_on_selector_all(
        "a[data-case]", "links => links.map(a => [a.dataset.case, a.getAttribute('href'), a.closest('li').querySelector('p').textContent])")
    context.close()
    return {case: Case(settings_of(href), text) for case, href, text in rows}


def per_layer(values: np.ndarray) -> float:
    """The geometric mean factor from one layer to the next (last over first, per step)."""
    return float((values[-1] / values[0]) ** (1 / (len(values) - 1)))


def going_back(values: np.ndarray) -> float:
    """The factor a gradient norm is multiplied by per layer going back (towards layer 1)."""
    return 1 / per_layer(values)


def check_identity_2(case: Case, app_url: str) -> None:
    """Each layer doubles the signal going forward and the gradient going back, exactly."""
    stds, grads = case.column(app_url, "act_std"), case.column(app_url, "grad_norm")
    assert case.settings["gain"] == 2 and case.settings["activation"] == "linear"
    np.testing.assert_allclose(stds[1:] / stds[:-1], 2.0, rtol=1e-12)
    np.testing.assert_allclose(grads[:-1] / grads[1:], 2.0, rtol=1e-12)
    assert "2^(L−l)" in case.text


def check_identity_half(case: Case, app_url: str) -> None:
    """The signal halves at every layer; the gradient reaching layer l is 0.5^(L−l) of the last layer's."""
    stds, grads = case.column(app_url, "act_std"), case.column(app_url, "grad_norm")
    L = case.settings["depth"]
    np.testing.assert_allclose(stds[1:] / stds[:-1], 0.5, rtol=1e-12)
    np.testing.assert_allclose(grads / grads[-1], [0.5 ** (L - l) for l in range(1, L + 1)], rtol=1e-12)
    assert "0.5^(L−l)" in case.text


def check_sigmoid_normal(case: Case, app_url: str) -> None:
    """z's spread is about 6 to 10, most σ(z) sit within 0.1 of 0 or 1, yet the gradient shrinks only ×0.98 a layer."""
    graph = build(**case.settings)
    graph.forward()
    L = case.settings["depth"]
    z_stds = [graph.by_id[f"z{l}"].value.std() for l in range(1, L + 1)]
    assert all(5.5 < s < 10.5 for s in z_stds), z_stds
    answer = case.layers(app_url, histograms=list(range(1, L + 1, 3)))
    for hist in answer["histograms"]:
        counts, edges = np.array(hist["counts"]), np.array(hist["edges"])
        centres = (edges[1:] + edges[:-1]) / 2
        saturated = counts[(centres < 0.1) | (centres > 0.9)].sum() / counts.sum()
        assert saturated > 0.5, f"layer {hist['index']}: {saturated:.0%} within 0.1 of 0 or 1"
    factor = going_back(np.array([layer["grad_norm"] for layer in answer["layers"]]))
    assert round(factor, 2) == 0.98 and "×0.98" in case.text


def check_sigmoid_ones(case: Case, app_url: str) -> None:
    """From layer 4 on every z ≈ 5 and σ(z) ≈ 0.993; each layer multiplies the gradient by 5·σ′(z) ≈ 0.034
    going back; ‖∂loss/∂h₁‖ is about 10⁻¹² of ‖∂loss/∂h₁₀‖."""
    layers = case.layers(app_url)["layers"]
    width, gain = case.settings["width"], case.settings["gain"]
    assert width * gain == 5
    for layer in layers[3:]:
        mean = layer["act_mean"]
        assert round(mean, 3) == 0.993 and layer["act_std"] < 1e-3  # every unit and sample alike
        assert math.log(mean / (1 - mean)) == pytest.approx(5, abs=0.06)  # z = σ⁻¹(h)
    grads = np.array([layer["grad_norm"] for layer in layers])
    for l in range(4, len(layers)):  # back from layer l + 1 to layer l: × width·gain·σ′(z_{l+1})
        mean = layers[l]["act_mean"]
        assert grads[l - 1] / grads[l] == pytest.approx(width * gain * mean * (1 - mean), rel=1e-3)
        assert round(grads[l - 1] / grads[l], 3) == 0.034 and round(mean * (1 - mean), 4) == 0.0069
    assert round(math.log10(grads[0] / grads[-1])) == -12
    assert "0.0069 = 0.034" in case.text and "10⁻¹²" in case.text


def check_tanh_glorot(case: Case, app_url: str) -> None:
    """Both spreads shrink by about ×0.96 a layer; the gradient loses about 6-fold over 50 layers."""
    stds, grads = case.column(app_url, "act_std"), case.column(app_url, "grad_norm")
    assert round(per_layer(stds), 2) == 0.96 and round(going_back(grads), 2) == 0.96
    assert round(grads[-1] / grads[0]) == 6 and case.settings["depth"] == 50
    assert "×0.96" in case.text and "6-fold over 50 layers" in case.text


def check_tanh_he(case: Case, app_url: str) -> None:
    """The activations' std is about 0.56 at layer 50 (Glorot's 0.1); the gradient grows ×1.05 a layer, 10-fold."""
    stds, grads = case.column(app_url, "act_std"), case.column(app_url, "grad_norm")
    glorot = Case({**case.settings, "init": "glorot_normal"}, "").column(app_url, "act_std")
    assert round(stds[-1], 2) == 0.56 and round(glorot[-1], 1) == 0.1
    assert round(going_back(grads), 2) == 1.05 and round(grads[0] / grads[-1], -1) == 10
    assert "0.56" in case.text and "×1.05" in case.text and "10-fold" in case.text


def check_relu_he(case: Case, app_url: str) -> None:
    """About half of every layer's units are zeroed; every ‖∂loss/∂hₗ‖ is within a factor of 5 of the others."""
    graph = build(**case.settings)
    graph.forward()
    for l in range(1, case.settings["depth"] + 1):
        assert 0.3 < np.mean(graph.by_id[f"h{l}"].value == 0) < 0.65
    grads = case.column(app_url, "grad_norm")
    assert grads.max() / grads.min() < 5 and "within a factor of 5" in case.text


def check_relu_glorot(case: Case, app_url: str) -> None:
    """Activations and gradient shrink by about 1/√2 a layer; ‖∂loss/∂h₁‖ is about 10⁻⁷ of ‖∂loss/∂h₅₀‖."""
    stds, grads = case.column(app_url, "act_std"), case.column(app_url, "grad_norm")
    assert per_layer(stds) == pytest.approx(1 / math.sqrt(2), abs=0.03)
    assert going_back(grads) == pytest.approx(1 / math.sqrt(2), abs=0.03)
    assert round(math.log10(grads[0] / grads[-1])) == -7 and "10⁻⁷" in case.text


def check_zeros(case: Case, app_url: str) -> None:
    """Every hₗ is 0, so every ∂loss/∂Wₗ is 0: no weight moves."""
    for layer in case.layers(app_url)["layers"]:
        assert (layer["act_mean"], layer["act_std"], layer["weight_grad_norm"]) == (0.0, 0.0, 0.0)


CLAIMS: dict[str, Callable[[Case, str], None]] = {
    "identity-2": check_identity_2,
    "identity-half": check_identity_half,
    "sigmoid-normal": check_sigmoid_normal,
    "sigmoid-ones": check_sigmoid_ones,
    "tanh-glorot": check_tanh_glorot,
    "tanh-he": check_tanh_he,
    "relu-he": check_relu_he,
    "relu-glorot": check_relu_glorot,
    "zeros": check_zeros,
}


def test_every_case_on_the_page_has_its_claim_checked(cases):
    assert list(cases) == list(CLAIMS)


@pytest.mark.parametrize("case_id", CLAIMS)
def test_the_cases_claim_holds_for_its_settings(cases, app_url, case_id):
    CLAIMS[case_id](cases[case_id], app_url)


def test_the_saturation_case_reads_its_gradient_factor_on_the_page(page):
    """The page's own summary under the chart quotes what the case's text says."""
    page.goto("/init")
    wait_ready(page)
    page.click("a[data-case=sigmoid-ones]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('init') === 'ones'")
    wait_ready(page)
    summary = page.inner_text("[data-testid=grad-summary]")
    assert "shrinking by about ×0.0492 per layer going back" in summary and "1.695e−12" in summary
    assert "current" in page.get_attribute("[data-case-card=sigmoid-ones]", "class")
