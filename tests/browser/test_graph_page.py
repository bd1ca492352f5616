"""The backprop stepper in Chromium: load, press keys, read what is drawn."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.browser.reading import query
from tests.browser.stepper import (
    GRAPH,
    backward_steps,
    current_node,
    fetch_trace,
    node_attr,
    open_graph,
    press,
    snapshot,
    step_text,
    wait_run,
)

pytestmark = pytest.mark.browser

STREAM = "/api/graph/trace/stream"


def svg_text(page, selector: str) -> str:
    """The text of a drawn SVG label, which must be showing."""
    label = page.locator(selector)
    assert label.is_visible(), f"{selector} is not showing"
    return label.text_content().strip()


def edge_value_label(page, source: str, target: str) -> str:
    return svg_text(page, f'{GRAPH} [data-source="{source}"][data-target="{target}"] .value-label')


def edge_grad_label(page, source: str, target: str) -> str:
    return svg_text(page, f'{GRAPH} [data-source="{source}"][data-target="{target}"] .grad-label')


def test_colah_draws_one_element_per_node_and_reveals_nothing_at_step_0(page, app_url):
    open_graph(page, "preset=colah")
    trace = fetch_trace(app_url, preset="colah")
    ids = page.eval_on_selector_all(f"{GRAPH} [data-node-id]", "els => els.map(e => e.dataset.nodeId)")
    assert sorted(ids) == sorted(n["id"] for n in trace["graph"]["nodes"])
    assert step_text(page) == "0 / 11"  # 6 forward steps, 5 backward: the constant 1 has none
    assert current_node(page) is None
    assert page.locator(f"{GRAPH} [data-value]").count() == 0
    assert page.inner_text("[data-testid=phase]").strip().lower() == "ready"
    # Op nodes show their symbols, the anonymous constant its value.
    assert svg_text(page, f'{GRAPH} [data-node-id="e"] .symbol') == "×"
    assert svg_text(page, f'{GRAPH} [data-node-id="c"] .symbol') == "+"
    assert svg_text(page, f'{GRAPH} [data-node-id="const_1"] .symbol') == "1"
    assert svg_text(page, f'{GRAPH} [data-node-id="c"] .name') == "c"
    assert not page.locator(f'{GRAPH} [data-source="c"][data-target="e"] .value-label').is_visible()


def test_colah_forward_steps_follow_the_trace(page, app_url):
    open_graph(page, "preset=colah")
    trace = fetch_trace(app_url, preset="colah")
    keys = ["ArrowRight", " ", "PageDown", "ArrowRight", " ", "PageDown"]
    for k, (key, event) in enumerate(zip(keys, trace["forward"]), start=1):
        press(page, key)
        assert step_text(page) == f"{k} / 11"
        assert current_node(page) == event["node"]
        assert node_attr(page, event["node"], "value") == event["value"]
        assert node_attr(page, event["node"], "grad") is None
    assert page.inner_text("[data-testid=phase]").strip().lower() == "forward"
    assert [node_attr(page, n, "value") for n in "cde"] == [3.0, 2.0, 6.0]
    # The values ride on the outgoing edges, in the forward colour.
    assert edge_value_label(page, "c", "e") == "3"
    assert edge_value_label(page, "d", "e") == "2"
    assert svg_text(page, f'{GRAPH} [data-output="true"] .value-label') == "6"
    panel = page.inner_text("[data-testid=chain-rule]")
    assert "e = c * d" in panel and "3 × 2" in panel


def test_colah_backward_steps_show_the_gradients(page, app_url):
    open_graph(page, "preset=colah")
    trace = fetch_trace(app_url, preset="colah")
    press(page, "End")
    assert step_text(page) == "11 / 11"
    assert current_node(page) == trace["backward"][-1]["node"] == "a"
    assert node_attr(page, "a", "grad") == 2.0
    assert node_attr(page, "b", "grad") == 5.0
    assert page.inner_text("[data-testid=phase]").strip().lower() == "backward"

    press(page, "Home")
    assert step_text(page) == "0 / 11"
    assert page.locator(f"{GRAPH} [data-value]").count() == 0
    assert page.locator(f"{GRAPH} [data-grad]").count() == 0

    press(page, "ArrowRight", 6)
    steps = backward_steps(trace)
    assert [e["node"] for e in steps] == ["e", "d", "c", "b", "a"]  # the API's trace also has const_1's
    for j, event in enumerate(steps, start=1):
        press(page, "ArrowRight")
        assert step_text(page) == f"{6 + j} / 11"
        assert current_node(page) == event["node"]
        assert node_attr(page, event["node"], "grad") == event["grad"]
        panel = page.inner_text("[data-testid=chain-rule]")
        if event["node"] == "b":
            # b fans out to c and d: its gradient is the sum of what each sent back, in backprop order.
            assert re.search(r"3 \+ 2 = 5", panel), panel
            assert edge_grad_label(page, "b", "d") == "3"
            assert edge_grad_label(page, "b", "c") == "2"
        if event["node"] == "e":
            # local derivative × incoming gradient for each input of ×
            assert "3 × 1 = 3" in panel and "2 × 1 = 2" in panel
    assert node_attr(page, "a", "grad") == 2.0
    assert node_attr(page, "b", "grad") == 5.0


def test_page_keys_and_back_keys(page):
    open_graph(page, "preset=colah&step=11")
    assert step_text(page) == "11 / 11"
    press(page, "ArrowLeft")
    assert (step_text(page), current_node(page)) == ("10 / 11", "b")
    press(page, "PageUp")
    assert (step_text(page), current_node(page)) == ("9 / 11", "c")
    assert node_attr(page, "b", "grad") is None  # b's own step was undone
    press(page, "PageDown")
    assert (step_text(page), current_node(page)) == ("10 / 11", "b")
    assert node_attr(page, "b", "grad") == 5.0


def test_stepping_back_undoes_exactly_one_step(page):
    open_graph(page, "preset=colah")
    seen = [snapshot(page)]
    for _ in range(11):
        press(page, "ArrowRight")
        seen.append(snapshot(page))
    assert len({str(s) for s in seen}) == 12  # every step changes something
    press(page, "ArrowRight")  # past the end: nothing happens
    assert snapshot(page) == seen[11]
    for k in range(11, 0, -1):
        press(page, "ArrowLeft")
        assert snapshot(page) == seen[k - 1], f"stepping back from {k} did not restore step {k - 1}"


def test_keys_do_not_step_while_typing_in_the_editor(page):
    open_graph(page, "preset=colah")
    press(page, "ArrowRight", 2)
    editor = page.locator("[data-testid=program]")
    editor.click()
    before = editor.input_value()
    press(page, "End")
    press(page, "ArrowRight")
    press(page, " ")
    press(page, "PageDown")
    assert step_text(page) == "2 / 11"
    assert editor.input_value() != before  # the space went into the program
    press(page, "Escape")  # hands the keyboard back to the stepper
    press(page, "ArrowRight")
    assert step_text(page) == "3 / 11"


def test_space_on_a_focused_button_steps_once(page):
    open_graph(page, "preset=colah")
    page.click("[data-testid=next]")
    assert step_text(page) == "1 / 11"
    press(page, " ")
    assert step_text(page) == "2 / 11"
    page.click("[data-testid=prev]")
    assert step_text(page) == "1 / 11"
    page.click("[data-testid=last]")
    assert step_text(page) == "11 / 11"
    page.click("[data-testid=first]")
    assert step_text(page) == "0 / 11"


@pytest.mark.parametrize(
    ("program", "where"),
    [
        ("a = input(2.0)\nz = a *\n", "Line 2, column 8"),
        ("x = input(1.0)\ny = sigmod(x)\n", "Line 2, column 5"),
    ],
)
def test_a_program_error_points_at_line_and_column_and_keeps_the_last_graph(page, page_log, program, where):
    page_log.allow(422, STREAM)
    open_graph(page, "preset=colah")
    press(page, "ArrowRight", 4)
    url = page.url
    page.fill("[data-testid=program]", program)
    page.click("[data-testid=run]")
    wait_run(page, "error")
    error = page.locator("[data-testid=program-error]")
    assert error.is_visible()
    assert where in error.inner_text()
    # The last good graph stays, at its step, and so does its URL.
    assert step_text(page) == "4 / 11"
    assert current_node(page) == "const_1"  # a constant's forward step stays: its value enters the graph
    assert page.locator(f"{GRAPH} [data-node-id]").count() == 6
    assert page.url == url
    press(page, "ArrowRight")  # and it still steps
    assert step_text(page) == "5 / 11"


def test_an_evaluation_error_points_at_the_line_that_assigns_the_node(page, page_log):
    page_log.allow(422, STREAM)
    open_graph(page, "preset=mul")
    page.fill("[data-testid=program]", "x = input(-1.0)\ny = log(x)\n")
    page.locator("[data-testid=program]").press("Control+Enter")
    wait_run(page, "error")
    text = page.inner_text("[data-testid=program-error]")
    assert "Line 2" in text and "finite" in text


def test_a_bookmarked_url_restores_the_step(page):
    open_graph(page, "preset=colah")
    press(page, "ArrowRight", 9)
    assert query(page) == {"preset": "colah", "step": "9"}
    page.reload()
    wait_run(page)
    assert step_text(page) == "9 / 11"
    assert current_node(page) == "c"
    assert node_attr(page, "d", "grad") == 3.0
    # A URL typed in by hand (another preset, a step past the end is clamped).
    open_graph(page, "preset=logreg&step=99")
    assert step_text(page) == "16 / 16"
    assert query(page)["step"] == "16"


def test_a_custom_program_runs_and_lives_in_the_url(page, app_url):
    open_graph(page, "preset=logreg")
    program = page.locator("[data-testid=program]").input_value().replace("t = input(1.0)", "t = input(0.0)")
    page.fill("[data-testid=program]", program)
    page.locator("[data-testid=program]").press("Control+Enter")
    wait_run(page)
    assert query(page) == {"program": program, "step": "0"}
    assert page.input_value("[data-testid=preset]") == ""
    assert page.inner_text("[data-testid=title]").startswith("Custom program")
    trace = fetch_trace(app_url, program=program)
    press(page, "End")  # typing: the key belongs to the editor
    assert step_text(page) == "0 / 16"
    press(page, "Escape")
    press(page, "End")
    assert step_text(page) == "16 / 16"
    assert node_attr(page, "b", "grad") == pytest.approx(trace["grads"]["b"])
    assert node_attr(page, "w", "grad") == pytest.approx(trace["grads"]["w"])
    assert page.get_attribute("[data-testid=gradcheck]", "data-status") == "ok"
    # Reloading the bookmarked URL brings the same program back at the same step.
    page.reload()
    wait_run(page)
    assert page.locator("[data-testid=program]").input_value() == program
    assert step_text(page) == "16 / 16"


def test_choosing_a_preset_runs_it(page):
    open_graph(page, "preset=colah")
    page.select_option("[data-testid=preset]", "mul")
    wait_run(page)
    assert query(page)["preset"] == "mul"
    assert step_text(page) == "0 / 6"
    press(page, "End")  # the picker gave the keyboard back
    assert node_attr(page, "x", "grad") == -2.0
    assert node_attr(page, "y", "grad") == 3.0


def test_presenter_mode_toggles_and_is_kept_in_the_url(page):
    open_graph(page, "preset=colah&step=3")
    editor = page.locator("[data-testid=program]")
    assert editor.is_visible()
    toggle = page.locator("[data-testid=presenter-toggle]")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert "presenter" in page.get_attribute("html", "class")
    assert not editor.is_visible()
    assert query(page)["presenter"] == "1"
    press(page, "ArrowRight")  # still steps
    assert step_text(page) == "4 / 11"
    page.reload()
    wait_run(page)
    assert not editor.is_visible()
    page.locator("[data-testid=presenter-toggle]").click()
    assert editor.is_visible()
    assert "presenter" not in query(page)


def test_play_and_pause(page):
    open_graph(page, "preset=colah")
    page.select_option("[data-testid=speed]", "4")
    press(page, "p")
    page.wait_for_function("() => document.querySelector('[data-testid=step]').textContent.startsWith('3 /')")
    press(page, "p")
    paused = step_text(page)
    page.wait_for_timeout(600)
    assert step_text(page) == paused
    assert query(page)["speed"] == "4"


def test_tensors_show_as_matrices_and_large_ones_as_heatmaps(page):
    open_graph(page, "preset=mlp")
    press(page, "ArrowRight", 5)  # matmul_1 = X @ W1: 4×4
    assert current_node(page) == "matmul_1"
    assert page.locator("[data-testid=chain-rule] table.matrix").count() >= 3
    label = svg_text(page, f'{GRAPH} [data-source="matmul_1"] .value-label')
    assert label == "4×4"  # a shape badge on the edge, the full matrix in the panel
    page.fill("[data-testid=program]", "W = param(randn(10, 12, seed=0))\nloss = sum(W * W)\n")
    page.click("[data-testid=run]")
    wait_run(page)
    press(page, "ArrowRight")
    panel = page.locator("[data-testid=chain-rule]")
    assert panel.locator("canvas").count() == 1
    assert "shape 10×12" in panel.inner_text()


def test_a_gradient_check_that_checked_nothing_is_no_pass(page):
    """log(x) at x = 1e-10: every nudge of h = 1e-6 leaves log's domain, so no leaf is
    checked; the badge says so instead of showing a ✓ for a max error of nothing."""
    open_graph(page, "program=" + quote("x = param(1e-10)\nz = log(x)"))
    badge = page.locator("[data-testid=gradcheck]")
    assert badge.get_attribute("data-status") == "unchecked"
    assert "n/a" in badge.inner_text() and "✓" not in badge.inner_text()
