"""The optimizer race page in Chromium: what is drawn equals what the API computes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.scenarios import SCENARIOS
from tests.browser.reading import query_lists

pytestmark = pytest.mark.browser

PLOT = "[data-testid=surface-plot]"
RACE_URL = "/optimizers?surface=rosenbrock&start=-1.5,2&steps=300&run=sgd,lr=0.001&run=momentum,lr=0.001&run=adam,lr=0.02"
RACE = {"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": 300, "runs": [
    {"optimizer": "sgd", "params": {"lr": 0.001}, "label": "SGD"},
    {"optimizer": "momentum", "params": {"lr": 0.001}, "label": "Momentum"},
    {"optimizer": "adam", "params": {"lr": 0.02}, "label": "Adam"},
]}


def races_done(page) -> int:
    return int(page.evaluate("() => Number(document.body.dataset.races ?? 0)"))


def open_race(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")


def wait_next_race(page, before: int) -> None:
    page.wait_for_function(f"() => Number(document.body.dataset.races ?? 0) > {before}")


def drawn(page) -> dict[str, dict]:
    """The surface plot's traces by name: {type, x, y}."""
    traces = page.evaluate(f"""() => document.querySelector('{PLOT}').data.map(t => ({{
        name: t.name, type: t.type, x: Array.from(t.x ?? []), y: Array.from(t.y ?? [])}}))""")
    names = [t["name"] for t in traces]
    assert len(names) == len(set(names)), f"two traces share a name: {names}"
    return {t["name"]: t for t in traces}


