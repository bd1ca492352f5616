"""The initialisation page in Chromium: the per-layer chart is the engine's numbers for the
URL's settings, the lecture's cases one click away (W = 2I's gradient doubling exactly),
histograms of the saturated sigmoids, the zero-init symmetry, URL state and notices."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.reading import query, traces, wait_ready

pytestmark = pytest.mark.browser

PLOT = "[data-testid=layer-plot]"
HISTOGRAMS = "[data-testid=histograms]"
DEEP = "/api/init/deep"


def open_init(page, query: str = "") -> None:
    page.goto(f"/init{'?' + query if query else ''}")
    wait_ready(page)


def deep(page, **settings) -> dict:
    response = page.request.post(DEEP, data=settings)
    assert response.ok
    return response.json()


def type_into(page, selector: str, text: str) -> None:
    """Set a typed box's text and fire its input event once, as typing the last key does."""
    page.eval_on_selector(selector, "(el, text) => { el.value = text; }", text)
    page.dispatch_event(selector, "input")


def test_the_layer_plot_is_the_apis_numbers_for_the_urls_settings(page):
    settings = {"depth": 12, "width": 30, "activation": "relu", "init": "he_uniform", "gain": 1.5, "seed": 7}
    open_init(page, "&".join(f"{k}={v}" for k, v in settings.items()))
    answer = deep(page, **settings)
    drawn = traces(page, PLOT)
    assert {"act_std", "grad_norm", "weight_grad_norm"} <= set(drawn)
    for name in ("act_std", "grad_norm", "weight_grad_norm"):
        assert drawn[name]["x"] == list(range(1, 13))
        assert drawn[name]["y"] == [layer[name] for layer in answer["layers"]]
    assert page.eval_on_selector(PLOT, "el => el.layout.yaxis.type") == "log"
    assert page.input_value("[data-testid=activation]") == "relu"
    assert page.input_value("[data-testid=init]") == "he_uniform"
    assert page.input_value("input[data-param=gain]") == "1.5"
    assert "√(6/fan_in)" in page.get_attribute("[data-component=init-formula] .math-lines", "title")
    assert "He, Zhang, Ren & Sun" in page.inner_text("[data-testid=init-citation]")
    assert page.locator("[data-testid=notices]").is_hidden()


def test_the_w_equals_2i_case_doubles_the_gradient_at_every_layer_going_back(page):
    open_init(page)
    page.click("a[data-case=identity-2]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('gain') === '2'")
    wait_ready(page)
    assert query(page) == {"depth": "50", "width": "2", "activation": "linear", "init": "identity", "gain": "2", "seed": "0"}
    norms = traces(page, PLOT)["grad_norm"]["y"]
    assert len(norms) == 50
    for nearer, further in itertools.pairwise(norms):
        assert nearer / further == pytest.approx(2.0, rel=1e-9, abs=0)
    stds = traces(page, PLOT)["act_std"]["y"]
    assert all(b / a == pytest.approx(2.0, rel=1e-9) for a, b in itertools.pairwise(stds))
    assert "current" in page.get_attribute("[data-case-card=identity-2]", "class")
    # W = 0.5I: the other way round
    page.click("a[data-case=identity-half]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('gain') === '0.5'")
    wait_ready(page)
    norms = traces(page, PLOT)["grad_norm"]["y"]
    assert all(nearer / further == pytest.approx(0.5, rel=1e-9) for nearer, further in itertools.pairwise(norms))


def test_every_case_link_is_a_url_in_the_designs_format_with_a_story(page):
    open_init(page)
    cases = page.eval_on_selector_all("a[data-case]", "links => links.map(a => [a.dataset.case, a.getAttribute('href'), a.closest('li').innerText])")
    ids = [c[0] for c in cases]
    for wanted in ("identity-2", "identity-half", "sigmoid-normal", "sigmoid-ones", "tanh-glorot", "tanh-he", "relu-he",
                   "relu-glorot", "zeros"):
        assert wanted in ids
    for _, href, text in cases:
        parts = urlsplit(href)
        assert parts.path == "/init"
        assert list(parse_qs(parts.query))[:6] == ["depth", "width", "activation", "init", "gain", "seed"]
        assert len(text) > 80


