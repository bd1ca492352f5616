"""/docs in Chromium: Swagger UI draws every operation of the app's schema and can call
the API, under the design's CSP, with every request aborted that would leave the server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.harness import CSP

pytestmark = pytest.mark.browser


def operations(schema: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}


@pytest.fixture
def offline(page) -> list[str]:
    """Abort (and list) every request to another host, as with no network."""
    leaving: list[str] = []

    def abort(route):
        leaving.append(route.request.url)
        route.abort()

    page.route(lambda url: urlsplit(url).hostname != "127.0.0.1", abort)
    return leaving


def test_docs_draws_every_operation_offline_and_calls_the_api(page, offline):
    response = page.goto("/docs")
    assert response.status == 200 and response.headers["content-security-policy"] == CSP
    expected = operations(page.request.get("/openapi.json").json())
    page.wait_for_selector("#swagger-ui .opblock")
    drawn = page.eval_on_selector_all(
        "#swagger-ui .opblock",
        "els => els.map(el => [el.querySelector('.opblock-summary-method').textContent.trim(),"
        " el.querySelector('.opblock-summary-path').getAttribute('data-path')])",
    )
    assert len(drawn) == len(expected) and set(map(tuple, drawn)) == expected
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("backproplab")

    # "Try it out" on /api/health: Swagger UI's fetch runs under the page's policy.
    health = page.locator("#operations-meta-health_api_health_get")
    health.locator(".opblock-summary").click()
    health.locator("button.try-out__btn").click()
    health.locator("button.execute").click()
    body = health.locator(".live-responses-table .response-col_description .microlight").first
    body.wait_for()
    assert '"status": "ok"' in body.inner_text()
    assert page.url.endswith("/docs#/meta/health_api_health_get")  # deep link to the opened operation
    assert offline == []


def test_the_home_page_footer_opens_the_docs(page, offline):
    page.goto("/")
    page.click("[data-testid=api-docs]")
    page.wait_for_selector("#swagger-ui .opblock")
    assert urlsplit(page.url).path == "/docs"
    assert offline == []
