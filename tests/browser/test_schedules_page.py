"""The schedules page in Chromium: every schedule's η(t) as the engine computes it, its
parameters in the URL and on the controls, NewBOB on a race's loss curve."""

from __future__ import annotations

import json
import urllib.request

import pytest

from engine.schedules import SCHEDULES
from tests.browser import reading
from tests.browser.reading import query, wait_ready

pytestmark = pytest.mark.browser

PLOT = "[data-testid=schedule-plot]"
LOSS = "[data-testid=loss-curve]"
CURVE = "/api/schedules/curve"

# What /optimizers saves after a race (DESIGN.md's hand-over): two runs, one whose loss stalls at once.
RACE = {
    "title": "SGD vs Adam on rosenbrock",
    "steps": 300,
    "runs": [
        {"label": "SGD", "losses": [10.0 / (1 + k) for k in range(300)]},
        {"label": "Adam", "losses": [5.0] * 300},
    ],
}


def post(app_url: str, path: str, body: dict) -> dict:
    """An API answer straight from the server (not through the browser), to compare against."""
    request = urllib.request.Request(
        f"{app_url}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def builtin_losses(app_url: str, steps: int) -> list[float]:
    race = post(app_url, "/api/optimize", {
        "surface": "quadratic", "start": [-4.5, 2], "steps": steps,
        "runs": [{"optimizer": "sgd", "params": {"lr": 0.05}}], "noise": {"std": 4.0, "seed": 1},
    })
    return [point[2] for point in race["runs"][0]["points"][1:]]


def open_schedules(page, query: str = "") -> None:
    page.goto(f"/schedules{'?' + query if query else ''}")
    wait_ready(page)


def traces(page, selector: str = PLOT) -> dict[str, dict]:
    """The chart's traces by name, each with its line's width (the selected schedule's is wider)."""
    return reading.traces(page, selector, width="t.line.width")


def type_into(page, selector: str, text: str, wait: bool = True) -> None:
    """Set a typed box's text and fire its input event once, as typing the last key does
    (fill would fire one more, and the page would abort the request of the first)."""
    page.eval_on_selector(selector, "(el, text) => { el.value = text; }", text)
    page.dispatch_event(selector, "input")
    if wait:
        wait_ready(page)


def test_every_schedule_is_drawn_on_load_with_the_engines_curve(page, app_url):
    open_schedules(page)
    drawn = traces(page)
    assert set(drawn) == set(SCHEDULES)
    assert query(page)["steps"] == "500" and query(page)["lr"] == "0.1"
    losses = builtin_losses(app_url, 500)
    for schedule_id in SCHEDULES:
        body = {"schedule": {"name": schedule_id}, "lr": 0.1, "steps": 500}
        if schedule_id == "newbob":
            body["losses"] = losses
        expected = post(app_url, CURVE, body)
        assert drawn[schedule_id]["x"] == expected["t"], schedule_id
        assert drawn[schedule_id]["y"] == expected["lr"], schedule_id
    # NewBOB on the built-in loss really halves its rate (else the default would be a flat line).
    assert drawn["newbob"]["y"][-1] < drawn["newbob"]["y"][0] / 2
    # Each card shows its formula, exactly the registry's string.
    for schedule in SCHEDULES.values():
        card = page.locator(f".schedule-card[data-schedule={schedule.id}]")
        assert card.locator(".formula").get_attribute("data-formula") == schedule.formula
        assert schedule.title in card.inner_text()
    # The loss NewBOB reads is drawn, and said what it is.
    assert traces(page, LOSS)["loss"]["y"] == losses
    assert "SGD" in page.inner_text("[data-testid=loss-note]")


def test_a_step_url_draws_that_curve_and_fills_the_boxes(page, app_url):
    open_schedules(page, "schedule=step&lr=0.2&every=50&gamma=0.5")
    expected = post(app_url, CURVE, {"schedule": {"name": "step", "every": 50, "gamma": 0.5}, "lr": 0.2, "steps": 500})
    drawn = traces(page)
    assert drawn["step"]["y"] == expected["lr"]
    assert drawn["step"]["y"][49:51] == [0.2, 0.1]
    assert drawn["step"]["width"] > max(t["width"] for name, t in drawn.items() if name != "step")  # emphasised
    assert page.input_value("[data-schedule=step][data-param=every]") == "50"
    assert page.input_value("[data-schedule=step][data-param=gamma]") == "0.5"
    assert page.input_value("[data-param=lr]") == "0.2"
    assert page.locator("[data-schedule=step][data-param=gamma]").is_visible()
    assert page.get_attribute("[data-testid=select-step]", "aria-pressed") == "true"
    assert page.locator("[data-testid=notices]").is_hidden()
    assert query(page) == {"schedule": "step", "lr": "0.2", "steps": "500", "every": "50", "gamma": "0.5", "warmup": "0"}


def test_typing_a_parameter_redraws_its_trace_and_writes_the_url(page, app_url):
    open_schedules(page, "schedule=step&lr=0.2&every=50&gamma=0.5")
    before = traces(page)
    type_into(page, "[data-schedule=step][data-param=gamma]", "0.25")
    expected = post(app_url, CURVE, {"schedule": {"name": "step", "every": 50, "gamma": 0.25}, "lr": 0.2, "steps": 500})
    after = traces(page)
    assert after["step"]["y"] == expected["lr"]
    assert after["cosine"]["y"] == before["cosine"]["y"]  # only that schedule was asked again
    assert query(page)["gamma"] == "0.25"

    # η₀ and steps are every curve's.
    type_into(page, "[data-param=steps]", "200")
    after = traces(page)
    assert all(len(t["y"]) == 200 for t in after.values())
    assert after["step"]["y"] == post(app_url, CURVE, {
        "schedule": {"name": "step", "every": 50, "gamma": 0.25}, "lr": 0.2, "steps": 200})["lr"]
    assert after["newbob"]["y"] == post(app_url, CURVE, {
        "schedule": {"name": "newbob"}, "lr": 0.2, "steps": 200, "losses": builtin_losses(app_url, 200)})["lr"]
    assert query(page)["steps"] == "200"

    # An invalid value marks the box and changes nothing.
    type_into(page, "[data-schedule=step][data-param=gamma]", "2", wait=False)
    assert "invalid" in page.get_attribute("[data-schedule=step][data-param=gamma]", "class")
    assert query(page)["gamma"] == "0.25"


def test_the_slider_redraws_as_it_moves(page, app_url):
    open_schedules(page, "schedule=exponential")
    slider = page.locator(".schedule-card[data-schedule=exponential] .param-slider").first
    slider.evaluate("el => { el.value = 400; el.dispatchEvent(new Event('input')); }")
    wait_ready(page)
    r = page.input_value("[data-schedule=exponential][data-param=r]")
    assert query(page)["r"] == r
    expected = post(app_url, CURVE, {"schedule": {"name": "exponential", "r": float(r)}, "lr": 0.1, "steps": 500})
    assert traces(page)["exponential"]["y"] == expected["lr"]


@pytest.mark.parametrize(("bad", "notice"), [
    ("schedule=nope", "schedule 'nope'"),
    ("schedule=step&gamma=7", "gamma '7'"),
    ("schedule=step&lr=-1", "lr (η₀) '-1'"),
    ("schedule=step&steps=2.5", "steps '2.5'"),
    ("schedule=cosine&gamma=0.5", "'gamma' is a parameter of step"),
])
def test_a_bad_url_value_shows_a_notice_and_the_default(page, app_url, bad, notice):
    open_schedules(page, bad)
    assert notice in page.inner_text("[data-testid=notices]")
    assert set(traces(page)) == set(SCHEDULES)  # never a blank page
    state = query(page)
    assert state["lr"] in ("0.1", "0.2") and state["steps"] == "500"
    if "gamma=7" in bad:
        assert page.input_value("[data-schedule=step][data-param=gamma]") == "0.5"
        assert state["gamma"] == "0.5"
    if "nope" in bad:
        assert state["schedule"] == next(iter(SCHEDULES))
    if "cosine" in bad:
        assert "gamma" not in state


def test_parameters_the_engine_refuses_fall_back_to_the_defaults(page, page_log):
    page_log.allow(422, CURVE)
    open_schedules(page, "schedule=piecewise&boundaries=400|200")
    assert "piecewise" in page.inner_text("[data-testid=notices]")
    assert page.input_value("[data-schedule=piecewise][data-param=boundaries]") == "200|400"
    assert query(page)["boundaries"] == "200|400"
    assert page.url.endswith("boundaries=200|400&values=0.01|0.003|0.001&warmup=0")  # lists stay readable


def test_newbob_follows_a_race_picked_from_local_storage(page, app_url):
    page.add_init_script(f"localStorage.setItem('backproplab.lastRace', {json.dumps(json.dumps(RACE))})")
    open_schedules(page, "schedule=newbob&steps=300")
    builtin = traces(page)["newbob"]["y"]
    source = page.locator("[data-testid=loss-source]")
    assert source.is_visible()
    assert [o.strip() for o in source.locator("option").all_inner_texts()][1:] == [
        "Last race: SGD (300 updates)", "Last race: Adam (300 updates)"]

    source.select_option(label="Last race: Adam (300 updates)")
    wait_ready(page)
    adam = post(app_url, CURVE, {"schedule": {"name": "newbob"}, "lr": 0.1, "steps": 300,
                                 "losses": RACE["runs"][1]["losses"]})
    drawn = traces(page)["newbob"]["y"]
    assert drawn == adam["lr"] and drawn != builtin
    assert drawn[99:101] == [0.1, 0.05]  # Adam's loss never improves: halved after the second epoch
    assert traces(page, LOSS)["loss"]["y"] == RACE["runs"][1]["losses"]
    assert "Adam" in page.inner_text("[data-testid=loss-note]")

    source.select_option(label="Last race: SGD (300 updates)")
    wait_ready(page)
    assert traces(page)["newbob"]["y"] == [0.1] * 300  # SGD's loss keeps falling: NewBOB never halves

    source.select_option("builtin")
    wait_ready(page)
    assert traces(page)["newbob"]["y"] == builtin


def test_no_race_no_select(page):
    open_schedules(page, "schedule=newbob")
    assert page.locator("[data-testid=loss-source]").is_hidden()


def test_keys_pick_schedules_and_toggle_the_log_scale(page):
    open_schedules(page, "schedule=constant")
    ids = list(SCHEDULES)
    page.keyboard.press("ArrowRight")
    wait_ready(page)
    assert query(page)["schedule"] == ids[1]
    assert page.get_attribute(f"[data-testid=select-{ids[1]}]", "aria-pressed") == "true"
    assert traces(page)[ids[1]]["width"] > traces(page)["constant"]["width"]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wait_ready(page)
    assert query(page)["schedule"] == ids[-1]

    page.keyboard.press("l")
    wait_ready(page)
    assert page.eval_on_selector(PLOT, "el => el.layout.yaxis.type") == "log"
    assert query(page)["log"] == "1"
    assert page.get_attribute("[data-testid=log-toggle]", "aria-pressed") == "true"
    page.click("[data-testid=log-toggle]")
    wait_ready(page)
    assert page.eval_on_selector(PLOT, "el => el.layout.yaxis.type") == "linear"
    assert "log" not in query(page)

    keys = page.inner_text("[data-component=keys]")
    assert "→" in keys and "L log" in keys

    page.click("[data-testid=select-cosine]")
    wait_ready(page)
    assert query(page)["schedule"] == "cosine" and query(page)["period"] == "500"


def test_presenter_mode_toggles_and_rethemes_the_chart(page):
    open_schedules(page, "schedule=step&presenter=1")
    assert page.evaluate("() => document.documentElement.classList.contains('presenter')")
    big = page.eval_on_selector(PLOT, "el => el.layout.font.size")
    page.click("[data-testid=presenter-toggle]")
    page.wait_for_function(f"() => document.querySelector('{PLOT}').layout.font.size < {big}")
    assert "presenter" not in query(page)
    page.keyboard.press("p")
    page.wait_for_function(f"() => document.querySelector('{PLOT}').layout.font.size === {big}")
    assert query(page)["presenter"] == "1"


@pytest.mark.parametrize(("selector", "typed", "why"), [
    ("input[data-param=lr]", "11", "lr must be between 0 and 10"),
    ("input[data-param=steps]", "0", "steps must be between 1 and 10000"),
    ("input[data-param=gamma]", "abc", "gamma must be a number between 0 and 1"),
])
def test_a_typed_value_out_of_range_says_why_beside_its_box(page, selector, typed, why):
    """Issue 18 item 11: the reason is on the page, under the box, not only in its tooltip; nothing is asked."""
    open_schedules(page, "schedule=step")
    asked = []
    page.on("request", lambda r: asked.append(r) if r.url.endswith(CURVE) else None)
    type_into(page, selector, typed, wait=False)
    problem = page.locator(f".param:has({selector}) .param-problem")
    problem.wait_for(state="visible")
    assert problem.inner_text() == why
    box, line = page.locator(selector).bounding_box(), problem.bounding_box()
    assert 0 <= line["y"] - (box["y"] + box["height"]) < 30  # the line right under the box
    assert asked == []
