"""docs/DESIGN.md's security headers: on every response, and the CSP on every page."""

from __future__ import annotations

import pytest

from app.security import CSP
from tests.browser.harness import CSP as BROWSER_CSP


@pytest.mark.parametrize("path", ["/api/health", "/api/optimizers", "/static/js/lib/plot.js", "/vendor/plotly.min.js",
                                  "/api/nope"])
def test_every_response_is_nosniff_and_sends_no_referrer(client, path):
    r = client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in r.headers


@pytest.mark.parametrize("path", ["/", "/graph", "/optimizers", "/schedules", "/init"])
def test_every_page_has_the_designs_content_security_policy(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP == BROWSER_CSP
    assert r.headers["x-content-type-options"] == "nosniff"


def test_event_streams_get_the_headers_too(client):
    r = client.get("/api/graph/trace/stream", params={"preset": "mul"})
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    assert "event: done" in r.text