def test_changing_a_control_re_requests_and_writes_the_url(page):
    open_init(page)
    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith(DEEP) else None)
    page.select_option("[data-testid=activation]", "sigmoid")
    page.wait_for_function("() => new URLSearchParams(location.search).get('activation') === 'sigmoid'")
    wait_ready(page)
    assert bodies and bodies[-1]["activation"] == "sigmoid"
    type_into(page, "input[data-param=depth]", "7")
    page.wait_for_function("() => new URLSearchParams(location.search).get('depth') === '7'")
    wait_ready(page)
    assert bodies[-1]["depth"] == 7 and bodies[-1]["histograms"][-1] == 7
    settings = {k: bodies[-1][k] for k in ("depth", "width", "activation", "init", "gain", "seed", "samples")}
    assert traces(page, PLOT)["grad_norm"]["y"] == [layer["grad_norm"] for layer in deep(page, **settings)["layers"]]
    page.select_option("[data-testid=init]", "he_normal")
    page.wait_for_function("() => new URLSearchParams(location.search).get('init') === 'he_normal'")
    wait_ready(page)
    assert query(page)["depth"] == "7" and query(page)["activation"] == "sigmoid"
    assert "fan_in" in page.get_attribute("[data-component=init-formula] .math-lines", "title")


def test_a_newer_change_cancels_the_request_in_flight(page, page_log):
    open_init(page)
    # two changes in one task: the second aborts the first one's request
    with page.expect_event("requestfailed") as failed:
        page.evaluate("""() => {
          const box = document.querySelector('input[data-param=width]');
          box.value = '40'; box.dispatchEvent(new Event('input'));
          box.value = '41'; box.dispatchEvent(new Event('input'));
        }""")
    assert failed.value.url.endswith(DEEP) and failed.value.failure == "net::ERR_ABORTED"
    assert failed.value.post_data_json["width"] == 40
    page_log.failed_requests.remove(f"{failed.value.url} net::ERR_ABORTED")  # the page's own cancel: expected
    page.wait_for_function("() => new URLSearchParams(location.search).get('width') === '41'")
    wait_ready(page)
    answer = deep(page, depth=20, width=41, activation="tanh", init="glorot_normal", gain=1, seed=0)
    assert traces(page, PLOT)["act_std"]["y"] == [layer["act_std"] for layer in answer["layers"]]


@pytest.mark.parametrize(("bad", "notice", "name", "default"), [
    ("depth=500", "depth '500' is above the maximum 200", "depth", "20"),
    ("activation=softmax", "activation 'softmax'", "activation", "tanh"),
    ("init=xavier", "init 'xavier'", "init", "glorot_normal"),
    ("gain=abc", "gain 'abc' is not a number", "gain", "1"),
])
def test_a_bad_url_value_shows_a_notice_and_the_default(page, bad, notice, name, default):
    open_init(page, bad)
    assert notice in page.inner_text("[data-testid=notices]")
    assert query(page)[name] == default
    assert len(traces(page, PLOT)["grad_norm"]["y"]) == int(query(page)["depth"])


def test_settings_the_engine_refuses_fall_back_to_the_defaults_with_a_notice(page, page_log):
    page_log.allow(422, DEEP)
    open_init(page, "depth=200&width=512&samples=1024")
    page.wait_for_function("() => new URLSearchParams(location.search).get('depth') === '20'")
    wait_ready(page)
    assert "max_init_elements" in page.inner_text("[data-testid=notices]")
    assert len(traces(page, PLOT)["grad_norm"]["y"]) == 20


def test_sigmoid_with_large_normal_weights_piles_its_histograms_at_0_and_1(page):
    open_init(page)
    page.click("a[data-case=sigmoid-normal]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('activation') === 'sigmoid'")
    wait_ready(page)
    bars = page.eval_on_selector(HISTOGRAMS, "el => el.data.map(t => ({name: t.name, x: t.x, y: t.y, w: t.width}))")
    assert [b["name"] for b in bars] == ["layer 1", "layer 3", "layer 7", "layer 10"]
    answer = deep(page, depth=10, width=100, activation="sigmoid", init="normal", gain=1, seed=0, histograms=[1, 3, 7, 10])
    for bar, hist in zip(bars, answer["histograms"]):
        total = sum(hist["counts"])
        assert bar["y"] == pytest.approx([c / total for c in hist["counts"]], rel=1e-12)
        near = sum(y for x, y in zip(bar["x"], bar["y"]) if x < 0.1 or x > 0.9)
        assert near > 0.6, f"{bar['name']}: only {near:.0%} of the activations within 0.1 of 0 or 1"
        assert 0 <= min(bar["x"]) and max(bar["x"]) <= 1


def test_overflow_shows_as_a_gap_and_a_note(page):
    open_init(page, "depth=200&width=50&activation=linear&init=normal&gain=1000&seed=0&samples=4")
    drawn = traces(page, PLOT)
    assert drawn["act_std"]["y"][-1] is None and drawn["act_std"]["y"][0] is not None
    notes = page.inner_text("[data-testid=layer-notes]")
    assert "std of hl overflowed float64 at layer" in notes and "‖∂loss/∂hl‖ overflowed float64 at layer 1" in notes


