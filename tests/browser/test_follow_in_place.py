"""A follower's page shows the lecturer's next view in place (issue 21, item 1): on the same
page it applies the new URL's state (lib/urlstate.js onUrlShow) without reloading and without
opening another event stream; a view on another page is opened. The lecturer drives its page
with real clicks and keys; the student's page is never touched (a touch would detach it)."""

from __future__ import annotations

import pytest

from tests.browser import test_rooms_pages
from tests.browser.conftest import PHONE
from tests.browser.reading import traces, wait_ready
from tests.browser.test_rooms_pages import followers, join, query_without_presenter, start_room

pytestmark = pytest.mark.browser

classroom = test_rooms_pages.classroom  # the fixture: the lecturer's page and a factory of students' pages

# Installed in the student's pages before their scripts: how many event streams the document
# opened, and which paths it fetched (__fetched) and read the JSON answer of (__read).
WATCH = """
window.__eventSources = 0;
const NativeEventSource = window.EventSource;
window.EventSource = class extends NativeEventSource {
  constructor(...args) { super(...args); window.__eventSources += 1; }
};
window.__fetched = [];
window.__read = [];
const nativeFetch = window.fetch;
window.fetch = (input, init) => {
  const path = new URL(input instanceof Request ? input.url : input, location.href).pathname;
  window.__fetched.push(path);
  return nativeFetch.call(window, input, init).then((response) => {
    const json = response.json.bind(response);
    response.json = () => json().then((value) => { window.__read.push(path); return value; });
    return response;
  });
};
"""

# The view a page shows, as a room publishes it: path and query without presenter mode.
VIEW = """() => { const u = new URL(location.href); u.searchParams.delete('presenter');
  return u.pathname + '?' + u.searchParams.toString(); }"""


def student_in(classroom, code: str, path: str, **options):
    """A student who joined the room and has the lecturer's page open on `path`, watched."""
    _, follower, _ = classroom
    student = follower(**options)
    student.add_init_script(WATCH)
    join(student, code, path)
    mark_loaded(student)
    return student


def mark_loaded(student) -> None:
    """Mark the document: a reload or a navigation would lose the mark."""
    student.evaluate("() => { window.__notReloaded = true; window.__fetched.length = 0; }")


def in_place(student) -> None:
    """The document is the one marked, and it still has the one event stream it opened."""
    assert student.evaluate("() => [window.__notReloaded ?? false, window.__eventSources]") == [True, 1]
    assert student.get_attribute("[data-testid=follow-banner]", "data-mode") == "following"


def fetched(student) -> list[str]:
    """The paths the student's page fetched since the last call."""
    return student.evaluate("() => window.__fetched.splice(0)")


def shows(student, page) -> None:
    """Wait until the student's page is at the lecturer's view (presenter mode aside)."""
    student.wait_for_function(f"(want) => ({VIEW})() === want", arg=page.evaluate(VIEW))


def races(page) -> int:
    return int(page.evaluate("() => Number(document.body.dataset.races ?? 0)"))


def race_after(page, before: int) -> None:
    page.wait_for_function(
        "(n) => Number(document.body.dataset.races ?? 0) > n && document.body.dataset.race === 'done'", arg=before)


PLOTS = {"schedules": "[data-testid=schedule-plot]", "init": "[data-testid=layer-plot]"}


def drawn(page, selector: str, name: str) -> dict:
    """The x and y of the trace `name` of the Plotly chart `selector`."""
    trace = traces(page, selector)[name]
    return {"x": trace["x"], "y": trace["y"]}


def paths(trace_map: dict) -> dict:
    return {name: (t["x"], t["y"]) for name, t in trace_map.items() if name in ("SGD", "Momentum", "Adam")}


RACE = "/optimizers?surface=rosenbrock&start=-1.5,2&steps=300&run=sgd,lr=0.001&run=momentum,lr=0.001&run=adam,lr=0.02"


