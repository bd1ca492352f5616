"""The sweep panel of /optimizers (static/js/optimizers/sweep.js), mounted on its own in a
page of the app with the registry's real metadata, and read through what it draws."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.browser

PANEL = "[data-component=sweep]"
PLOT = "[data-testid=sweep-plot]"

# Mount the panel in an empty page: sweep.css linked, meta from the API, a base for
# Rosenbrock whose steps the test may change (window.sweepBase), runs added recorded in
# window.added.
MOUNT = """async ({ steps, initialOptimizer }) => {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = '/static/css/sweep.css';
  const loaded = new Promise((resolve) => link.addEventListener('load', resolve));
  document.head.append(link);
  await loaded;
  const get = (url) => fetch(url).then((response) => response.json());
  const [optimizers, schedules, surfaces] = await Promise.all(['/api/optimizers', '/api/schedules', '/api/surfaces'].map(get));
  const { SweepPanel } = await import('/static/js/optimizers/sweep.js');
  const root = document.createElement('section');
  root.dataset.component = 'sweep';
  Object.assign(root.style, { position: 'absolute', left: '10px', top: '10px', width: '1200px', zIndex: 50 });
  document.body.append(root);
  window.added = [];
  window.sweepBase = { surface: 'rosenbrock', start: [-1.5, 2], steps, noise: { std: 0, seed: 0 } };
  window.sweep = new SweepPanel(root, {
    meta: { optimizers, schedules, surfaces },
    base: () => structuredClone(window.sweepBase),
    onAddRun: (run) => window.added.push(run),
    ...(initialOptimizer ? { initialOptimizer } : {}),
  });
}"""

# What the heatmap shows: its traces' data, and the axes' types.
DRAWN = """() => {
  const el = document.querySelector('[data-testid=sweep-plot]');
  const trace = (name) => el.data.find((t) => t.name === name);
  const heat = el.data.find((t) => t.type === 'heatmap');
  return {
    x: heat.x, y: heat.y, z: heat.z, text: heat.text,
    diverged: { x: trace('diverged').x, y: trace('diverged').y },
    xtype: el._fullLayout.xaxis.type, ytype: el._fullLayout.yaxis.type,
    ticktext: heat.colorbar.ticktext,
  };
}"""

# The page-pixel centre of cell (y[i], x[j]) of the drawn heatmap.
CELL_CENTRE = """([x, y]) => {
  const el = document.querySelector('[data-testid=sweep-plot]');
  const { xaxis, yaxis } = el._fullLayout;
  const box = el.getBoundingClientRect();
  return [box.left + xaxis._offset + xaxis.l2p(xaxis.d2l(x)), box.top + yaxis._offset + yaxis.l2p(yaxis.d2l(y))];
}"""


def mount(page, steps: int = 500, initial_optimizer: str | None = None) -> None:
    page.goto("/")
    page.evaluate(MOUNT, {"steps": steps, "initialOptimizer": initial_optimizer})
    page.wait_for_selector(f"{PANEL}[data-state=idle]")


def sweep(page, outcome: str = "done") -> dict:
    """Press the panel's Sweep button; the request body it posted, once the sweep is `outcome`."""
    with page.expect_request("**/api/optimize/sweep") as posted:
        page.click("[data-testid=sweep-run]")
    page.wait_for_selector(f"{PANEL}[data-state={outcome}]")
    return posted.value.post_data_json


def api_sweep(app_url: str, body: dict) -> httpx.Response:
    return httpx.post(f"{app_url}/api/optimize/sweep", json=body, timeout=10)


def click_cell(page, x: float, y: float) -> None:
    """Point at the cell, wait for Plotly's hover to reach it (a click reports the hovered point), click."""
    px, py = page.evaluate(CELL_CENTRE, [x, y])
    page.mouse.move(px, py)
    page.wait_for_function(
        """([x, y]) => (document.querySelector('[data-testid=sweep-plot]')._hoverdata ?? [])
             .some((point) => point.x === x && point.y === y)""",
        arg=[x, y],
    )
    page.mouse.click(px, py)


