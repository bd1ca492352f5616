"""/docs works offline: Swagger UI from the installed fastapi-offline package, started by
a module (no inline script, so the page's Content-Security-Policy holds)."""

from __future__ import annotations

from html.parser import HTMLParser

from app.security import CSP


class Resources(HTMLParser):
    """The scripts (src, inline text) and linked files of a page."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.links: list[dict] = []
        self.handlers: list[str] = []  # inline event handlers (onclick=…), also inline script
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append({**attrs, "text": ""})
            self._in_script = True
        elif tag == "link":
            self.links.append(attrs)

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1]["text"] += data


def resources(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


def test_docs_is_our_page_under_the_csp(client):
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CSP
    page = resources(r.text)
    assert page.handlers == []
    assert [s["text"].strip() for s in page.scripts] == ["", ""]  # no inline script
    assert [(s.get("type"), s["src"]) for s in page.scripts] == [
        (None, "/vendor/swagger-ui/swagger-ui-bundle.js"),  # a classic script: it defines window.SwaggerUIBundle
        ("module", "/static/js/docs/main.js"),
    ]
    assert 'id="swagger-ui"' in r.text


def test_every_file_the_docs_page_loads_is_served_here(client):
    page = resources(client.get("/docs").text)
    urls = [s["src"] for s in page.scripts] + [link["href"] for link in page.links]
    assert "/vendor/swagger-ui/swagger-ui.css" in urls and "/vendor/swagger-ui/favicon.png" in urls
    for url in urls:
        assert url.startswith(("/static/", "/vendor/")), url
        r = client.get(url)
        assert r.status_code == 200 and len(r.content) > 0, url
    module = client.get("/static/js/docs/main.js").text
    assert "SwaggerUIBundle(" in module and "'/openapi.json'" in module
    assert "http://" not in module and "https://" not in module


def test_the_schema_is_reachable_and_lists_the_api_but_not_the_pages(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    paths = r.json()["paths"]
    assert "/api/health" in paths and "/api/graph/trace" in paths
    assert not {"/docs", "/", "/graph", "/static/{path}"} & set(paths)


def test_fastapis_cdn_pages_are_off(client):
    for path in ("/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["detail"]["message"] == "Not Found", path
    html = client.get("/docs").text
    assert "cdn.jsdelivr.net" not in html and "unpkg" not in html


def test_the_home_page_links_the_api_docs(client):
    assert 'href="/docs" data-testid="api-docs"' in client.get("/").text