def test_optimizers_the_step_pace_3d_and_arrows_redraw_and_a_new_race_runs_without_a_reload(classroom):
    page, _, _ = classroom
    room = start_room(page, f"{RACE}&presenter=1")
    student = student_in(classroom, room["code"], "/optimizers", **PHONE)
    shown = races(student)

    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("a")
    page.click("[data-testid=view-3d]")
    page.select_option("[data-testid=speed]", "15")
    page.wait_for_function("() => document.querySelector('[data-testid=step]').textContent === '3 / 300'")
    shows(student, page)
    assert student.inner_text("[data-testid=step]") == "3 / 300"
    assert student.is_checked("[data-testid=arrows]") and student.is_checked("[data-testid=view-3d]")
    assert student.input_value("[data-testid=speed]") == "15"
    student.wait_for_function("() => !document.querySelector('[data-testid=surface-3d]').hidden"
                              " && document.querySelector('[data-testid=surface-3d]').data?.length > 0")
    assert races(student) == shown and fetched(student) == []  # redrawn from the race on screen: no request
    in_place(student)

    # Another surface: the student's page loads it and runs the race, as the lecturer's did.
    before = races(page)
    page.select_option("[data-testid=surface]", "himmelblau")
    race_after(page, before)
    shows(student, page)
    race_after(student, shown)
    assert "/api/surfaces/himmelblau/grid" in fetched(student)
    assert paths(traces(student, "[data-testid=surface-plot]")) == paths(traces(page, "[data-testid=surface-plot]"))
    assert student.inner_text("[data-testid=surface-note]") == page.inner_text("[data-testid=surface-note]")

    # A run's learning rate: the lecturer's page reruns that run, the student's the race (its runs changed).
    shown, before = races(student), races(page)
    page.eval_on_selector('[data-run="Adam"][data-param="lr"]', "(el) => { el.value = '0.05'; }")
    page.dispatch_event('[data-run="Adam"][data-param="lr"]', "input")
    race_after(page, before)
    shows(student, page)
    race_after(student, shown)
    assert student.input_value('[data-run="Adam"][data-param="lr"]') == "0.05"
    mine, theirs = (drawn(p, "[data-testid=surface-plot]", "Adam") for p in (student, page))
    assert mine["x"] == pytest.approx(theirs["x"]) and mine["y"] == pytest.approx(theirs["y"])
    assert query_without_presenter(student.url) == query_without_presenter(page.url)
    assert "presenter" not in student.evaluate("document.documentElement.className")
    in_place(student)


def test_optimizers_a_surface_still_loading_for_an_older_view_does_not_overwrite_the_newer_one(classroom):
    """The student's grid of the lecturer's first surface is held back until the second surface's
    race is drawn: its late answer then changes nothing (no second race, no other surface)."""
    page, _, _ = classroom
    room = start_room(page, f"{RACE}&presenter=1")
    student = student_in(classroom, room["code"], "/optimizers")
    held = []
    student.route("**/api/surfaces/beale/grid*", lambda route: held.append(route))
    shown = races(student)

    before = races(page)
    with student.expect_request("**/api/surfaces/beale/grid*"):
        page.select_option("[data-testid=surface]", "beale")
    race_after(page, before)  # the lecturer's own race on Beale
    before = races(page)
    page.select_option("[data-testid=surface]", "booth")
    race_after(page, before)
    shows(student, page)
    race_after(student, shown)
    assert races(student) == shown + 1
    held[0].continue_()
    student.wait_for_function("() => window.__read.includes('/api/surfaces/beale/grid')")
    student.evaluate("() => new Promise((resolve) => setTimeout(resolve))")  # its continuation has run
    assert races(student) == shown + 1 and student.get_attribute("body", "data-race") == "done"
    assert student.input_value("[data-testid=surface]") == "booth"
    assert student.inner_text("[data-testid=surface-note]") == page.inner_text("[data-testid=surface-note]")
    assert paths(traces(student, "[data-testid=surface-plot]")) == paths(traces(page, "[data-testid=surface-plot]"))
    in_place(student)


def test_optimizers_a_detached_student_rejoins_in_place_from_its_own_view(classroom):
    page, _, _ = classroom
    room = start_room(page, f"{RACE}&presenter=1")
    student = student_in(classroom, room["code"], "/optimizers", **PHONE)
    page.keyboard.press("ArrowRight")
    shows(student, page)
    student.click("[data-testid=detach]")
    student.wait_for_selector("[data-testid=follow-banner][data-mode=detached]")
    assert student.inner_text("[data-testid=step]") == "1 / 300"  # Detach starts from the view shown
    student.keyboard.press("End")  # the student's own step
    student.wait_for_function("() => document.querySelector('[data-testid=step]').textContent === '300 / 300'")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-testid=step]').textContent === '5 / 300'")
    student.click("[data-testid=rejoin]")
    shows(student, page)
    assert student.inner_text("[data-testid=step]") == "5 / 300"
    student.wait_for_selector("[data-testid=follow-banner][data-mode=following]")
    in_place(student)