def assert_heatmap_is(drawn: dict, answer: dict) -> None:
    """z is log10 of the API's final loss, and every diverged cell (null loss) has a ✕ and no colour."""
    assert drawn["x"] == answer["x"] and drawn["y"] == answer["y"]
    crosses = set(zip(drawn["diverged"]["x"], drawn["diverged"]["y"], strict=True))
    expected_crosses = set()
    for i, row in enumerate(answer["final_loss"]):
        for j, loss in enumerate(row):
            if loss is None:
                assert answer["status"][i][j] == "diverged"
                assert drawn["z"][i][j] is None
                expected_crosses.add((answer["x"][j], answer["y"][i]))
                assert "diverged" in drawn["text"][i][j]
            else:
                assert drawn["z"][i][j] == pytest.approx(math.log10(loss), rel=1e-12, abs=1e-14), (i, j)
                assert "final loss" in drawn["text"][i][j]
    assert crosses == expected_crosses


def test_the_prefilled_sweep_draws_log10_of_the_apis_final_loss_with_diverged_cells_marked(page, app_url):
    mount(page)
    counts = [int(page.input_value(f"{PANEL} [data-axis={axis}] input[name=count]")) for axis in "xy"]
    assert counts[0] >= 5 and counts[1] >= 5
    assert page.evaluate("() => document.querySelector('[data-testid=sweep-plot]').data") is None  # nothing drawn yet

    body = sweep(page)
    # The request: the page's base, the optimizer with its other params, a constant schedule.
    assert {k: body[k] for k in ("surface", "start", "steps", "noise")} == {
        "surface": "rosenbrock",
        "start": [-1.5, 2],
        "steps": 500,
        "noise": {"std": 0, "seed": 0},
    }
    assert body["optimizer"] == "momentum" and body["schedule"] == {"name": "constant"}
    x, y = body["axes"]["x"], body["axes"]["y"]
    assert (x["name"], y["name"]) == ("lr", "momentum")
    assert len(x["values"]) == counts[0] and len(y["values"]) == counts[1]
    # lr is a log-scale hyperparameter: its values are spaced evenly in log (to the 3 digits shown).
    ratios = [b / a for a, b in zip(x["values"], x["values"][1:])]
    assert max(ratios) == pytest.approx(min(ratios), rel=0.01)
    steps = [b - a for a, b in zip(y["values"], y["values"][1:])]
    assert max(steps) == pytest.approx(min(steps), rel=1e-9)

    answer = api_sweep(app_url, body).json()
    drawn = page.evaluate(DRAWN)
    assert_heatmap_is(drawn, answer)
    flat = [v for row in answer["final_loss"] for v in row]
    assert None in flat and any(v is not None for v in flat), "the default sweep shows both outcomes"
    assert drawn["xtype"] == "log" and drawn["ytype"] == "linear"
    assert any(t.startswith("10") for t in drawn["ticktext"]), "the colour bar reads in losses, 10ᵏ"
    assert "diverged" in page.inner_text(f"{PANEL} .sweep-message")


def test_clicking_a_cell_adds_that_setting_as_a_run(page, app_url):
    mount(page)
    body = sweep(page)
    answer = api_sweep(app_url, body).json()
    loss = answer["final_loss"]
    cells = [(i, j) for i in range(len(answer["y"])) for j in range(len(answer["x"]))]
    finite = next((i, j) for i, j in reversed(cells) if loss[i][j] is not None)
    diverged = next((i, j) for i, j in cells if loss[i][j] is None)

    for n, (i, j) in enumerate([finite, diverged], start=1):
        click_cell(page, answer["x"][j], answer["y"][i])
        page.wait_for_function(f"() => window.added.length === {n}")
        assert page.evaluate("() => window.added.at(-1)") == {
            "optimizer": "momentum",
            "params": {"lr": answer["x"][j], "momentum": answer["y"][i]},
            "schedule": "constant",
            "scheduleParams": {},
            "label": None,
            "color": None,
            "hidden": False,
        }
        # The chosen cell is marked for a moment, then the mark goes.
        page.wait_for_selector(f'{PLOT}[data-chosen="{i},{j}"]')
        page.wait_for_function(
            "() => document.querySelector('[data-testid=sweep-plot]').data.some((t) => t.name === 'chosen')"
        )
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=sweep-plot]').data.some((t) => t.name === 'chosen')"
        )
    assert page.evaluate("() => window.added.length") == 2


