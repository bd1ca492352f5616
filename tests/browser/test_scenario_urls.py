"""The run-URL grammar exists twice: app/scenarios.py writes every scenario's link, and
static/js/optimizers/state.js reads a link back into a race. Every scenario's link, parsed by
the page's own state module in Chromium, must be the race Python means by it, field by field."""

from __future__ import annotations

import pytest

from app.scenarios import SCENARIOS
from app.schemas.optimize import OptimizeRequest
from tests.browser.reading import wait_ready

pytestmark = pytest.mark.browser

# Each a[data-scenario]'s href read by RaceState, with the registries and limits the page reads.
PARSE = """async () => {
  const { RaceState } = await import('/static/js/optimizers/state.js');
  const { serverLimits } = await import('/static/js/lib/limits.js');
  const get = (url) => fetch(url).then((response) => response.json());
  const [optimizers, schedules, surfaces, limits] = await Promise.all(
    [get('/api/optimizers'), get('/api/schedules'), get('/api/surfaces'), serverLimits()]);
  const meta = { optimizers, schedules, surfaces, limits };
  return [...document.querySelectorAll('a[data-scenario]')].map((a) => {
    const state = new RaceState(meta, new URL(a.href).search);
    return { id: a.dataset.scenario, href: a.getAttribute('href'), request: state.request(), notices: state.notices };
  });
}"""


@pytest.fixture(scope="module")
def parsed(browser, app_url) -> dict[str, dict]:
    context = browser.new_context(base_url=app_url)
    page = context.new_page()
    page.goto("/optimizers")
    wait_ready(page)
    found = {s["id"]: s for s in page.evaluate(PARSE)}
    context.close()
    return found


def test_the_page_links_every_scenario_as_python_writes_it(parsed):
    assert list(parsed) == [s.id for s in SCENARIOS]
    for scenario in SCENARIOS:
        assert parsed[scenario.id]["href"] == scenario.href


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_a_scenarios_link_parses_in_the_browser_to_pythons_race(parsed, scenario):
    js = parsed[scenario.id]
    assert js["notices"] == [], f"the page refused part of {scenario.href}"
    got, want = js["request"], scenario.request()
    assert set(got) == set(want)
    for key in ("surface", "start", "steps"):
        assert got[key] == want[key], key
    assert got.get("noise") == want.get("noise")
    assert len(got["runs"]) == len(want["runs"])
    for k, (js_run, py_run) in enumerate(zip(got["runs"], want["runs"], strict=True)):
        where = f"run {k} of {scenario.id}"
        assert js_run["optimizer"] == py_run["optimizer"], where
        assert js_run["params"] == py_run["params"], where
        assert js_run["label"] == py_run["label"], where
        # The page writes a schedule's parameters beside its name, the scenario inside `params`: both
        # are forms the API takes (ScheduleSpec).
        js_schedule = dict(js_run["schedule"])
        assert js_schedule.pop("name") == py_run["schedule"]["name"], where
        assert js_schedule == py_run["schedule"]["params"], where
        assert set(js_run) == set(py_run), where
    assert as_the_api_reads(got) == as_the_api_reads(want)


def as_the_api_reads(body: dict) -> dict:
    """The OptimizeRequest the API makes of a body, each schedule as its name and gathered parameters."""
    request = OptimizeRequest.model_validate(body)
    dumped = request.model_dump()
    for run, spec in zip(dumped["runs"], request.runs, strict=True):
        run["schedule"] = {"name": spec.schedule.name, "params": spec.schedule.params}
    return dumped


def test_the_pages_default_labels_are_the_engines(page, app_url):
    """A run's default label (its optimizer's title, numbered on repeats) is written twice too:
    engine.runner's _labels names the API's answers, static/js/optimizers/state.js the page's runs."""
    runs = [{"optimizer": "sgd"}, {"optimizer": "sgd"}, {"optimizer": "adam", "label": "A"},
            {"optimizer": "momentum", "label": "A"}, {"optimizer": "adam"}, {"optimizer": "sgd"}]
    page.goto("/optimizers")
    wait_ready(page)
    in_page = page.evaluate("""async (runs) => {
      const { labels } = await import('/static/js/optimizers/state.js');
      const optimizers = await fetch('/api/optimizers').then((response) => response.json());
      return labels(runs, { optimizers });
    }""", runs)
    answer = page.request.post(f"{app_url}/api/optimize", data={"surface": "quadratic", "steps": 2, "runs": runs}).json()
    assert in_page == [run["label"] for run in answer["runs"]] == ["SGD", "SGD 2", "A", "A 2", "Adam", "SGD 3"]