def test_schedules_the_selection_log_scale_and_parameters_follow_and_presenter_mode_stays_the_students(classroom):
    page, _, _ = classroom
    room = start_room(page, "/schedules?schedule=step&presenter=1")
    student = student_in(classroom, room["code"], "/schedules")
    # Presenter mode is the student's own: its header button does not detach.
    student.click("[data-testid=presenter-toggle]")
    student.wait_for_function("() => new URLSearchParams(location.search).get('presenter') === '1'")
    fetched(student)

    page.keyboard.press("ArrowRight")  # the next schedule
    page.keyboard.press("l")  # η on a log scale
    wait_ready(page)
    shows(student, page)
    selected = page.evaluate("() => new URLSearchParams(location.search).get('schedule')")
    assert student.get_attribute(f"[data-testid=select-{selected}]", "aria-pressed") == "true"
    student.wait_for_function("() => document.querySelector('[data-testid=schedule-plot]').layout.yaxis.type === 'log'")
    wait_ready(student)
    assert fetched(student) == []  # every curve was on the chart already

    # η₀: every curve is asked for again, as the lecturer's page did.
    box = "[data-component=common-params] input[data-param=lr]"
    page.eval_on_selector(box, "(el) => { el.value = '0.3'; }")
    page.dispatch_event(box, "input")
    wait_ready(page)
    shows(student, page)
    wait_ready(student)
    assert student.input_value(box) == "0.3"
    assert "/api/schedules/curve" in fetched(student)
    assert drawn(student, PLOTS["schedules"], selected) == drawn(page, PLOTS["schedules"], selected)
    assert student.evaluate("() => new URLSearchParams(location.search).get('presenter')") == "1"
    assert "presenter" in student.evaluate("document.documentElement.className")
    assert query_without_presenter(student.url) == query_without_presenter(page.url)
    in_place(student)


def test_init_a_case_and_an_activation_ask_again_in_place(classroom):
    page, _, _ = classroom
    room = start_room(page, "/init?presenter=1")
    student = student_in(classroom, room["code"], "/init", **PHONE)

    page.keyboard.press("ArrowRight")  # the first case
    page.wait_for_function("() => new URLSearchParams(location.search).get('init') === 'identity'")
    wait_ready(page)
    shows(student, page)
    wait_ready(student)
    assert student.input_value("[data-testid=init]") == "identity"
    assert student.input_value("input[data-param=gain]") == page.input_value("input[data-param=gain]")
    assert drawn(student, PLOTS["init"], "grad_norm") == drawn(page, PLOTS["init"], "grad_norm")

    page.keyboard.press("a")  # the next activation
    wait_ready(page)
    shows(student, page)
    wait_ready(student)
    assert student.input_value("[data-testid=activation]") == page.input_value("[data-testid=activation]")
    assert drawn(student, PLOTS["init"], "act_std") == drawn(page, PLOTS["init"], "act_std")
    assert fetched(student) == ["/api/init/deep", "/api/init/deep"]
    in_place(student)


