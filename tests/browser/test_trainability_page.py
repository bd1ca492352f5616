"""/trainability in Chromium: the map drawn from the API's tile, zoom by a dragged box and
back by a double-click, the view in the URL, a pixel's tooltip and loss curve, "zoom to
the edge", and the page at the projector (1280 × 720, presenter mode) and on a phone."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.browser

MAP = "[data-testid=trainability-map]"


def wait_drawn(page, n: int | None = None) -> None:
    """The view's last tile is drawn (of n pixels a side, when given)."""
    check = f" && document.querySelector('{MAP}').dataset.n === '{n}'" if n else ""
    page.wait_for_function(f"() => document.body.dataset.state === 'ready' && document.querySelector('{MAP}').dataset.n{check}",
                           timeout=60_000)


def view(page) -> dict[str, list[float]]:
    query = parse_qs(urlsplit(page.url).query)
    return {k: [float(v) for v in query[k][0].split(",")] for k in ("x", "y")}


def drawn(page) -> dict:
    return page.evaluate(f"""() => {{ const t = document.querySelector('{MAP}').data[0];
        return {{type: t.type, x: Array.from(t.x), y: Array.from(t.y), z: t.z.map((r) => Array.from(r))}}; }}""")


def tile(app_url: str, **body) -> dict:
    r = httpx.post(f"{app_url}/api/trainability", json=body, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_map_is_the_apis_tile_and_the_url_names_the_view(page, app_url):
    page.goto("/trainability?x=0,3&y=1.5,2.5&seed=2&steps=100")
    wait_drawn(page, 128)
    assert urlsplit(page.url).query == "x=0,3&y=1.5,2.5&seed=2&steps=100"
    shown = drawn(page)
    want = tile(app_url, seed=2, steps=100, n=128, x={"lo": 0, "hi": 3}, y={"lo": 1.5, "hi": 2.5})
    assert shown["type"] == "heatmap"
    assert shown["x"] == pytest.approx(want["x"]) and shown["y"] == pytest.approx(want["y"])
    # diverged pixels on the red ramp (z above 0.5), the others on the blue one
    assert [[z > 0.5 for z in row] for row in shown["z"]] == want["diverged"]
    assert any(map(any, want["diverged"])) and not all(map(all, want["diverged"]))
    assert "0…" not in page.inner_text("[data-testid=tile-status]")
    assert "128 × 128 (float32)" in page.inner_text("[data-testid=tile-status]")


def test_zoom_by_a_dragged_box_and_back_by_a_double_click(page):
    page.goto("/trainability")
    wait_drawn(page, 128)
    assert view(page) == {"x": [-1, 4], "y": [1, 3]}
    box = page.locator(f"{MAP} .nsewdrag").bounding_box()
    # a box over the middle half of the plot, both ways
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75, steps=5)
    page.mouse.up()
    page.wait_for_function("() => !location.search.startsWith('?x=-1,4&')")
    wait_drawn(page, 128)
    zoomed = view(page)
    assert zoomed["x"] == pytest.approx([0.25, 2.75], abs=0.05)
    assert zoomed["y"] == pytest.approx([1.5, 2.5], abs=0.05)
    assert drawn(page)["x"][0] == pytest.approx(zoomed["x"][0] + (zoomed["x"][1] - zoomed["x"][0]) / 256)
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.startsWith('?x=-1,4&y=1,3&')")
    wait_drawn(page, 128)
    assert page.get_attribute("[data-testid=zoom-back]", "disabled") is not None


def test_a_pixels_tooltip_gives_its_two_rates(page):
    page.goto("/trainability")
    wait_drawn(page, 128)
    box = page.locator(f"{MAP} .nsewdrag").bounding_box()
    # the pixel at 20 % from the left and 80 % up: log η_W ≈ −1 + 0.2·5 = 0, log η_v ≈ 1 + 0.8·2 = 2.6
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.wait_for_selector(".hoverlayer .hovertext")
    lines = page.eval_on_selector_all(".hoverlayer .hovertext text tspan.line",
                                      "els => els.map((e) => e.textContent.replaceAll(\"\\u200b\", \"\"))")
    text = "\n".join(lines)
    assert lines[0].startswith("ηW = 10") and lines[1].startswith("ηv = 10"), text
    rate_w = float(lines[0].split("=")[-1].replace("−", "-"))
    rate_v = float(lines[1].split("=")[-1].replace("−", "-"))
    assert rate_w == pytest.approx(1.0, rel=0.05) and rate_v == pytest.approx(10**2.6, rel=0.05)
    assert "diverges at step" in text or "trains" in text


