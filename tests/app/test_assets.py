"""Static files and pages from memory (app.assets, app.routers.pages): the bytes on disk,
gzip, strong ETags and 304s, media types, JSON 404s, no way out of the static folder."""

from __future__ import annotations

import asyncio
import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from app import main as app_main
from app.assets import Assets, StaticFirst, files_under, media_type
from app.http_cache import etag_of
from app.routers import pages
from app.security import CSP
from app.settings import settings

STATIC_FILES = files_under(settings.static_dir)
VENDOR = {
    "/vendor/plotly.min.js": settings.plotly_js,
    "/vendor/swagger-ui/swagger-ui-bundle.js": settings.swagger_ui_dir / "swagger-ui-bundle.js",
    "/vendor/swagger-ui/swagger-ui.css": settings.swagger_ui_dir / "swagger-ui.css",
    "/vendor/swagger-ui/favicon.png": settings.swagger_ui_dir / "favicon.png",
}
PAGES = ["/", "/graph", "/optimizers", "/schedules", "/init", "/docs"]


def raw_get(client: TestClient, path: str, **headers) -> tuple[int, dict, bytes]:
    """Status, headers and the body as sent (httpx would undo the gzip, and asks for it
    unless told otherwise)."""
    headers = {"accept-encoding": "identity", **headers}
    with client.stream("GET", path, headers=headers) as r:
        return r.status_code, r.headers, b"".join(r.iter_raw())