@pytest.mark.parametrize(
    ("x_count", "y_count", "steps", "limit"),
    [("40", "6", 500, "axes.x.values"), ("25", "25", 2000, "sweep_cell_steps")],
)
def test_a_sweep_over_the_limits_shows_the_apis_message(page, page_log, app_url, x_count, y_count, steps, limit):
    page_log.allow(422, "/api/optimize/sweep")
    mount(page, steps=steps)
    page.fill(f"{PANEL} [data-axis=x] input[name=count]", x_count)
    page.fill(f"{PANEL} [data-axis=y] input[name=count]", y_count)
    body = sweep(page, "error")
    response = api_sweep(app_url, body)
    assert response.status_code == 422
    message = response.json()["detail"]["message"]
    assert limit in message
    assert page.inner_text(f"{PANEL} .sweep-message") == message
    # Back within the limits, the next sweep draws.
    page.fill(f"{PANEL} [data-axis=x] input[name=count]", "5")
    page.fill(f"{PANEL} [data-axis=y] input[name=count]", "5")
    sweep(page)
    assert len(page.evaluate(DRAWN)["z"]) == 5


def test_a_typed_range_outside_the_hyperparameter_is_refused_in_the_panel(page):
    mount(page)
    page.fill(f"{PANEL} [data-axis=x] input[name=from]", "0")  # lr ≥ 0, but 0 has no place on a log axis
    page.click("[data-testid=sweep-run]")
    page.wait_for_selector(f"{PANEL}[data-state=error]")
    assert "lr from" in page.inner_text(f"{PANEL} .sweep-message")
    assert "invalid" in page.get_attribute(f"{PANEL} [data-axis=x] input[name=from]", "class")


def test_sgd_sweeps_its_one_hyperparameter_as_one_row(page, app_url):
    mount(page, initial_optimizer="sgd")
    assert page.is_disabled(f"{PANEL} [data-axis=y] input[name=count]")
    body = sweep(page)
    # The API sweeps two hyperparameters: SGD's row is momentum at α = 0, SGD's update to the bit.
    assert body["optimizer"] == "momentum" and body["axes"]["y"] == {"name": "momentum", "values": [0]}
    answer = api_sweep(app_url, body).json()
    drawn = page.evaluate(DRAWN)
    assert_heatmap_is(drawn, answer)
    assert len(drawn["z"]) == 1 and len(drawn["z"][0]) >= 5
    # Each cell's final loss is that of an SGD race with its lr.
    j = next(j for j, v in enumerate(answer["final_loss"][0]) if v is not None)
    race = httpx.post(
        f"{app_url}/api/optimize",
        timeout=10,
        json={
            "surface": "rosenbrock",
            "start": [-1.5, 2],
            "steps": 500,
            "runs": [{"optimizer": "sgd", "params": {"lr": answer["x"][j]}, "schedule": {"name": "constant"}}],
        },
    ).json()["runs"][0]
    assert race["points"][-1][2] == pytest.approx(answer["final_loss"][0][j], rel=1e-12)

    click_cell(page, answer["x"][j], answer["y"][0])
    page.wait_for_function("() => window.added.length === 1")
    run = page.evaluate("() => window.added[0]")
    assert run["optimizer"] == "sgd" and run["params"] == {"lr": answer["x"][j]}