def test_zero_init_panel_shows_identical_hidden_unit_gradients(page):
    open_init(page)

    def columns(case: str) -> list[list[float]]:
        cells = page.eval_on_selector_all(
            f"[data-symmetry={case}] td[data-unit]",
            "tds => tds.map(td => [Number(td.dataset.unit), td.dataset.row, JSON.parse(td.dataset.value)])")
        units = sorted({u for u, _, _ in cells})
        return [[v for u, _, v in cells if u == unit] for unit in units]

    equal = columns("equal")
    assert len(equal) == 4 and any(v != 0 for v in equal[0])
    for column in equal[1:]:
        assert column == pytest.approx(equal[0], rel=1e-12, abs=1e-300)
    assert page.get_attribute("[data-symmetry=equal]", "data-identical") == "true"
    assert all(v == 0 for column in columns("zeros") for v in column)
    random = columns("random")
    assert random[0] != pytest.approx(random[1])
    assert page.get_attribute("[data-symmetry=random]", "data-identical") == "false"
    # the numbers are the engine's: the equal case's program traced straight through the API
    program = page.eval_on_selector("[data-symmetry=equal] pre", "el => el.textContent")
    grads = page.request.post("/api/graph/trace", data={"program": program}).json()["grads"]
    assert equal[2][:3] == [row[2] for row in grads["W1"]] and equal[2][3] == grads["b1"][2]


def test_the_gallery_draws_every_activation_and_its_derivative_from_the_engine(page):
    open_init(page)
    curves = page.request.get("/api/init/activations").json()
    for curve in curves:
        drawn = traces(page, f"[data-testid=activation-{curve['id']}]")
        assert drawn[curve["id"]]["y"] == curve["y"] and drawn[f"{curve['id']}′"]["y"] == curve["dy"]
    page.click("[data-activation=relu]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('activation') === 'relu'")
    wait_ready(page)
    assert "selected" in page.get_attribute("[data-card=relu]", "class")


def test_keys_step_through_the_cases_and_toggle_presenter_mode(page):
    open_init(page)
    keys = page.inner_text("[data-component=keys]")
    assert "next case" in keys and "presenter mode" in keys
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('init') === 'identity'")
    wait_ready(page)
    assert query(page)["gain"] == "2"
    page.keyboard.press("PageDown")
    page.wait_for_function("() => new URLSearchParams(location.search).get('gain') === '0.5'")
    wait_ready(page)
    page.keyboard.press("p")
    page.wait_for_function("() => document.documentElement.classList.contains('presenter')")
    assert query(page)["presenter"] == "1"
    # a case keeps presenter mode on
    page.click("a[data-case=relu-he]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('activation') === 'relu'")
    assert query(page)["presenter"] == "1"


def test_presenter_mode_from_the_url(page):
    open_init(page, "presenter=1")
    assert page.evaluate("() => document.documentElement.classList.contains('presenter')")
    assert page.get_attribute("[data-testid=presenter-toggle]", "aria-pressed") == "true"


def test_the_legend_says_the_lectures_words_and_hides_a_curve_as_plotlys_would(page):
    """The traces keep the API's names (the test hook); Plotly's legend, which would print them,
    is off, and the HTML legend names each curve in the lecture's notation."""
    open_init(page)
    assert page.eval_on_selector(PLOT, "el => el.layout.showlegend") is False
    entries = page.eval_on_selector_all("[data-testid=layer-legend] [data-trace]",
                                        "els => els.map(e => [e.dataset.trace, e.querySelector('.legend-label').textContent])")
    assert entries == [["act_std", "std of hl"], ["grad_norm", "‖∂loss/∂hl‖"], ["weight_grad_norm", "‖∂loss/∂Wl‖"]]
    legend = page.inner_text("[data-testid=layer-legend]")
    assert "act_std" not in legend and "grad_norm" not in legend
    # each swatch has its trace's colour: Plotly's colorway, in the traces' order
    colours = page.eval_on_selector_all("[data-testid=layer-legend] line", "ls => ls.map(l => l.getAttribute('stroke'))")
    drawn = page.eval_on_selector(PLOT, "el => el._fullData.map(t => t.line.color)")
    assert colours == drawn
    page.click("[data-trace=grad_norm]")
    page.wait_for_function(f"() => document.querySelector('{PLOT}').data[1].visible === 'legendonly'")
    assert page.get_attribute("[data-trace=grad_norm]", "aria-pressed") == "false"
    # still hidden after the next network is drawn; a second click shows it again
    page.select_option("[data-testid=activation]", "relu")
    page.wait_for_function("() => new URLSearchParams(location.search).get('activation') === 'relu'")
    wait_ready(page)
    assert page.eval_on_selector(PLOT, "el => el.data[1].visible") == "legendonly"
    assert traces(page, PLOT)["grad_norm"]["y"]  # the values are there, only not drawn
    page.click("[data-trace=grad_norm]")
    page.wait_for_function(f"() => document.querySelector('{PLOT}').data[1].visible === true")


