"""Every page loads in Chromium with no console errors and no request leaving the app; the
landing page leads to every page; presenter mode carries across the header's links."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app.routers.pages import NAV as NAV_LINKS
from app.scenarios import SCENARIOS
from app.settings import settings
from engine import PRESETS
from engine.optimizers import OPTIMIZERS
from tests.browser.reading import READY, query_lists, wait_ready
from tests.browser.stepper import fetch_trace, open_graph, step_count, wait_run

pytestmark = pytest.mark.browser

PAGES = list(READY)


def presenter_in_url(page) -> list[str]:
    return query_lists(page).get("presenter", [])


def test_landing_page_lists_the_demos_and_the_version(page):
    page.goto("/")
    assert "Backpropagation" in page.inner_text("h1")
    for preset in PRESETS.values():
        card = page.locator(f"[data-testid=demo-{preset.id}]")
        assert card.get_attribute("href") == f"/graph?preset={preset.id}"
        assert preset.title in card.inner_text()
    assert page.inner_text("[data-testid=version]") == f"v{settings.version}"
    assert page.inner_text("[data-testid=landing-version]") == settings.version
    page.click("[data-testid=demo-colah]")
    wait_run(page)
    assert page.url.endswith("/graph?preset=colah&step=0")


def test_the_custom_demo_card_opens_a_program(page):
    page.goto("/")
    page.click("[data-testid=demo-custom]")
    wait_run(page)
    assert page.input_value("[data-testid=preset]") == ""
    assert "tanh" in page.input_value("[data-testid=program]")


def test_every_nav_link_works(page):
    page.goto("/")
    links = page.eval_on_selector_all(
        ".site-nav a", "els => els.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    assert links == [[link.title, link.href] for link in NAV_LINKS]
    for _, href in links:
        response = page.goto(href)
        assert response.status == 200, href
        assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == href
        wait_ready(page, href)


def test_the_landing_page_has_a_card_for_every_page(page):
    page.goto("/")
    cards = page.eval_on_selector_all(
        "[data-testid=pages] a",
        "els => els.map(a => [a.dataset.testid, a.getAttribute('href'), a.querySelector('.card-text').textContent])",
    )
    hrefs = {testid: href for testid, href, _ in cards}
    assert hrefs == {"page-graph": "/graph?preset=colah", "page-optimizers": "/optimizers",
                     "page-schedules": "/schedules", "page-init": "/init", "page-trainability": "/trainability"}
    text = {testid: " ".join(t.split()) for testid, _, t in cards}
    assert all(len(t) > 80 for t in text.values())  # a line on what each shows
    assert "local gradient × the incoming gradient" in text["page-graph"]
    # The race's card names every optimizer of the registry and counts its scenarios.
    assert all(o.title in text["page-optimizers"] for o in OPTIMIZERS.values())
    assert f"{len(SCENARIOS)} stories" in text["page-optimizers"]
    assert "exponential" in text["page-schedules"] and "NewBOB" in text["page-schedules"]
    assert "W = 2I" in text["page-init"] and "W = 0.5I" in text["page-init"]
    assert "fractal" in text["page-trainability"]
    for testid, href in hrefs.items():
        page.goto("/")
        page.click(f"[data-testid={testid}]")
        path = urlsplit(href).path
        page.wait_for_url(lambda url, path=path: urlsplit(url).path == path)
        assert page.locator(".site-nav a[aria-current=page]").get_attribute("data-nav") == path.strip("/")
        wait_ready(page, path)


# Every header link, from the landing page's neighbour round to Home.
NAV = {link.title: link.href for link in [*NAV_LINKS[1:], NAV_LINKS[0]]}


def follow(page, selector: str, path: str) -> None:
    """Click a link to `path` and wait until that page has drawn everything."""
    page.click(selector)
    page.wait_for_url(lambda url: urlsplit(url).path == path)
    wait_ready(page, path)


def presenter_on(page) -> bool:
    return page.evaluate("() => document.documentElement.classList.contains('presenter')")


def test_presenter_mode_carries_across_every_header_link_and_off_carries_off(page):
    page.goto("/")
    wait_ready(page, "/")
    page.click("[data-testid=presenter-toggle]")
    assert presenter_in_url(page) == ["1"]
    for name, path in NAV.items():
        follow(page, f".site-nav a:text-is('{name}')", path)
        assert page.locator(".site-nav a[aria-current=page]").inner_text() == name
        assert presenter_in_url(page) == ["1"], name
        assert presenter_on(page), name
        assert page.get_attribute("[data-testid=presenter-toggle]", "aria-pressed") == "true", name
    # The landing page's cards and the brand carry it too.
    follow(page, "[data-testid=page-init]", "/init")
    assert presenter_on(page) and presenter_in_url(page) == ["1"]
    follow(page, ".brand", "/")
    assert presenter_on(page) and presenter_in_url(page) == ["1"]

    # Off again, and it stays off: the links are the plain ones again.
    page.click("[data-testid=presenter-toggle]")
    assert presenter_in_url(page) == []
    hrefs = page.eval_on_selector_all(".site-nav a", "els => els.map(a => a.getAttribute('href'))")
    assert hrefs == [link.href for link in NAV_LINKS]
    for name, path in NAV.items():
        follow(page, f".site-nav a:text-is('{name}')", path)
        assert presenter_in_url(page) == [], name
        assert not presenter_on(page), name


def test_a_pages_own_presenter_key_updates_the_links_it_carries(page):
    """/schedules toggles presenter mode with P too: the header's links follow at once."""
    page.goto("/schedules")
    wait_ready(page, "/schedules")
    page.keyboard.press("p")
    page.wait_for_function("() => document.documentElement.classList.contains('presenter')")
    assert page.get_attribute(".site-nav [data-nav=optimizers]", "href") == "/optimizers?presenter=1"
    assert page.get_attribute(".brand", "href") == "/?presenter=1"
    page.keyboard.press("p")
    page.wait_for_function("() => !document.documentElement.classList.contains('presenter')")
    assert page.get_attribute(".site-nav [data-nav=optimizers]", "href") == "/optimizers"


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_runs_end_to_end_without_console_errors(page, app_url, preset):
    open_graph(page, f"preset={preset}")
    steps = step_count(fetch_trace(app_url, preset=preset))
    page.keyboard.press("End")
    assert page.inner_text("[data-testid=step]") == f"{steps} / {steps}"
    assert page.get_attribute("[data-testid=gradcheck]", "data-status") == "ok"


def test_presenter_mode_on_the_graph_page_has_no_console_errors(page):
    open_graph(page, "preset=mlp&presenter=1&step=20")
    assert page.locator("[data-testid=program]").is_hidden()


def test_plotly_is_served_by_the_app(page):
    response = page.request.get("/vendor/plotly.min.js")
    assert response.status == 200
    assert "javascript" in response.headers["content-type"]
    assert len(response.body()) > 1_000_000
