"""Numbers a student can check (issue 18.2): the deep linear network's ∂loss/∂x = 2¹⁰ = 1024
reads 1024 wherever the stepper shows it (never 1020), the same as the API's gradient."""

from __future__ import annotations

import pytest

from tests.browser.stepper import GRAPH, current_node, fetch_trace, open_graph, press, step_text

pytestmark = pytest.mark.browser

PANEL = "[data-testid=chain-rule]"


def numbers(texts: list[str]) -> list[float]:
    """Cells as the page writes them (a true minus sign) read back as numbers."""
    return [float(t.strip().replace("−", "-")) for t in texts]


def cells(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def test_deep_linear_gradient_reads_1024_everywhere(page, app_url):
    trace = fetch_trace(app_url, preset="deep_linear")
    assert trace["grads"]["x"] == [1024.0, 1024.0]  # the API and the slide: 2¹⁰
    open_graph(page, "preset=deep_linear")
    press(page, "End")
    n = step_text(page).split(" / ")[1]
    assert step_text(page) == f"{n} / {n}" and current_node(page) == "x"

    # The chain-rule panel: the gradient arriving at x, as a matrix of two cells.
    arriving = page.locator(f"{PANEL} .eq.total").first
    assert numbers(cells(page, f"{PANEL} .eq.total >> nth=0 >> td")) == trace["grads"]["x"]
    assert "∂loss" in arriving.inner_text()

    # The leaves' gradients: the row of ∂loss/∂x, its gradient; and every W's 512s.
    rows = page.eval_on_selector_all(
        f"{PANEL} .leaves [data-leaf]",
        """rows => rows.map(r => [
             [...r.querySelector('.leaf-name .frac').children].map(c => c.textContent).join('/'),
             [...r.querySelectorAll('.leaf-grad td')].map(td => td.textContent),
           ])""",
    )
    table = {frac: texts for frac, texts in rows}
    assert numbers(table["∂loss/∂x"]) == trace["grads"]["x"]
    for layer in range(1, 11):
        flat = [g for row in trace["grads"][f"W{layer}"] for g in row]
        assert numbers(table[f"∂loss/∂W{layer}"]) == flat == [512.0] * 4

    # The graph: x's own gradient under it, and the gradient h1 sends back along the edge x → h1.
    assert page.text_content(f'{GRAPH} [data-node-id="x"] .grad-label').strip() == "∂ [1024, 1024]"
    assert page.text_content(f'{GRAPH} [data-source="x"][data-target="h1"] .grad-label').strip() == "[1024, 1024]"
    assert page.text_content(f'{GRAPH} [data-source="h9"][data-target="h10"] .value-label').strip() == "[512, 512]"

    panel = page.inner_text(PANEL)
    assert "1020" not in panel and "1.02e3" not in panel
    assert "2048" in panel  # the output, loss = sum(h10) = 1024 + 1024