def api_race(page, body: dict) -> dict[str, dict]:
    r = page.request.post("/api/optimize", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.ok, r.text()
    return {run["label"]: run for run in r.json()["runs"]}


def assert_trajectories(page, expected: dict[str, dict]) -> None:
    traces = drawn(page)
    assert [t["type"] for t in traces.values()].count("contour") == 1
    for label, run in expected.items():
        assert traces[label]["type"] == "scatter"
        assert traces[label]["x"] == [p[0] for p in run["points"]], label
        assert traces[label]["y"] == [p[1] for p in run["points"]], label


def run_query(page) -> list[str]:
    return query_lists(page)["run"]


def test_a_race_from_the_url_draws_every_trajectory_as_the_api_computes_it(page):
    open_race(page, RACE_URL)
    assert_trajectories(page, api_race(page, RACE))
    for label in ("SGD", "Momentum", "Adam"):
        assert page.locator(f'[data-testid="status-{label}"]').text_content().startswith("max_steps")
    for chart in ("loss-plot", "lr-plot"):
        names = page.evaluate(f"() => document.querySelector('[data-testid={chart}]').data.map(t => t.name)")
        assert names == ["SGD", "Momentum", "Adam"]


def test_a_typed_value_reruns_exactly_that_run_and_lives_in_the_url(page):
    open_race(page, RACE_URL)
    before = drawn(page)
    count = races_done(page)
    page.fill('[data-run="Adam"][data-param="lr"]', "0.05")
    wait_next_race(page, count)
    assert run_query(page) == ["sgd,lr=0.001", "momentum,lr=0.001", "adam,lr=0.05"]
    after = drawn(page)
    for label in ("SGD", "Momentum"):
        assert after[label]["x"] == before[label]["x"]  # untouched
    body = {**RACE, "runs": [{"optimizer": "adam", "params": {"lr": 0.05}, "label": "Adam"}]}
    assert_trajectories(page, api_race(page, body))


def test_a_reload_redraws_the_same_race(page):
    open_race(page, RACE_URL)
    page.fill('[data-run="Momentum"][data-param="momentum"]', "0.5")
    wait_next_race(page, 1)
    first = drawn(page)
    page.reload()
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    again = drawn(page)
    for label in ("SGD", "Momentum", "Adam"):
        assert again[label]["x"] == first[label]["x"] and again[label]["y"] == first[label]["y"]


def test_a_diverging_run_shows_its_badge_with_its_step(page):
    scenario = next(s for s in SCENARIOS if s.id == "lr-sizes")
    open_race(page, scenario.href)
    runs = api_race(page, scenario.request())
    big = runs["η = 0.105, too large"]
    assert big["status"] == "diverged"
    badge = page.locator('[data-testid="status-η = 0.105, too large"]')
    assert badge.text_content() == f"diverged at step {big['stopped_at']}"
    assert_trajectories(page, runs)


def test_clicking_the_contour_moves_the_start(page):
    open_race(page, RACE_URL)
    count = races_done(page)
    area = page.locator(f"{PLOT} .nsewdrag").first
    box = area.bounding_box()
    x, y = box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.85  # lower right, no run there
    expected = page.evaluate(f"""([x, y]) => {{  // the data point under that pixel
        const el = document.querySelector('{PLOT}');
        const {{ xaxis, yaxis }} = el._fullLayout;
        const b = el.getBoundingClientRect();
        return [xaxis.p2d(x - b.left - xaxis._offset), yaxis.p2d(y - b.top - yaxis._offset)];
    }}""", [x, y])
    page.mouse.click(x, y)
    wait_next_race(page, count)
    start = [float(v) for v in query_lists(page)["start"][0].split(",")]
    assert start == pytest.approx(expected, rel=1e-3)  # to 4 significant figures
    assert start[0] > 1.0 and start[1] < 0.0
    assert [float(page.input_value("[data-testid=start-x]")), float(page.input_value("[data-testid=start-y]"))] == start
    traces = drawn(page)
    assert [traces["SGD"]["x"][0], traces["SGD"]["y"][0]] == pytest.approx(start)
    assert_trajectories(page, api_race(page, {**RACE, "start": start}))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_every_scenario_link_loads_and_draws_its_race(page, scenario):
    page.goto("/optimizers?steps=5")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert page.locator("[data-testid=scenario-current]").is_hidden()  # no scenario's race
    link = page.locator(f'a[data-scenario="{scenario.id}"]')
    assert link.get_attribute("href") == scenario.href
    card = link.locator("xpath=..")
    assert card.text_content().split() == f"{scenario.title} {scenario.story}".split()
    page.click("[data-testid=scenario-menu] summary")
    story = card.locator("p")
    assert story.is_visible() and story.evaluate("(p) => p.scrollHeight <= p.clientHeight + 1")  # not cut short
    link.click()
    page.wait_for_url(f"**/optimizers?surface={scenario.surface}*")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert_trajectories(page, api_race(page, scenario.request()))
    current = page.locator("[data-testid=scenario-current]")
    assert current.is_visible() and current.get_attribute("data-scenario") == scenario.id
    assert current.text_content().split() == f"{scenario.title} {scenario.story}".split()
    assert page.locator('a[aria-current="true"]').get_attribute("data-scenario") == scenario.id


def test_keys_step_the_shared_scrubber(page):
    open_race(page, RACE_URL)
    page.keyboard.press("End")
    assert page.text_content("[data-testid=step]") == "300 / 300"
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.text_content("[data-testid=step]") == "2 / 300"
    page.wait_for_function(f"""() => {{
        const m = document.querySelector('{PLOT}').layout.shapes.find(s => s.name === 'Adam marker');
        const a = document.querySelector('{PLOT}').data.find(t => t.name === 'Adam');
        return m && m.xanchor === a.x[2] && m.yanchor === a.y[2];
    }}""")


def test_exports_download_the_race(page):
    open_race(page, RACE_URL)
    runs = api_race(page, RACE)
    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    lines = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "run,label,step,x,y,loss,lr,effective_lr_x,effective_lr_y"
    assert len(lines) == 1 + sum(len(r["points"]) for r in runs.values())
    assert lines[1].split(",")[:5] == ["0", "SGD", "0", "-1.5", "2"]
    with page.expect_download() as info:
        page.click("[data-testid=export-json]")
    doc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert doc["request"]["runs"][2]["params"] == {"lr": 0.02}
    assert [p[:2] for p in doc["runs"][2]["points"]] == [p[:2] for p in runs["Adam"]["points"]]


def test_bad_url_values_fall_back_with_a_notice(page):
    page.goto("/optimizers?surface=nope&steps=abc&run=foo,lr=1&run=adam,lr=99,beta7=1")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    text = page.text_content("[data-testid=notices]")
    for words in ("surface 'nope'", "steps 'abc'", "unknown optimizer 'foo'", "lr '99'", "'beta7'"):
        assert words in text
    assert page.input_value("[data-run=Adam][data-param=lr]") == "0.01"  # Adam's default


def test_arrows_show_the_update_and_the_gradient_step_at_the_current_step(page):
    open_race(page, "/optimizers?surface=quadratic&start=-4.5,2&steps=20&run=sgd,lr=0.09"
                    "&run=momentum,lr=0.09,momentum=0.5&step=3&arrows=1")
    runs = api_race(page, {"surface": "quadratic", "start": [-4.5, 2.0], "steps": 20, "runs": [
        {"optimizer": "sgd", "params": {"lr": 0.09}, "label": "SGD"},
        {"optimizer": "momentum", "params": {"lr": 0.09, "momentum": 0.5}, "label": "Momentum"}]})
    page.wait_for_function(f"() => document.querySelector('{PLOT}').layout.annotations.some(a => a.text === '+αΔw')")
    notes = page.evaluate(f"() => document.querySelector('{PLOT}').layout.annotations"
                          ".map(a => ({name: a.name, text: a.text, tail: [a.ax, a.ay], tip: [a.x, a.y]}))")
    arrows = {n["name"]: n for n in notes if n["text"] == ""}
    sgd, momentum = runs["SGD"], runs["Momentum"]
    k = 3
    gradient_step = [p - 0.09 * g for p, g in zip(sgd["points"][k][:2], sgd["gradient"][k])]
    assert arrows["SGD −η∇"]["tail"] == sgd["points"][k][:2] and arrows["SGD −η∇"]["tip"] == pytest.approx(gradient_step)
    assert arrows["SGD update"]["tail"] == sgd["points"][k][:2] and arrows["SGD update"]["tip"] == sgd["points"][k + 1][:2]
    # momentum: −η d(t) then +αΔw(t−1) = α(p(t) − p(t−1)), tip to tail, ending at p(t + 1)
    m = momentum["points"]
    tip = [p - 0.09 * g for p, g in zip(m[k][:2], momentum["gradient"][k])]
    plus = arrows["Momentum +αΔw"]
    assert plus["tail"] == pytest.approx(tip) and plus["tip"] == m[k + 1][:2]
    assert [b - a for a, b in zip(plus["tail"], plus["tip"])] == pytest.approx(
        [0.5 * (m[k][i] - m[k - 1][i]) for i in range(2)], rel=1e-9)
    assert sorted(n["text"] for n in notes if n["text"]) == ["+αΔw", "−η∇", "−η∇"]  # a label per dashed arrow
    page.keyboard.press("a")  # arrows off
    page.wait_for_function(f"() => document.querySelector('{PLOT}').layout.annotations.length === 0")
    assert "arrows" not in query_lists(page)


def test_a_sweep_cell_adds_its_setting_as_a_run(page):
    open_race(page, "/optimizers?surface=rosenbrock&start=-1.5,2&steps=200&run=adam,lr=0.02")
    page.click("[data-testid=sweep-run]")
    page.wait_for_selector("[data-component=sweep][data-state=done]")
    heat = page.evaluate("() => document.querySelector('[data-testid=sweep-plot]').data.find(t => t.type === 'heatmap')")
    assert len(heat["x"]) * len(heat["y"]) >= 25
    x, y = heat["x"][2], heat["y"][1]
    px, py = page.evaluate("""([x, y]) => {
        const el = document.querySelector('[data-testid=sweep-plot]');
        const { xaxis, yaxis } = el._fullLayout;
        const box = el.getBoundingClientRect();
        return [box.left + xaxis._offset + xaxis.l2p(xaxis.d2l(x)), box.top + yaxis._offset + yaxis.l2p(yaxis.d2l(y))];
    }""", [x, y])
    page.mouse.move(px, py)
    page.wait_for_function("""([x, y]) => (document.querySelector('[data-testid=sweep-plot]')._hoverdata ?? [])
        .some((p) => p.x === x && p.y === y)""", arg=[x, y])
    count = races_done(page)
    page.mouse.click(px, py)
    wait_next_race(page, count)
    added = run_query(page)[-1]
    params = dict(part.split("=") for part in added.split(",")[1:])
    assert added.startswith("momentum,") and float(params["lr"]) == x and float(params["momentum"]) == y
    assert page.locator('[data-testid="status-Momentum"]').count() == 1


def test_runs_can_be_hidden_recoloured_and_removed(page):
    open_race(page, RACE_URL)
    card = page.locator('.run-card[data-label="Momentum"]')
    card.locator("button[title=Hide]").click()
    page.wait_for_function(f"() => document.querySelector('{PLOT}').data.find(t => t.name === 'Momentum').visible === 'legendonly'")
    assert run_query(page)[1] == "momentum,lr=0.001,hide=1"
    page.locator('.run-card[data-label="Adam"] input[type=color]').evaluate(
        "(el) => { el.value = '#ff8800'; el.dispatchEvent(new Event('input', { bubbles: true })); }")
    page.wait_for_function(f"() => document.querySelector('{PLOT}').data.find(t => t.name === 'Adam').line.color === '#ff8800'")
    assert run_query(page)[2] == "adam,lr=0.02,color=ff8800"
    page.locator('.run-card[data-label="SGD"] button[aria-label="remove SGD"]').click()
    page.wait_for_function(f"() => !document.querySelector('{PLOT}').data.some(t => t.name === 'SGD')")
    assert run_query(page) == ["momentum,lr=0.001,hide=1", "adam,lr=0.02,color=ff8800"]
    runs = [t for t in drawn(page) if t not in ("f", "f scale", "start", "minima")]
    assert runs == ["Adam", "Momentum"]  # drawn last to first: the first run on top


def test_play_moves_every_marker_along_its_trajectory(page):
    open_race(page, RACE_URL)
    page.keyboard.press(" ")
    page.wait_for_function("() => Number(document.querySelector('[data-testid=step-slider]').value) >= 50")
    page.keyboard.press(" ")  # pause
    step = int(page.input_value("[data-testid=step-slider]"))
    page.wait_for_function(f"""() => {{
        const plot = document.querySelector('{PLOT}');
        return ['SGD', 'Momentum', 'Adam'].every((label) => {{
            const run = plot.data.find(t => t.name === label);
            const marker = plot.layout.shapes.find(s => s.name === label + ' marker');
            return marker.xanchor === run.x[{step}] && marker.yanchor === run.y[{step}];
        }});
    }}""")
    assert query_lists(page)["step"] == [str(step)]


def test_the_3d_view_draws_the_surface_and_each_trajectory_on_it(page):
    open_race(page, RACE_URL)
    page.check("[data-testid=view-3d]")
    page.wait_for_function("() => (document.querySelector('[data-testid=surface-3d]').data ?? []).length > 1")
    traces = page.evaluate("""() => document.querySelector('[data-testid=surface-3d]').data.map(t => ({
        name: t.name, type: t.type, n: (t.x ?? []).length }))""")
    assert traces[0]["type"] == "surface"
    lines = {t["name"]: t for t in traces if t["type"] == "scatter3d" and not t["name"].endswith(" marker")}
    assert set(lines) == {"SGD", "Momentum", "Adam"}
    assert query_lists(page)["view"] == ["3d"]


def test_a_model_surface_races_like_the_toy_ones_and_shows_its_program(page):
    scenario = next(s for s in SCENARIOS if s.id == "dead-relu")
    open_race(page, scenario.href)
    assert_trajectories(page, api_race(page, scenario.request()))
    assert "relu(w * a + b)" in page.text_content("[data-testid=model-program]")


def test_a_run_that_stalls_says_so_with_its_step_and_loss_in_its_own_colour(page):
    scenario = next(s for s in SCENARIOS if s.id == "dead-relu")
    open_race(page, scenario.href)
    momentum = api_race(page, scenario.request())["Momentum"]
    assert momentum["status"] == "stalled"
    badge = page.locator('[data-testid="status-Momentum"]')
    assert badge.text_content() == f"stalled at step {momentum['stopped_at']}, loss {momentum['points'][-1][2]:.4g}"
    assert badge.text_content() == "stalled at step 177, loss 2.734"
    colours = {label: page.locator(f'[data-testid="status-{label}"]').evaluate(
        "(el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]") for label in ("SGD", "Momentum")}
    assert colours["Momentum"] != colours["SGD"]  # not max_steps' amber
    page.goto("/optimizers?surface=quadratic&start=-4.5,2&steps=500&run=sgd,lr=0.05,label=fit")  # converges
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    green = page.locator('[data-testid="status-fit"]')
    assert green.text_content().startswith("converged at step")
    assert green.evaluate("(el) => getComputedStyle(el).color") != colours["Momentum"][0]