def asgi_get(app, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    """Call the ASGI app with a path exactly as given: an HTTP client would remove `..`."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": [],
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1234)}
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    start = messages[0]
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in messages[1:])


def test_the_static_folder_is_all_there():
    assert "js/lib/http.js" in STATIC_FILES and "css/base.css" in STATIC_FILES
    assert len(STATIC_FILES) == sum(1 for p in settings.static_dir.rglob("*") if p.is_file())


def test_every_static_file_is_its_bytes_on_disk_and_gzip_decodes_to_them(client):
    gzipped = 0
    for name, path in STATIC_FILES.items():
        on_disk = path.read_bytes()
        status, headers, body = raw_get(client, f"/static/{name}")
        assert status == 200 and body == on_disk, name
        assert headers["etag"] == etag_of(on_disk) and headers["cache-control"] == "no-cache", name
        status, headers, packed = raw_get(client, f"/static/{name}", **{"accept-encoding": "gzip, deflate, br"})
        if headers.get("content-encoding") == "gzip":
            gzipped += 1
            assert len(packed) < len(on_disk) and gzip.decompress(packed) == on_disk, name
            assert headers["vary"] == "Accept-Encoding"
        else:
            assert packed == on_disk, name
    assert gzipped >= len(STATIC_FILES) - 2  # all but the tiniest modules


@pytest.mark.parametrize("url", list(VENDOR))
def test_vendor_files_come_from_the_installed_packages(client, url):
    on_disk = VENDOR[url].read_bytes()
    status, headers, body = raw_get(client, url)
    assert status == 200 and body == on_disk and headers["etag"] == etag_of(on_disk)
    status, headers, packed = raw_get(client, url, **{"accept-encoding": "gzip"})
    if not url.endswith(".png"):
        assert headers["content-encoding"] == "gzip" and gzip.decompress(packed) == on_disk


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("/static/js/lib/http.js", "text/javascript; charset=utf-8"),
        ("/static/css/base.css", "text/css; charset=utf-8"),
        ("/vendor/plotly.min.js", "text/javascript; charset=utf-8"),
        ("/vendor/swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
        ("/vendor/swagger-ui/favicon.png", "image/png"),
    ],
)
def test_media_types(client, url, media):
    assert client.get(url).headers["content-type"] == media


def test_media_types_by_suffix():
    expected = {"a.js": "text/javascript", "a.MJS": "text/javascript", "a.css": "text/css", "a.svg": "image/svg+xml",
                "a.png": "image/png", "a.woff2": "font/woff2", "a.json": "application/json",
                "README": "application/octet-stream", "a.exe": "application/octet-stream"}
    assert {name: media_type(Path(name)) for name in expected} == expected


def test_etag_is_stable_and_if_none_match_answers_304(client):
    first = client.get("/static/js/lib/plot.js")
    second = client.get("/static/js/lib/plot.js", headers={"accept-encoding": "gzip"})
    assert first.headers["etag"] == second.headers["etag"] == etag_of((settings.static_dir / "js/lib/plot.js").read_bytes())
    status, headers, body = raw_get(client, "/static/js/lib/plot.js", **{"if-none-match": first.headers["etag"]})
    assert (status, body) == (304, b"")
    assert headers["etag"] == first.headers["etag"] and headers["cache-control"] == "no-cache"
    stale = client.get("/static/js/lib/plot.js", headers={"if-none-match": '"an-older-version"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_head_answers_the_headers_of_get_without_a_body(client):
    plain = {"accept-encoding": "identity"}
    get = client.get("/static/css/base.css", headers=plain)
    head = client.head("/static/css/base.css", headers=plain)
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "content-type", "content-length", "cache-control"):
        assert head.headers[name] == get.headers[name], name
    assert int(head.headers["content-length"]) == len(get.content)


@pytest.mark.parametrize("path", ["/static/nope.js", "/static/js/lib/", "/static/js", "/static/%2e%2e/app/main.py",
                                  "/static/js/lib/%2e%2e/%2e%2e/%2e%2e/pyproject.toml", "/vendor/plotly.js",
                                  "/vendor/swagger-ui/redoc.standalone.js"])
def test_unknown_and_traversal_paths_are_json_404s(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert isinstance(r.json()["detail"]["message"], str)
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/static/../app/main.py", "/static/js/../../app/main.py", "/static//etc/passwd",
                                  "/static/../pyproject.toml", "/vendor/../app/settings.py"])
def test_dot_segments_sent_as_they_are_find_nothing(path):
    status, headers, body = asgi_get(app_main.app, path)
    assert status == 404 and headers["content-type"] == "application/json"
    assert json.loads(body)["detail"]["message"] == f"no such file: {path}"


def test_other_methods_are_refused_in_json(client):
    r = client.post("/static/js/lib/http.js", content=b"x")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    assert "GET and HEAD" in r.json()["detail"]["message"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "js").mkdir(parents=True)
    (root / "js" / "a.js").write_text("export const a = 1;\n")
    (root / "icon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / ".a.js.swp").write_text("editor state")
    (tmp_path / "secret.txt").write_text("not for the web")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    return root


def serve(assets: Assets) -> TestClient:
    return TestClient(Starlette(routes=[Mount("/static", assets)]))


def test_only_the_folders_own_files_are_loaded(folder):
    assert sorted(files_under(folder)) == ["icon.svg", "js/a.js"]
    client = serve(Assets.directory(folder))
    assert client.get("/static/icon.svg").headers["content-type"] == "image/svg+xml"
    for path in ("/static/.a.js.swp", "/static/link.txt", "/static/%2e%2e/secret.txt"):
        assert client.get(path).status_code == 404, path


def test_in_memory_files_ignore_later_edits(folder):
    client = serve(Assets.directory(folder))
    (folder / "js" / "a.js").write_text("export const a = 2;\n")
    (folder / "js" / "b.js").write_text("export const b = 1;\n")
    assert client.get("/static/js/a.js").text == "export const a = 1;\n"
    assert client.get("/static/js/b.js").status_code == 404


def test_development_mode_reads_the_disk_on_every_request(folder):
    client = serve(Assets.directory(folder, dev=True))
    first = client.get("/static/js/a.js")
    assert first.text == "export const a = 1;\n"
    (folder / "js" / "a.js").write_text("export const a = 2;\n")
    (folder / "js" / "b.js").write_text("export const b = 1;\n")
    second = client.get("/static/js/a.js", headers={"if-none-match": first.headers["etag"]})
    assert second.status_code == 200 and second.text == "export const a = 2;\n"
    assert second.headers["etag"] != first.headers["etag"]
    assert client.get("/static/js/b.js").text == "export const b = 1;\n"
    (folder / "js" / "b.js").unlink()
    assert client.get("/static/js/b.js").status_code == 404


@pytest.mark.parametrize("path", ["/static/../secret.txt", "/static/js/../../secret.txt", "/static//etc/passwd",
                                  "/static/link.txt", "/static/.a.js.swp", "/static/js", "/static/"])
def test_development_mode_stays_inside_the_folder(folder, path):
    app = Starlette(routes=[Mount("/static", Assets.directory(folder, dev=True))])
    status, _, body = asgi_get(app, path)
    assert status == 404 and b"not for the web" not in body and b"root:" not in body


def test_the_app_follows_the_dev_setting(monkeypatch):
    def static_mount(app):
        shortcut = next(m for m in app.user_middleware if m.cls is StaticFirst)
        return shortcut.kwargs["mounts"]["/static"]

    assert static_mount(app_main.create_app()).dev is False
    monkeypatch.setattr(app_main, "settings", replace(settings, dev=True))
    assert static_mount(app_main.create_app()).dev is True


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_rendered_once_with_an_etag_and_the_csp(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["content-type"] == "text/html; charset=utf-8"
    assert first.headers["content-security-policy"] == CSP and first.headers["cache-control"] == "no-cache"
    assert "<!doctype html>" in first.text
    again = client.get(path)
    assert again.headers["etag"] == first.headers["etag"] == etag_of(first.content)
    status, headers, packed = raw_get(client, path, **{"accept-encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and gzip.decompress(packed) == first.content
    status, headers, body = raw_get(client, path, **{"if-none-match": first.headers["etag"]})
    assert (status, body) == (304, b"") and headers["etag"] == first.headers["etag"]
    head = client.head(path)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]


def test_a_page_shows_the_registries(client):
    html = client.get("/graph").text
    assert 'data-testid="program"' in html
    from engine import PRESETS

    assert all(f'value="{preset_id}"' in html for preset_id in PRESETS)


def test_development_mode_renders_each_request(monkeypatch, client):
    calls = []

    def context():
        calls.append(1)
        return {}

    monkeypatch.setattr(pages, "settings", replace(settings, dev=True))
    monkeypatch.setattr(pages, "NAV", [replace(p, context=context) if p.id == "schedules" else p for p in pages.NAV])
    client.get("/schedules")
    client.get("/schedules")
    assert len(calls) == 2
