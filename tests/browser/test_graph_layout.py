"""/graph on a projector (1280 × 720, presenter mode) and on a phone (390 × 844): nothing
scrolls sideways, for every preset and in training mode (issue 18.8); on the projector the
graph, the chain-rule panel and the controls are in view and the graph's numbers readable."""

from __future__ import annotations

import pytest

from engine import PRESETS
from tests.browser.stepper import GRAPH, open_graph, press, step_text, wait_run

pytestmark = pytest.mark.browser

# At scale 1 an edge label is 17 px; the graph may shrink to fit, but not below this.
READABLE_PX = {"projector": 12.5, "phone": 11.8}


def assert_no_sideways_scroll(page) -> None:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"
    # No element of the page's own content reaches past the window's right edge either.
    # (A graph wider than its box scrolls inside the box, which clips it.)
    past = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
             .filter(e => !e.closest('[data-testid=graph] svg'))
             .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 0.5; })
             .map(e => `${e.tagName.toLowerCase()}.${e.className} right ${e.getBoundingClientRect().right} in ${e.closest('[class]')?.className}`)"""
    )
    assert past == []


def label_px(page) -> float:
    """The size the graph's numbers are drawn at, in CSS pixels: a number label's font size (not a
    shape badge's; 17 px where every label is a badge, as in relu_layer) times the drawing's scale."""
    return page.evaluate(
        """() => { const svg = document.querySelector('[data-testid=graph] svg');
                   const label = [...svg.querySelectorAll('.edge g:not(.is-badge) > text')].find(t => t.textContent);
                   const size = label ? parseFloat(getComputedStyle(label).fontSize) : 17;
                   return size * svg.clientWidth / svg.viewBox.baseVal.width; }"""
    )


def in_view(page, selector: str) -> bool:
    return page.eval_on_selector(
        selector,
        """e => { const r = e.getBoundingClientRect();
                  return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight; }""",
    )


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_fits_the_projector_in_presenter_mode(page, preset):
    open_graph(page, f"preset={preset}&presenter=1")
    press(page, "End")  # every value and gradient revealed: the widest labels
    assert_no_sideways_scroll(page)
    assert page.evaluate("() => document.documentElement.classList.contains('presenter')")
    for selector in ("[data-testid=graph]", "[data-testid=step]", "[data-testid=play]", "[data-testid=next]"):
        assert in_view(page, selector), selector
    panel = page.eval_on_selector(
        ".panel", "e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top]; }"
    )
    assert panel[0] >= 640 and panel[1] <= 1280 and panel[2] < 100  # the chain rule beside the graph, from the top
    assert label_px(page) >= READABLE_PX["projector"]
    # The current node is scrolled into the graph's box, even where the graph is wider than it.
    assert in_view(page, f"{GRAPH} [data-current=true]")


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_fits_a_phone(phone_page, preset):
    page = phone_page
    open_graph(page, f"preset={preset}")
    page.locator("[data-testid=last]").tap()
    n = step_text(page).split(" / ")[1]
    assert step_text(page) == f"{n} / {n}"
    assert_no_sideways_scroll(page)
    assert label_px(page) >= READABLE_PX["phone"]
    # The graph's box is as tall as the drawing: no screenful of white above and below it.
    box, drawing = page.evaluate(
        f"() => [document.querySelector('{GRAPH}').clientHeight, document.querySelector('{GRAPH} svg').clientHeight]"
    )
    assert box <= max(drawing + 24, 160)


@pytest.mark.parametrize("device", ["projector", "phone"])
def test_training_mode_fits(request, device):
    page = request.getfixturevalue("phone_page" if device == "phone" else "page")
    open_graph(page, "preset=mlp&optimizer=adam&lr=0.05" + ("&presenter=1" if device == "projector" else ""))
    assert page.locator("details.training").get_attribute("open") is not None
    page.locator("[data-testid=train-10]").click()
    page.wait_for_function(
        "() => document.body.dataset.run === 'done' && document.querySelector('[data-testid=iteration]').textContent === '10'"
    )
    page.locator("[data-testid=loss-history]").scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=loss-history] .main-svg")
    assert_no_sideways_scroll(page)
    assert page.locator("[data-update=W1]").is_visible()


def test_play_and_pause_are_drawn_icons_not_font_glyphs(page):
    open_graph(page, "preset=colah")
    play = page.locator("[data-testid=play]")
    text = play.text_content()
    assert not any(glyph in text for glyph in "⏸▶⏵⏯▷")  # a machine without that font would show nothing
    assert play.locator("svg.icon-play").is_visible() and play.locator("svg.icon-pause").is_hidden()
    page.select_option("[data-testid=speed]", "4")
    play.click()
    assert play.locator("svg.icon-pause").is_visible() and play.locator("svg.icon-play").is_hidden()
    assert play.get_attribute("aria-label") == "Pause"
    page.wait_for_function("() => document.querySelector('[data-testid=step]').textContent === '11 / 11'")
    assert play.locator("svg.icon-play").is_visible()  # it stops at the end and shows play again
    for button in ("first", "prev", "next", "last"):
        assert page.locator(f"[data-testid={button}] svg.icon").count() == 1
    wait_run(page)
