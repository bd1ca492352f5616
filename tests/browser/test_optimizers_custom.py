"""A custom f(x, y) on /optimizers (issue 18, item 5): a window of its own (inputs, in the
URL) and a start where its gradient is not 0, so no run "converges" at its first step."""

from __future__ import annotations

import json

import pytest

from tests.browser.reading import query_lists

pytestmark = pytest.mark.browser

PLOT = "[data-testid=surface-plot]"


def races_done(page) -> int:
    return int(page.evaluate("() => Number(document.body.dataset.races ?? 0)"))


def wait_next_race(page, before: int) -> None:
    page.wait_for_function(f"() => Number(document.body.dataset.races ?? 0) > {before}")


def api_race(page, body: dict) -> dict[str, dict]:
    r = page.request.post("/api/optimize", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.ok, r.text()
    return {run["label"]: run for run in r.json()["runs"]}


def drawn_window(page) -> dict:
    return page.evaluate(f"""() => {{
        const el = document.querySelector('{PLOT}');
        const contour = el.data.find((t) => t.type === 'contour');
        const image = el.layout.images[0] ?? null;
        return {{ x: [contour.x[0], contour.x.at(-1)], y: [contour.y[0], contour.y.at(-1)],
                  xrange: el._fullLayout.xaxis.range, yrange: el._fullLayout.yaxis.range,
                  image: image && {{ x: image.x, y: image.y, sizex: image.sizex, sizey: image.sizey,
                                    png: image.source.startsWith('data:image/png;base64,') }} }};
    }}""")


def test_a_typed_surface_starts_off_its_minimum_and_no_run_converges_at_step_1(page):
    page.goto("/optimizers?steps=200")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    page.select_option("[data-testid=surface]", "")  # Custom f(x, y)…
    page.fill("[data-testid=expression]", "x**2 + 10*y**2")
    page.dispatch_event("[data-testid=expression]", "change")
    count = races_done(page)
    page.click("[data-testid=run]")
    wait_next_race(page, count)
    assert query_lists(page)["expr"] == ["x**2 + 10*y**2"]
    start = [float(v) for v in query_lists(page)["start"][0].split(",")]
    assert start == [-1.2, 1.2]  # a fifth of the way in from the window's top-left corner, not (0, 0)
    body = {"expression": "x**2 + 10*y**2", "start": start, "steps": 200, "runs": [
        {"optimizer": "sgd", "params": {"lr": 0.001}, "label": "SGD"},
        {"optimizer": "momentum", "params": {"lr": 0.001}, "label": "Momentum"},
        {"optimizer": "adam", "params": {"lr": 0.02}, "label": "Adam"}]}
    runs = api_race(page, body)
    assert runs["SGD"]["gradient"][0] == pytest.approx([2 * -1.2, 20 * 1.2])  # ∇f = (2x, 20y)
    for label, run in runs.items():
        badge = page.locator(f'[data-testid="status-{label}"]').text_content()
        assert badge != "converged at step 1" and run["stopped_at"] > 1, (label, badge)
        assert run["points"][-1][2] < run["points"][0][2] / 10, label  # it went downhill
        drawn = page.evaluate(f"(label) => document.querySelector('{PLOT}').data.find((t) => t.name === label).x", label)
        assert drawn == [p[0] for p in run["points"]]
    assert drawn_window(page)["x"] == [-2, 2] and drawn_window(page)["y"] == [-2, 2]


def test_a_start_on_a_stationary_point_is_passed_over(page):
    # (−1.2, 1.2), the first place tried in [−2, 2]², is this surface's minimum: ∇f = 0 there.
    page.goto("/optimizers?expr=(x%2B1.2)**2%2B(y-1.2)**2&steps=50")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert query_lists(page)["start"] == ["1.2,1.2"]  # the next place tried, where ∇f = (4.8, 0)
    assert page.input_value("[data-testid=start-x]") == "1.2"


def test_the_window_of_a_custom_surface_is_typed_kept_in_the_url_and_redraws_the_contour(page):
    page.goto("/optimizers?expr=x**2%2B10*y**2&start=-1,1&steps=100")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert page.locator("[data-testid=domain]").is_visible()
    assert [page.input_value(f"[data-testid=domain-{k}]") for k in ("x0", "x1", "y0", "y1")] == ["-2", "2", "-2", "2"]
    before = drawn_window(page)
    assert before["image"] == {"x": -2, "y": 2, "sizex": 4, "sizey": 4, "png": True}
    page.fill("[data-testid=domain-x0]", "-5")
    page.dispatch_event("[data-testid=domain-x0]", "change")
    page.fill("[data-testid=domain-y1]", "3")
    page.dispatch_event("[data-testid=domain-y1]", "change")
    page.wait_for_function(f"""() => {{
        const el = document.querySelector('{PLOT}');
        const c = el.data.find((t) => t.type === 'contour');
        return c.x[0] === -5 && c.y.at(-1) === 3 && el.layout.images[0]?.y === 3;
    }}""")
    after = drawn_window(page)
    assert after["x"] == [-5, 2] and after["y"] == [-2, 3]
    assert after["xrange"] == [-5, 2] and after["yrange"] == [-2, 3]
    assert after["image"] == {"x": -5, "y": 3, "sizex": 7, "sizey": 5, "png": True}  # the contour over the new window
    assert query_lists(page)["domain"] == ["-5,2,-2,3"]
    grid = page.request.post("/api/surfaces/grid", data=json.dumps(
        {"expression": "x**2+10*y**2", "domain": {"x": [-5, 2], "y": [-2, 3]}, "n": 120}),
        headers={"Content-Type": "application/json"}).json()
    z = page.evaluate(f"() => document.querySelector('{PLOT}').data.find((t) => t.type === 'contour').z")
    assert z == grid["z"]  # linear levels: f itself (its range is narrow)
    page.reload()
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert drawn_window(page)["x"] == [-5, 2]
    # A window that is not one: refused in its box, the URL unchanged.
    page.fill("[data-testid=domain-x1]", "-6")
    page.dispatch_event("[data-testid=domain-x1]", "change")
    assert "invalid" in page.get_attribute("[data-testid=domain-x1]", "class")
    assert query_lists(page)["domain"] == ["-5,2,-2,3"]


def test_a_named_surface_has_no_window_to_type(page):
    page.goto("/optimizers?steps=5")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert page.locator("[data-testid=domain]").is_hidden()
    assert "domain" not in query_lists(page)