def test_a_newer_sweep_aborts_the_previous_and_a_changed_base_marks_it_stale(page):
    mount(page)
    result = page.evaluate("""async () => {
      const root = document.querySelector('[data-component=sweep]');
      // The first request never answers on its own: only its abort ends it.
      const realFetch = window.fetch;
      let first = null;
      window.fetch = (url, init) => {
        if (first) return realFetch(url, init);
        first = init.signal;
        return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      };
      try {
        const older = window.sweep.run();
        const during = root.dataset.state;
        const newer = window.sweep.run();
        await Promise.all([older, newer]);
        return { aborted: first.aborted, during, after: root.dataset.state };
      } finally {
        window.fetch = realFetch;
      }
    }""")
    assert result == {"aborted": True, "during": "running", "after": "done"}
    assert page.get_attribute(PANEL, "data-stale") == "false"

    page.evaluate("() => { window.sweepBase.steps = 800; window.sweep.update(); }")
    assert page.get_attribute(PANEL, "data-stale") == "true"
    assert "sweep again" in page.inner_text(f"{PANEL} .sweep-message")
    assert "800 steps" in page.inner_text(f"{PANEL} .sweep-cost")
    sweep(page)
    assert page.get_attribute(PANEL, "data-stale") == "false"


def test_stalled_cells_are_marked_apart_from_the_diverged(page, app_url):
    # The dead ReLU unit (model_relu from (2.5, 1.5)): with α = 0.9 momentum overshoots into
    # the flat region where no gradient flows from lr = 0.01 on, and stops there: stalled.
    mount(page, steps=300)
    page.evaluate("() => { window.sweepBase = { surface: 'model_relu', start: [2.5, 1.5], steps: 300 }; }")
    for axis, values in (("x", ("0.001", "0.04", "6")), ("y", ("0.5", "0.9", "2"))):
        for name, value in zip(("from", "to", "count"), values):
            page.fill(f"{PANEL} [data-axis={axis}] input[name={name}]", value)
    body = sweep(page)
    answer = api_sweep(app_url, body).json()
    stalled = {(answer["x"][j], answer["y"][i]) for i, row in enumerate(answer["status"])
               for j, s in enumerate(row) if s == "stalled"}
    assert len(stalled) >= 2 and all(y == 0.9 for _, y in stalled)
    marks = page.evaluate("""() => {
        const t = document.querySelector('[data-testid=sweep-plot]').data.find((t) => t.name === 'stalled');
        return { x: t.x, y: t.y, text: t.text, color: t.marker.color, symbol: t.marker.symbol };
    }""")
    assert set(zip(marks["x"], marks["y"], strict=True)) == stalled
    assert all(text.splitlines()[-1].startswith("stalled at step ") for text in (t.replace("<br>", "\n") for t in marks["text"]))
    assert marks["symbol"] != "x-thin-open"  # not the diverged cells' ✕
    assert f"{len(stalled)} stalled" in page.inner_text(f"{PANEL} .sweep-message")
    # A stalled cell keeps its colour: its final loss is the plateau's, mean t² = 2.734
    i, j = next((i, j) for i, row in enumerate(answer["status"]) for j, s in enumerate(row) if s == "stalled")
    assert answer["final_loss"][i][j] == pytest.approx(2.734)
    assert page.evaluate(DRAWN)["z"][i][j] == pytest.approx(math.log10(2.734))


def test_a_drawn_sweep_links_to_its_map_at_full_resolution(page, app_url):
    """The race page's sweep leads to /trainability's map of the same two axes (issue 22)."""
    mount(page)
    body = sweep(page)
    link = page.locator(f"{PANEL} [data-testid=sweep-map]")
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    x, y = body["axes"]["x"]["values"], body["axes"]["y"]["values"]
    assert {k: v[0] for k, v in query.items() if k not in ("x", "y")} == {
        "model": "surface", "surface": "rosenbrock", "optimizer": "momentum", "xname": "lr", "yname": "momentum",
        "steps": "500"}
    # lr is on a log scale (the map's axis in log₁₀); momentum in its own units
    assert [float(v) for v in query["x"][0].split(",")] == pytest.approx([math.log10(min(x)), math.log10(max(x))], abs=1e-5)
    assert [float(v) for v in query["y"][0].split(",")] == pytest.approx([min(y), max(y)], abs=1e-5)
    link.click()
    page.wait_for_url("**/trainability?**")
    page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=60_000)
    assert page.locator("[data-testid=notices]").is_hidden()
    heat = page.evaluate("() => document.querySelector('[data-testid=trainability-map]').data.find((t) => t.type === 'heatmap').x")
    assert heat[0] >= math.log10(min(x)) - 1e-9 and heat[-1] <= math.log10(max(x)) + 1e-9
