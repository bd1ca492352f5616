"""Every page takes its bounds from GET /api/limits (static/js/lib/limits.js): a limit the
server says differently moves the page's check with it, and a page whose limits cannot be
read still draws, says so, and leaves the refusing to the server."""

from __future__ import annotations

import json

import pytest

from engine.limits import LIMITS
from tests.browser.reading import query, wait_ready

pytestmark = pytest.mark.browser

NOTICES = "[data-testid=notices]"

# (page and URL, the limit the server is made to say, its new value, the notice the URL's value
# then gets, the value the page falls back to). Each URL value is within the real limit and
# beyond the one served, so only a page that reads the served limit refuses it.
SERVED = [
    ("/optimizers?surface=quadratic&steps=400&run=sgd,lr=0.05", "steps", 300,
     "steps '400' is above the maximum 300; using 500 instead", ("steps", "500")),
    ("/schedules?schedule=constant&lr=2", "lr", 1,
     "lr (η₀) '2' is above the maximum 1; using 0.1 instead", ("lr", "0.1")),
    ("/init?depth=40", "depth", 30,
     "depth '40' is above the maximum 30; using 20 instead", ("depth", "20")),
    ("/graph?preset=logreg&optimizer=sgd&iteration=6", "steps", 5,
     "iteration '6' is above the maximum 5; using 0 instead", ("iteration", None)),
]


def serve_limits(page, **changed) -> None:
    """Answer GET /api/limits with the server's table, `changed` replacing some of it."""
    body = json.dumps({**LIMITS, **changed})
    page.route("**/api/limits", lambda route: route.fulfill(status=200, content_type="application/json", body=body))


@pytest.mark.parametrize(("url", "name", "value", "notice", "fallback"), SERVED, ids=[s[0].split("?")[0] for s in SERVED])
def test_a_page_bounds_its_url_by_the_limit_the_server_serves(page, url, name, value, notice, fallback):
    serve_limits(page, **{name: value})
    page.goto(url)
    wait_ready(page)
    assert notice in page.inner_text(NOTICES)
    key, shown = fallback
    assert query(page).get(key) == shown


@pytest.mark.parametrize("url", ["/optimizers?surface=quadratic&steps=400&run=sgd,lr=0.05", "/schedules?lr=2",
                                 "/init?depth=40", "/graph?preset=logreg&optimizer=sgd&iteration=6"])
def test_the_same_urls_within_the_real_limits_need_no_notice(page, url):
    """The control of the test above: without the changed limit, nothing is refused."""
    page.goto(url)
    wait_ready(page)
    assert page.locator(NOTICES).is_hidden()


@pytest.mark.parametrize("path", ["/optimizers", "/schedules", "/init", "/graph"])
def test_a_page_whose_limits_cannot_be_read_still_draws_and_says_so(page, page_log, path):
    page_log.allow(503, "/api/limits")
    page.route("**/api/limits", lambda route: route.fulfill(
        status=503, content_type="application/json", body=json.dumps({"detail": {"message": "the server is busy"}})))
    page.goto(path)
    wait_ready(page, path)
    text = page.inner_text(NOTICES)
    assert "could not read the server's limits (the server is busy)" in text
    assert "refused by the server when sent" in text


def test_without_its_limits_a_page_leaves_the_refusing_to_the_server(page, page_log):
    """/init?depth=300 is beyond the depth limit: unchecked by the page, the API's 422 names it,
    and the page falls back to its default network with that message."""
    page_log.allow(503, "/api/limits")
    page_log.allow(422, "/api/init/deep")
    page.route("**/api/limits", lambda route: route.fulfill(status=503, body="{}", content_type="application/json"))
    page.goto("/init?depth=300")
    wait_ready(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('depth') === '20'")
    wait_ready(page)
    refusal = page.request.post("/api/init/deep", data={"depth": 300})
    assert refusal.status == 422
    message = refusal.json()["detail"]["message"]
    assert "(limit depth)" in message
    assert f"{message}; using the default network instead" in page.inner_text(NOTICES)
