"""The chain-rule panel in the lecture's words (issue 18.11): constants get no backward step
of their own, unnamed nodes are named by their expression (never const_1, matmul_1), and
derivatives are of the output by its own name (∂loss/∂w, ∂e/∂a), not a generic dL/dw."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.browser.stepper import GRAPH, backward_steps, current_node, fetch_trace, open_graph, press, step_text

pytestmark = pytest.mark.browser

PANEL = "[data-testid=chain-rule]"
MADE_UP_ID = re.compile(r"\b(?:const|matmul|add|sub|mul|div|pow|neg|sum|mean|exp|sqrt)_\d+\b")

# y = 3(wᵀx + b), loss = (y − 1)²: wᵀx = 0.5 + 0.5 = 1, y = 3·2 = 6, loss = 5² = 25; going back
# ∂loss/∂(y − 1) = 2·5 = 10 = ∂loss/∂y, ∂loss/∂(w @ x + b) = 3 × 10 = 30 = ∂loss/∂b, ∂loss/∂w = 30x.
PROGRAM = """x = input([1.0, 2.0])
w = param([0.5, 0.25])
b = param(1.0)
y = 3 * (w @ x + b)
loss = (y - 1) ** 2
"""


def fracs(page) -> list[str]:
    """Every ∂top/∂bottom the panel shows, as text."""
    return page.eval_on_selector_all(
        f"{PANEL} .frac", "els => els.map(f => [...f.children].map(c => c.textContent).join('/'))"
    )


def walk(page, steps: int):
    """Press → through every step, yielding (current node, panel text) after each."""
    for _ in range(steps):
        press(page, "ArrowRight")
        yield current_node(page), page.inner_text(PANEL)


def heading(page) -> str:
    """The panel's heading without its phase pill: the current node's name and shape."""
    return page.eval_on_selector(f"{PANEL} h2", "h => [...h.childNodes].slice(1).map(c => c.textContent).join(' ')")


def open_program(page, program: str) -> None:
    open_graph(page, "program=" + quote(program))


def test_constants_get_no_backward_step_and_nothing_is_sent_to_them(page, app_url):
    trace = fetch_trace(app_url, program=PROGRAM)
    consts = {n["id"]: n["source"] for n in trace["graph"]["nodes"] if n["kind"] == "const"}
    assert sorted(consts.values()) == ["1", "2", "3"]
    assert {e["node"] for e in trace["backward"]} >= set(consts)  # the API's trace keeps their events
    stops = [e["node"] for e in backward_steps(trace)]
    assert stops == ["loss", "sub_1", "y", "add_1", "matmul_1", "b", "w", "x"]
    n = len(trace["forward"]) + len(stops)
    assert n == 11 + 8

    open_program(page, PROGRAM)
    assert step_text(page) == f"0 / {n}"
    press(page, "ArrowRight", len(trace["forward"]))
    for k, (node, panel) in enumerate(walk(page, len(stops)), start=1):
        assert step_text(page) == f"{len(trace['forward']) + k} / {n}"
        assert node == stops[k - 1] and node not in consts
        assert page.locator(f"{GRAPH} [data-node-id][data-current=true].kind-const").count() == 0
        if node == "loss":
            # loss = (y − 1) ** 2 sends a gradient to y − 1 only, none to the exponent 2.
            assert page.locator(f"{PANEL} .contrib").count() == 1
            assert "to y − 1" in panel and "to 2" not in panel
            assert "2·(y − 1)^(2 − 1)" in panel  # the local derivative in symbols
            assert "5 × 1 = 10" not in panel and "10 × 1 = 10" in panel
        if node == "sub_1":
            assert page.locator(f"{PANEL} .contrib").count() == 1
            assert "to y" in panel and "to 1" not in panel and "1 × 10 = 10" in panel
    # A constant shows no gradient, on its node or on its edge, and carries no data-grad.
    for const in consts:
        assert page.get_attribute(f'{GRAPH} [data-node-id="{const}"]', "data-grad") is None
        assert page.text_content(f'{GRAPH} [data-source="{const}"] .grad-label').strip() == ""


def test_unnamed_nodes_are_named_by_their_expression(page, app_url):
    trace = fetch_trace(app_url, program=PROGRAM)
    open_program(page, PROGRAM)
    n = int(step_text(page).split(" / ")[1])
    seen = {}
    for node, panel in walk(page, n):
        assert not MADE_UP_ID.search(panel), f"step at {node}: {panel}"
        seen.setdefault(node, []).append((panel, heading(page), fracs(page)))
    (forward, head, _), (panel, back_head, shown) = seen["add_1"]
    assert head == back_head == "w @ x + b scalar"
    assert "w @ x + b\n=\nw @ x + b\n=\n1 + 1 = 2" in forward  # no needless brackets: (w @ x) + b
    assert "∂y/∂(w @ x + b)" in shown and "∂loss/∂(w @ x + b)" in shown and "∂loss/∂y" in shown
    assert "3 × 10 = 30" in panel  # ∂y/∂(w @ x + b) · ∂loss/∂y
    assert "y\n=\n3 × (w @ x + b)\n=\n3 × 2 = 6" in seen["y"][0][0]  # and the brackets that are needed
    assert trace["grads"]["b"] == 30.0 and trace["grads"]["w"] == [30.0, 60.0]
    # The matmul's rule, which the engine writes with its made-up ids, in the panel's words.
    assert seen["matmul_1"][0][1] == "w @ x scalar"
    rule = seen["matmul_1"][1][0]
    assert "∂loss/∂w = ∂loss/∂(w @ x) · xᵀ" in rule and "∂loss/∂x = wᵀ · ∂loss/∂(w @ x)" in rule
    # A constant is named by its value: its forward step says "3 is a constant".
    const_3 = next(n["id"] for n in trace["graph"]["nodes"] if n["kind"] == "const" and n["source"] == "3")
    assert "3 is a constant." in seen[const_3][0][0]


def test_a_long_expression_is_cut_short_with_the_whole_of_it_in_a_title(page):
    program = "x = input([1.0, 2.0])\nw = param([0.5, 0.25])\nloss = sum(exp(w * x) * (w - x)) + mean(w)\n"
    open_program(page, program)
    n = int(step_text(page).split(" / ")[1])
    checked = False
    for node, panel in walk(page, n):
        assert not MADE_UP_ID.search(panel), f"step at {node}: {panel}"
        if node == "sum_1" and panel.upper().startswith("BACKWARD"):
            checked = True
            head = page.locator(f"{PANEL} h2 .expr")
            assert head.get_attribute("title") == "sum(exp(w * x) * (w − x))"
            text = head.inner_text()
            assert text == "sum(exp(…) * (w − x))" and len(text) <= 24
            assert "sum(exp(w * x) * (w - x))" in panel  # the program's text, in full, under it
            assert "∂loss/∂sum(exp(…) * (w − x))" in fracs(page)
    assert checked


def test_derivatives_are_of_the_output_by_its_own_name(page, app_url):
    open_graph(page, "preset=colah&step=11")
    assert {"∂e/∂a", "∂e/∂b"} <= set(fracs(page))  # the leaf table at the end
    assert not any(f.startswith("∂L/") for f in fracs(page))

    open_graph(page, "preset=mlp")
    assert "∂loss/∂W = Hᵀ · ∂loss/∂Y and ∂loss/∂H = ∂loss/∂Y · Wᵀ" in page.inner_text(PANEL)
    trace = fetch_trace(app_url, preset="mlp")
    n = len(trace["forward"]) + len(backward_steps(trace))
    rules = []
    for node, panel in walk(page, n):
        assert "dL/d" not in panel and "∂L/∂" not in panel, f"step at {node}: {panel}"
        assert not any(f.startswith("∂L/") for f in fracs(page))
        assert not MADE_UP_ID.search(panel), f"step at {node}: {panel}"
        if node == "matmul_2" and "to W2" in panel:
            rules.append(panel)
            assert "∂loss/∂W2 = Hᵀ · ∂loss/∂(H @ W2)" in panel
            assert "∂loss/∂(H @ W2)" in fracs(page)
    assert len(rules) == 1  # matmul_2's backward step

    # A non-scalar output has no name to differentiate: L = sum(H), and the panel says so.
    open_graph(page, "preset=relu_layer&step=7")
    assert current_node(page) == "H"
    assert "the gradient of L = sum(H)" in page.inner_text(PANEL)
    assert "∂L/∂H" in fracs(page)
    press(page, "ArrowRight", 2)
    assert current_node(page) == "A"
    assert "∂L/∂X = Wᵀ · ∂L/∂A" in page.inner_text(PANEL) and "∂L/∂A" in fracs(page)
