"""Browser tests: the real app on a free port, driven through Playwright in Debian's Chromium.

Without Chromium (or Playwright) the tests skip with the reason; when the environment
variable CI is set (to anything but "", "0", "false" or "no") they fail instead, so that
browser tests can never silently not run in CI.

Every test's page records console errors, page errors, failed requests, 4xx/5xx
responses and requests that leave the app's origin, and fails at teardown if there
were any the test did not announce with `page_log.allow(status, path)`.

Every page is loaded under docs/DESIGN.md's Content-Security-Policy (added to the page's
response when the app does not send one), so a script or style the policy would
block shows up as a console error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, CSP, VIEWPORT, running_app


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI is set, so the browser tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What went wrong on a page; `problems()` lists what the test did not expect."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_responses: list[tuple[int, str]] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    allowed: set[tuple[int, str]] = field(default_factory=set)
    streams: set = field(default_factory=set)  # requests answered with text/event-stream

    def allow(self, status: int, path: str) -> None:
        """Expect responses with this status from this path (and Chromium's console line about them)."""
        self.allowed.add((status, path))

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        for status, path in self.allowed:
            if message.text.startswith(f"Failed to load resource: the server responded with a status of {status}") and (
                urlsplit(url).path == path
            ):
                return
        self.console_errors.append(f"{message.text} ({url})")

    def on_request(self, request) -> None:
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    def on_request_failed(self, request) -> None:
        # An event stream the page read to its end chunk by chunk is sometimes logged by
        # Chromium as aborted, and a page aborts a stream a newer request replaces, before
        # or after its answer began (a race restarted): neither is a failure. ERR_ABORTED is
        # the browser hanging up; a stream cut short by the server fails differently
        # (ERR_INCOMPLETE_CHUNKED_ENCODING), and its status is checked in on_response.
        # A read (GET) left behind when the page navigates, e.g. a room's poll for its
        # follower count as the lecturer clicks a link, loses nothing either; a write that
        # is cut off would lose a change, so it still counts (pages send theirs keepalive).
        stream = request in self.streams or urlsplit(request.url).path.endswith("/stream")
        if request.failure == "net::ERR_ABORTED" and (stream or request.method == "GET"):
            return
        self.failed_requests.append(f"{request.url} {request.failure}")

    def on_response(self, response) -> None:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            self.streams.add(response.request)
        if response.status >= 400 and (response.status, urlsplit(response.url).path) not in self.allowed:
            self.bad_responses.append((response.status, response.url))

    def problems(self) -> list[str]:
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"failed request: {m}" for m in self.failed_requests),
            *(f"HTTP {status}: {url}" for status, url in self.bad_responses),
            *(f"request left the app's origin: {url}" for url in self.foreign_requests),
        ]


@pytest.fixture
def page_log(app_url: str) -> PageLog:
    return PageLog(origin=app_url)


def with_csp(route) -> None:
    """Serve a page with docs/DESIGN.md's Content-Security-Policy (other requests go through untouched)."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    headers = {"content-security-policy": CSP, **response.headers}
    route.fulfill(response=response, headers=headers)


# A student's phone (DESIGN: "students' phones"), for the tests that check every page at its width.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def recorded_page(browser, app_url: str, page_log: PageLog, **context_options):
    """A page in a new context (the projector's viewport unless told), served under the CSP, its problems recorded."""
    context = browser.new_context(**{"viewport": VIEWPORT, **context_options}, base_url=app_url)
    context.route(lambda url: not urlsplit(url).path.startswith(("/api/", "/static/", "/vendor/")), with_csp)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", page_log.on_console)
    page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    page.on("requestfailed", page_log.on_request_failed)
    page.on("request", page_log.on_request)
    page.on("response", page_log.on_response)
    return page


@pytest.fixture
def page(browser, app_url: str, page_log: PageLog):
    page = recorded_page(browser, app_url, page_log)
    yield page
    page.context.close()
    assert page_log.problems() == [], "the page had problems:\n" + "\n".join(page_log.problems())


@pytest.fixture
def phone_page(browser, app_url: str, page_log: PageLog):
    """`page` on a 390 × 844 phone (a mobile, touch, 2× context)."""
    page = recorded_page(browser, app_url, page_log, **PHONE)
    yield page
    page.context.close()
    assert page_log.problems() == [], "the page had problems:\n" + "\n".join(page_log.problems())