def test_the_half_identity_case_with_sigmoid_draws_its_histograms_without_an_error(page):
    """Issue 18 item 1: W = 0.5I, then A to sigmoid (and softplus): layer 17's activations span a
    few float steps, which the server used to answer with a 500; now every panel is drawn."""
    for activation in ("sigmoid", "softplus"):
        open_init(page, f"depth=50&width=2&activation={activation}&init=identity&gain=0.5&seed=0")
        assert page.locator("[data-testid=deep-error]").is_hidden()
        assert page.locator("[data-testid=notices]").is_hidden()
        bars = page.eval_on_selector(HISTOGRAMS, "el => el.data.map(t => ({name: t.name, y: t.y}))")
        assert [b["name"] for b in bars] == ["layer 1", "layer 17", "layer 33", "layer 50"]
        for bar in bars:
            assert len(bar["y"]) == 40 and sum(bar["y"]) == pytest.approx(1.0)
        # the narrow layer says where its values are instead of ticks that cannot tell them apart
        notes = page.eval_on_selector(HISTOGRAMS, "el => el.layout.annotations.map(a => a.text)")
        assert any(text.startswith("≈ ") and "spread" in text for text in notes), notes
        assert page.eval_on_selector(HISTOGRAMS, "el => el.layout.xaxis2.showticklabels") is False


def test_a_layer_with_overflowed_values_says_how_many_beside_its_bars(page):
    """W = 100·I through 154 linear layers (the sliders' reach): layer 154's values reach ±1.8e308
    and some overflow; its panel draws the finite ones in units of 10³⁰⁸ and counts the rest
    (its bars are fractions of all the layer's values, overflowed ones included)."""
    open_init(page, "depth=154&width=50&activation=linear&init=identity&gain=100&seed=0")
    answer = deep(page, depth=154, width=50, activation="linear", init="identity", gain=100, seed=0,
                  histograms=[1, 51, 103, 154])
    last = answer["histograms"][-1]
    assert 0 < last["nonfinite"] < 50 * 256
    texts = page.eval_on_selector(HISTOGRAMS, "el => el.layout.annotations.map(a => a.text)")
    assert f"+ {last['nonfinite']} overflowed" in texts
    assert "layer 154, ×10³⁰⁸" in texts and "layer 51, ×10¹⁰²" in texts
    fractions = page.eval_on_selector(HISTOGRAMS, "el => el.data[3].y")
    assert sum(fractions) == pytest.approx(1 - last["nonfinite"] / (50 * 256))
    bars = page.eval_on_selector(HISTOGRAMS, "el => el.data[3].x")
    assert max(abs(x) for x in bars) < 1.8 and max(bars) > 1.7  # ±1.8e308 in units of 10³⁰⁸
    lo, hi = page.eval_on_selector(HISTOGRAMS, "el => el._fullLayout.xaxis4.range")
    assert lo <= min(bars) and max(bars) <= hi and hi - lo < 5  # the axis fits the bars (not Plotly's fallback range)


@pytest.mark.parametrize(("name", "typed", "why"), [
    ("depth", "500", "depth must be between 1 and 200"),
    ("gain", "-3", "gain must be between 0 and 1000000"),
    ("width", "2.5", "width must be a whole number between 1 and 512"),
])
def test_a_typed_value_out_of_range_says_why_beside_its_box(page, name, typed, why):
    """Issue 18 item 11: the reason is on the page, under the box, not only in its tooltip; nothing is asked."""
    open_init(page)
    asked = []
    page.on("request", lambda r: asked.append(r) if r.url.endswith(DEEP) else None)
    type_into(page, f"input[data-param={name}]", typed)
    problem = page.locator(f".param:has(input[data-param={name}]) .param-problem")
    problem.wait_for(state="visible")
    assert problem.inner_text() == why
    box, line = page.locator(f"input[data-param={name}]").bounding_box(), problem.bounding_box()
    assert 0 <= line["y"] - (box["y"] + box["height"]) < 30  # the line right under the box
    assert page.get_attribute(f"input[data-param={name}]", "aria-invalid") == "true"
    assert asked == [] and query(page)[name] == {"depth": "20", "gain": "1", "width": "100"}[name]
    type_into(page, f"input[data-param={name}]", {"depth": "7", "gain": "2", "width": "30"}[name])
    problem.wait_for(state="hidden")
