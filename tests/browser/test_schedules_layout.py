"""/schedules on a student's phone (390×844) and a projector (1280×720, presenter mode): it
opens at its top (it used to open scrolled past its charts on a phone: the selected card was
scrolled into view by the page), nothing scrolls sideways, every chart is drawn; and NewBOB's
panel is a chart, not a strip, at 1920×1080 in presenter mode (issue 18 items 8 and 9)."""

from __future__ import annotations

import pytest

from engine.schedules import SCHEDULES
from tests.browser.reading import wait_ready
from tests.browser.test_init_layout import (
    check_at_the_top,
    check_no_sideways_scroll,
    device_page_fixture,  # noqa: F401 (the fixture device_page)
)

pytestmark = pytest.mark.browser

LOSS = "[data-testid=loss-curve]"
PLOT = "[data-testid=schedule-plot]"


@pytest.mark.parametrize("schedule", ["constant", "newbob", "cosine"])
def test_schedules_opens_at_its_top_fits_the_window_and_draws_every_chart(device_page, schedule):
    device, page = device_page
    page.open(f"/schedules?schedule={schedule}")
    check_at_the_top(page)
    check_no_sideways_scroll(page)
    drawn = page.eval_on_selector(PLOT, "el => el.data.map(t => [t.name, t.x.length])")
    assert [name for name, _ in drawn] == list(SCHEDULES) and all(n == 500 for _, n in drawn)
    assert page.eval_on_selector(LOSS, "el => el.data.length") == 3
    for selector in (PLOT, LOSS):
        area = page.eval_on_selector(selector, "el => el._fullLayout._size")
        assert area["w"] > 200 and area["h"] > 100, f"{selector}'s plot area is {area['w']}×{area['h']} on the {device}"
    # the selected schedule's card is open; on the projector it is in view in its own list
    card = page.locator(f"li.schedule-card[data-schedule={schedule}]")
    assert "selected" in card.get_attribute("class")
    if device == "projector":
        box = card.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1


def test_keys_reveal_a_card_in_the_list_without_scrolling_the_page(device_page):
    device, page = device_page
    page.open("/schedules")
    page.keyboard.press("ArrowLeft")  # from the first schedule to the last: NewBOB
    page.wait_for_function("() => new URLSearchParams(location.search).get('schedule') === 'newbob'")
    wait_ready(page)
    check_at_the_top(page)
    if device == "projector":
        box = page.locator("li.schedule-card[data-schedule=newbob]").bounding_box()
        assert box["y"] + box["height"] <= 720 + 1


def test_newbobs_panel_is_a_readable_chart_at_1920_in_presenter_mode(browser, app_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=app_url)
    try:
        page = context.new_page()
        page.goto("/schedules?schedule=newbob&presenter=1")
        wait_ready(page)
        area = page.eval_on_selector(LOSS, "el => el._fullLayout._size")
        rates = page.eval_on_selector(PLOT, "el => el._fullLayout._size")
        assert area["h"] >= 180, f"NewBOB's plot area is {area['h']} px tall"
        assert area["h"] >= 0.35 * rates["h"]  # a share of the height, not a fixed strip
        check_no_sideways_scroll(page)
    finally:
        context.close()
