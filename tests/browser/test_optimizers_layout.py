"""/optimizers at the projector (1280 × 720, presenter mode) and on a phone (390 × 844):
the race in view without scrolling, scenarios from a compact menu that mark the current
one and bring its race into view, the 3D view in the contour's place, and nothing wider
than the screen (issue 18, items 6 and 8)."""

from __future__ import annotations

import pytest

from app.scenarios import SCENARIOS
from tests.browser.conftest import PHONE, recorded_page

pytestmark = pytest.mark.browser

RACE_PARTS = ("[data-testid=surface-plot]", "[data-testid=scrubber]", "[data-testid=run-list]")
# Every optimizer, two schedules opened, a custom surface with its window: the widest the controls get.
CROWDED = ("/optimizers?expr=x**2%2B10*y**2&run=sgd,lr=0.01&run=momentum,lr=0.01&run=nesterov,lr=0.01"
           "&run=adagrad,lr=0.5&run=rmsprop,lr=0.01&run=adam,lr=0.02,schedule=piecewise&run=adamw,lr=0.02"
           "&run=rprop&run=adadelta,schedule=cosine")


def wait_race(page) -> None:
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")


def boxes(page) -> dict[str, dict]:
    return {selector: page.locator(selector).bounding_box() for selector in RACE_PARTS}


def assert_in_view(page, width: int, height: int) -> None:
    assert page.evaluate("() => window.scrollY") == 0
    for selector, box in boxes(page).items():
        assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (selector, box)


def assert_no_sideways_scroll(page, width: int) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths == [width, width], widths


def test_at_the_projector_the_plot_scrubber_and_runs_are_in_view_without_scrolling(page):
    page.goto("/optimizers?presenter=1")
    wait_race(page)
    assert page.evaluate("() => document.documentElement.classList.contains('presenter')")
    assert_in_view(page, 1280, 720)
    plot = page.locator("[data-testid=surface-plot]").bounding_box()
    assert plot["height"] >= 400 and plot["width"] >= 400  # a plot the room can read, not a strip
    # the run list shows whole cards and scrolls inside itself for the rest
    first = page.locator(".run-card").first.bounding_box()
    assert first["y"] + first["height"] <= 720
    assert_no_sideways_scroll(page, 1280)


def test_a_scenario_from_the_menu_is_marked_current_and_its_race_is_in_view_at_the_projector(page):
    scenario = next(s for s in SCENARIOS if s.id == "ravine")
    page.goto("/optimizers?presenter=1")
    wait_race(page)
    menu = page.locator("[data-testid=scenario-menu]")
    assert menu.locator(".scenarios").is_hidden()  # compact: a button until opened
    page.click("[data-testid=scenario-menu] summary")
    link = page.locator(f'a[data-scenario="{scenario.id}"]')
    assert link.is_visible()
    assert page.locator(".scenario p").first.evaluate("(p) => p.scrollHeight <= p.clientHeight + 1")
    link.click()
    page.wait_for_url("**/optimizers?surface=quadratic*")
    wait_race(page)
    assert page.evaluate("() => document.documentElement.classList.contains('presenter')")  # carried along
    current = page.locator("[data-testid=scenario-current]")
    assert current.is_visible() and current.get_attribute("data-scenario") == scenario.id
    assert current.locator(".scenario-current-story").text_content() == scenario.story  # in full
    assert page.locator(".scenario.current a").get_attribute("data-scenario") == scenario.id
    assert_in_view(page, 1280, 720)
    # Changing a run makes it another race: the scenario is no longer marked.
    count = page.evaluate("() => Number(document.body.dataset.races)")
    page.fill('[data-run="SGD"][data-param="lr"]', "0.05")
    page.wait_for_function(f"() => Number(document.body.dataset.races) > {count}")
    assert current.is_hidden() and page.locator(".scenario.current").count() == 0


def test_on_a_phone_a_scenario_brings_its_race_into_view(phone_page):
    scenario = next(s for s in SCENARIOS if s.id == "lr-sizes")
    phone_page.goto("/optimizers")
    wait_race(phone_page)
    phone_page.tap("[data-testid=scenario-menu] summary")
    phone_page.tap(f'a[data-scenario="{scenario.id}"]')
    phone_page.wait_for_url("**/optimizers?surface=quadratic*")
    wait_race(phone_page)
    assert phone_page.locator("[data-testid=scenario-current]").get_attribute("data-scenario") == scenario.id
    stage = phone_page.locator(".race-stage").bounding_box()  # the plot and its scrubber
    assert stage["y"] >= 0 and stage["y"] + stage["height"] <= 844, stage
    assert_no_sideways_scroll(phone_page, 390)


@pytest.fixture
def small_phone(browser, app_url, page_log):
    """A 360 × 640 phone, where a scenario's story and the race do not fit together."""
    page = recorded_page(browser, app_url, page_log, **{**PHONE, "viewport": {"width": 360, "height": 640}})
    yield page
    page.context.close()
    assert page_log.problems() == [], "the page had problems:\n" + "\n".join(page_log.problems())


def test_on_a_small_phone_a_scenario_scrolls_to_its_race(small_phone):
    scenario = next(s for s in SCENARIOS if s.id == "adam-bias")  # a long story
    small_phone.goto(scenario.href)
    wait_race(small_phone)
    story = small_phone.locator("[data-testid=scenario-current]").bounding_box()
    stage = small_phone.locator(".race-stage").bounding_box()
    assert small_phone.evaluate("() => window.scrollY") > 0
    assert stage["y"] >= -1 and stage["y"] + stage["height"] <= 640, stage
    assert story["y"] < 0  # the story is just above, a swipe away
    assert_no_sideways_scroll(small_phone, 360)


def test_the_3d_view_takes_the_contour_plots_place(page):
    page.goto("/optimizers?presenter=1&steps=100")
    wait_race(page)
    flat = page.locator("[data-testid=surface-plot]").bounding_box()
    page.check("[data-testid=view-3d]")
    page.wait_for_function("() => (document.querySelector('[data-testid=surface-3d]').data ?? []).length > 1")
    three = page.locator("[data-testid=surface-3d]").bounding_box()
    assert three == pytest.approx(flat, abs=1)
    assert page.locator("[data-testid=surface-plot]").evaluate("(el) => getComputedStyle(el).visibility") == "hidden"
    assert_in_view(page, 1280, 720)
    page.uncheck("[data-testid=view-3d]")
    assert page.locator("[data-testid=surface-3d]").is_hidden()
    assert page.locator("[data-testid=surface-plot]").evaluate("(el) => getComputedStyle(el).visibility") == "visible"


def test_nothing_scrolls_sideways_with_every_optimizer_on_a_phone(phone_page):
    phone_page.goto(CROWDED)
    wait_race(phone_page)
    assert phone_page.locator(".run-card").count() == 9
    assert phone_page.locator("[data-testid=domain]").is_visible()
    assert_no_sideways_scroll(phone_page, 390)
    widest = phone_page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('.run-card, .race-runs, "
                                 ".race-settings, .surface-choice, .sweep-panel'), (el) => el.getBoundingClientRect().right))")
    assert widest <= 390


def test_nothing_scrolls_sideways_with_every_optimizer_at_the_projector(page):
    page.goto(f"{CROWDED}&presenter=1")
    wait_race(page)
    assert_no_sideways_scroll(page, 1280)
    assert_in_view(page, 1280, 720)
