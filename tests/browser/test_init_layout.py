"""/init as a student's phone (390×844) and a projector (1280×720, presenter mode) show it:
nothing scrolls sideways, the page opens at its top, every chart is drawn, and the zero-init
tables keep all four hidden units in view (issue 18 item 8). The `device_page` fixture is
shared with test_schedules_layout.py."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, PageLog, recorded_page
from tests.browser.reading import wait_ready

pytestmark = pytest.mark.browser

DEVICES = {"phone": PHONE, "projector": {}}  # the projector: the harness's 1280×720, in presenter mode


@pytest.fixture(params=list(DEVICES), name="device_page")
def device_page_fixture(request, browser, app_url: str, page_log: PageLog):
    """(device, page): a page in that device's context, checked for problems like the `page` fixture's.
    page.open(path) loads a page, in presenter mode on the projector, and waits until it has drawn."""
    page = recorded_page(browser, app_url, page_log, **DEVICES[request.param])
    page.set_default_timeout(15_000)

    def open_page(path: str) -> None:
        if request.param == "projector":
            path += ("&" if "?" in path else "?") + "presenter=1"
        page.goto(path)
        wait_ready(page)

    page.open = open_page
    yield request.param, page
    page.context.close()
    assert page_log.problems() == [], "the page had problems:\n" + "\n".join(page_log.problems())


# Elements of <main> (outside charts' SVG, which Plotly clips) that reach past the window's right edge.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter((el) => !el.closest('svg') && el.getClientRects().length && el.getBoundingClientRect().right > width + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(el.getBoundingClientRect().right)}`);
}"""


def check_no_sideways_scroll(page) -> None:
    assert page.evaluate(OVERFLOW) == []
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, innerWidth]")
    assert sizes[0] <= sizes[1] == sizes[2], f"the page is {sizes[0]} px wide in a {sizes[1]} px window"


def check_at_the_top(page) -> None:
    assert page.evaluate("() => [scrollX, scrollY, visualViewport.pageLeft, visualViewport.pageTop]") == [0, 0, 0, 0]


@pytest.mark.parametrize("query", ["", "depth=50&width=2&activation=linear&init=identity&gain=2&seed=0",
                                   "depth=10&width=100&activation=sigmoid&init=normal&gain=1&seed=0"])
def test_init_fits_the_window_and_draws_every_chart(device_page, query):
    device, page = device_page
    page.open(f"/init?{query}")
    check_at_the_top(page)
    page.wait_for_selector("[data-testid=activation-gallery][data-drawn=true]")
    check_no_sideways_scroll(page)
    depth = int(dict(p.split("=") for p in query.split("&")).get("depth", 20)) if query else 20
    assert page.eval_on_selector("[data-testid=layer-plot]", "el => el.data.map(t => t.y.length)") == [depth] * 3
    assert page.eval_on_selector("[data-testid=histograms]", "el => el.data.length") == 4
    for selector in ("[data-testid=layer-plot]", "[data-testid=histograms]"):
        box = page.locator(selector).bounding_box()
        assert box["width"] > 300 and box["height"] > 150, f"{selector} is {box} on the {device}"
    # on a phone the histograms go two a row, so each keeps room for its ticks
    rows = page.eval_on_selector("[data-testid=histograms]", "el => el.layout.grid.rows")
    assert rows == (2 if device == "phone" else 1)


def test_the_zero_init_tables_show_every_hidden_unit(device_page):
    device, page = device_page
    page.open("/init")
    page.wait_for_selector("[data-symmetry=random] td[data-unit='4']")
    for case in ("zeros", "equal", "random"):
        card = page.locator(f"[data-symmetry={case}]").bounding_box()
        for column in page.locator(f"[data-symmetry={case}] thead th").all()[1:]:
            cell = column.bounding_box()
            assert card["x"] <= cell["x"] and cell["x"] + cell["width"] <= card["x"] + card["width"], (
                f"{case}: '{column.inner_text()}' sticks out of its card on the {device}")
        assert page.locator(f"[data-symmetry={case}] thead th").all()[-1].inner_text() == "unit 4"
    check_no_sideways_scroll(page)