def test_a_click_opens_the_pixels_loss_curve(page, app_url):
    page.goto("/trainability")
    wait_drawn(page, 128)
    box = page.locator(f"{MAP} .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.9)  # small rates: it trains
    page.wait_for_selector("[data-testid=loss-curve][data-points]")
    at = [float(v) for v in parse_qs(urlsplit(page.url).query)["at"][0].split(",")]
    assert at[0] == pytest.approx(-0.5, abs=0.05) and at[1] == pytest.approx(1.2, abs=0.05)
    r = httpx.post(f"{app_url}/api/trainability/curve", json={"seed": 0, "steps": 500, "x": at[0], "y": at[1]})
    loss = r.json()["loss"]
    assert page.get_attribute("[data-testid=loss-curve]", "data-points") == str(len(loss)) == "501"
    assert "trains" in page.inner_text("[data-testid=curve-title]")
    plotted = page.evaluate("() => Array.from(document.querySelector('[data-testid=loss-curve]').data[0].y)")
    assert plotted == pytest.approx(loss)


def test_zoom_to_the_edge_recentres_on_a_boundary_pixel_ten_times_smaller(page, app_url):
    page.goto("/trainability?x=-1,4&y=1,3&seed=0&steps=200")
    wait_drawn(page, 128)
    before = tile(app_url, seed=0, steps=200, n=128, x={"lo": -1, "hi": 4}, y={"lo": 1, "hi": 3})
    page.click("[data-testid=zoom-edge]")
    page.wait_for_function("() => !location.search.startsWith('?x=-1,4&')")
    wait_drawn(page, 128)
    after = view(page)
    assert after["x"][1] - after["x"][0] == pytest.approx(0.5)
    assert after["y"][1] - after["y"][0] == pytest.approx(0.2)
    cx, cy = sum(after["x"]) / 2, sum(after["y"]) / 2
    j = min(range(128), key=lambda k: abs(before["x"][k] - cx))
    i = min(range(128), key=lambda k: abs(before["y"][k] - cy))
    d = before["diverged"]
    neighbours = [d[a][b] for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)) if 0 <= a < 128 and 0 <= b < 128]
    assert any(n != d[i][j] for n in neighbours)  # the centre is on the edge
    shown = drawn(page)
    diverged = [z > 0.5 for row in shown["z"] for z in row]
    assert any(diverged) and not all(diverged)  # and the edge is in the new view
    page.click("[data-testid=zoom-back]")
    page.wait_for_function("() => location.search.startsWith('?x=-1,4&y=1,3&')")
    wait_drawn(page, 128)


def test_a_bad_url_falls_back_with_a_notice(page):
    page.goto("/trainability?x=4,1&steps=abc")
    wait_drawn(page)
    notices = page.inner_text("[data-testid=notices]")
    assert "is not a view" in notices and "steps 'abc'" in notices
    assert view(page) == {"x": [-1, 4], "y": [1, 3]}


def test_a_toy_surfaces_map_and_its_race(page, app_url):
    page.goto("/trainability?model=surface&surface=rosenbrock&optimizer=momentum&xname=lr&yname=momentum&x=-5,-1&y=0,0.99&steps=200")
    wait_drawn(page)
    n = int(page.get_attribute(MAP, "data-n"))
    want = tile(app_url, model="surface", surface="rosenbrock", optimizer="momentum", steps=200, n=n,
                x={"name": "lr", "lo": -5, "hi": -1}, y={"name": "momentum", "lo": 0, "hi": 0.99})
    assert [[z > 0.5 for z in row] for row in drawn(page)["z"]] == want["diverged"]
    box = page.locator(f"{MAP} .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    link = page.wait_for_selector("[data-testid=open-race]")
    href = link.get_attribute("href")
    assert href.startswith("/optimizers?surface=rosenbrock&steps=200&run=momentum,lr=") and ",momentum=0.49" in href


@pytest.mark.parametrize("fixture", ["page", "phone_page"])
def test_the_map_fits_the_projector_and_a_phone(request, fixture):
    page = request.getfixturevalue(fixture)
    page.goto("/trainability?presenter=1" if fixture == "page" else "/trainability")
    wait_drawn(page, 128)
    width = page.evaluate("() => window.innerWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    box = page.locator(MAP).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] >= 300
    if fixture == "page":
        assert page.evaluate("() => document.documentElement.classList.contains('presenter')")
        assert box["y"] + box["height"] <= 720  # the whole map on the first screen
        assert page.locator("[data-testid=zoom-edge]").bounding_box()["y"] < 720
    keys = page.inner_text("[data-component=keys]")
    assert "zoom to the edge" in keys and "back" in keys