def test_trainability_a_zoom_loads_its_tiles_and_a_pixel_opens_its_curve_in_place(classroom):
    page, _, _ = classroom
    room = start_room(page, "/trainability?x=-1,4&y=1,3&seed=0&steps=100&presenter=1")
    student = student_in(classroom, room["code"], "/trainability", **PHONE)

    page.keyboard.press("+")  # zoom in ×2
    page.wait_for_function("() => !location.search.startsWith('?x=-1,4&')")
    wait_ready(page)
    shows(student, page)
    wait_ready(student)
    ranges = "(el) => [el.layout.xaxis.range, el.layout.yaxis.range]"
    map_ = "[data-testid=trainability-map]"
    assert student.eval_on_selector(map_, ranges) == page.eval_on_selector(map_, ranges)
    assert student.get_attribute(map_, "data-n") == page.get_attribute(map_, "data-n")
    assert student.is_enabled("[data-testid=zoom-back]")  # the view it left is on its history, as a zoom's is
    assert set(fetched(student)) == {"/api/trainability"}  # the new view's tiles

    box = page.locator(f"{map_} .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    page.wait_for_selector("[data-testid=loss-curve][data-points]")
    shows(student, page)
    student.wait_for_selector("[data-testid=loss-curve][data-points]")
    student.wait_for_function("(want) => document.querySelector('[data-testid=curve-title]').textContent === want",
                              arg=page.inner_text("[data-testid=curve-title]"))
    assert fetched(student) == ["/api/trainability/curve"]  # a pixel: its curve, over the tile on screen

    page.select_option("[data-testid=model]", "surface")  # another map: a toy surface's race
    page.wait_for_function("() => new URLSearchParams(location.search).get('model') === 'surface'")
    wait_ready(page)
    shows(student, page)
    wait_ready(student)
    assert student.input_value("[data-testid=model]") == "surface"
    assert student.eval_on_selector(map_, ranges) == page.eval_on_selector(map_, ranges)
    assert student.is_disabled("[data-testid=zoom-back]")  # the other map's views are no way back
    assert student.is_hidden("[data-testid=curve-panel]")
    in_place(student)


def test_the_lecturer_opens_another_page_and_the_student_follows_there(classroom):
    page, _, _ = classroom
    room = start_room(page, "/schedules?presenter=1")
    student = student_in(classroom, room["code"], "/schedules", **PHONE)
    followers(page, 1)
    page.click(".site-nav a[data-nav=init]")
    wait_ready(page, "/init")
    student.wait_for_url("**/init?**")
    wait_ready(student, "/init")
    shows(student, page)
    assert student.evaluate("() => window.__notReloaded ?? false") is False  # opened, not applied in place
    assert student.evaluate("() => window.__eventSources") == 1  # the new page's stream
    student.wait_for_selector("[data-testid=follow-banner][data-mode=following]")
    mark_loaded(student)
    page.keyboard.press("ArrowRight")  # and on the new page, the next view is in place again
    wait_ready(page)
    shows(student, page)
    wait_ready(student)
    in_place(student)


def test_a_malformed_value_in_the_rooms_url_gives_the_notice_a_load_gives(classroom):
    """The server checks a room URL's path only: a value the page cannot take falls back to its
    default with the notice a load of that URL shows, still in place."""
    page, _, _ = classroom
    room = start_room(page, "/init?presenter=1")
    student = student_in(classroom, room["code"], "/init")
    answer = page.request.put(f"/api/rooms/{room['code']}/state", headers={"Authorization": f"Bearer {room['key']}"},
                              data={"url": "/init?depth=500&activation=relu"})
    assert answer.ok, answer.text()
    student.wait_for_function("() => new URLSearchParams(location.search).get('activation') === 'relu'")
    wait_ready(student)
    assert "depth '500' is above the maximum 200" in student.inner_text("[data-testid=notices]")
    assert student.evaluate("() => new URLSearchParams(location.search).get('depth')") == "20"
    assert student.input_value("[data-testid=activation]") == "relu"
    in_place(student)


def test_a_wheel_zoom_on_the_map_detaches_and_scrolling_the_page_does_not(classroom):
    page, _, _ = classroom
    room = start_room(page, "/trainability?x=-1,4&y=1,3&seed=0&steps=100&presenter=1")
    student = student_in(classroom, room["code"], "/trainability", viewport={"width": 1000, "height": 500})
    notes = student.locator("main h1, main p").first.bounding_box()  # the page's own text: a wheel there scrolls
    student.mouse.move(notes["x"] + 5, notes["y"] + 5)
    student.mouse.wheel(0, 300)
    student.wait_for_function("() => window.scrollY > 0")
    assert student.get_attribute("[data-testid=follow-banner]", "data-mode") == "following"
    box = student.locator("[data-testid=trainability-map] .nsewdrag").bounding_box()
    student.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    student.mouse.wheel(0, -200)  # the map takes it: a zoom of the student's own
    student.wait_for_selector("[data-testid=follow-banner][data-mode=detached]")


def test_optimizers_a_race_the_lecturer_plays_plays_on_the_students_page_and_stops_where_it_stops(classroom):
    page, _, _ = classroom
    room = start_room(page, f"{RACE}&pace=30&step=40&presenter=1")
    student = student_in(classroom, room["code"], "/optimizers", **PHONE)
    playing = "() => document.querySelector('[data-testid=play]').dataset.playing === 'true'"

    page.keyboard.press(" ")  # play, from step 40
    page.wait_for_function(playing)
    assert query_without_presenter(page.url)["play"] == ["1"] and query_without_presenter(page.url)["step"] == ["40"]
    student.wait_for_function(playing)  # the student's own playback, from the same step at the same pace
    student.wait_for_function("() => Number(document.querySelector('[data-testid=step]').textContent.split(' / ')[0]) > 40")

    page.keyboard.press(" ")  # pause: the URL holds the step it stopped at
    page.wait_for_function("() => !new URLSearchParams(location.search).has('play')")
    stopped = page.inner_text("[data-testid=step]")
    student.wait_for_function(f"() => !({playing})() && document.querySelector('[data-testid=step]').textContent === '{stopped}'")
    assert fetched(student) == []  # played and stopped on the race it had
    in_place(student)
