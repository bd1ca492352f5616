"""Every page loads in Chromium with no console errors and no request leaving the app."""

from __future__ import annotations

import pytest

from app.settings import settings
from engine import PRESETS
from tests.browser.stepper import open_graph, wait_run

pytestmark = pytest.mark.browser


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
    assert [name for name, _ in links] == ["Home", "Graph", "Optimizers", "Schedules", "Initialisation"]
    # What each page sets once it has drawn everything: leaving earlier would cancel its requests.
    ready = {
        "/graph": "() => document.body.dataset.run === 'done'",
        "/optimizers": "() => Number(document.body.dataset.races ?? 0) >= 1",
        "/schedules": "() => document.body.dataset.state === 'ready'",
        "/init": "() => document.body.dataset.state === 'ready'",
    }
    for _, href in links:
        response = page.goto(href)
        assert response.status == 200, href
        assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == href
        if href in ready:
            page.wait_for_function(ready[href], timeout=30_000)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_runs_end_to_end_without_console_errors(page, preset):
    open_graph(page, f"preset={preset}")
    nodes = page.locator("[data-testid=graph] [data-node-id]").count()
    page.keyboard.press("End")
    assert page.inner_text("[data-testid=step]") == f"{2 * nodes} / {2 * nodes}"
    assert page.get_attribute("[data-testid=gradcheck]", "data-status") == "ok"


def test_presenter_mode_on_the_graph_page_has_no_console_errors(page):
    open_graph(page, "preset=mlp&presenter=1&step=20")
    assert page.locator("[data-testid=program]").is_hidden()


def test_plotly_is_served_by_the_app(page):
    response = page.request.get("/vendor/plotly.min.js")
    assert response.status == 200
    assert "javascript" in response.headers["content-type"]
    assert len(response.body()) > 1_000_000
