"""The shared front-end library (static/js/lib/), driven in Chromium through dynamic imports."""

from __future__ import annotations

import pytest

from engine import PRESETS
from tests.browser.reading import query, query_lists, wait_ready
from tests.browser.stepper import open_graph, step_text, wait_run

pytestmark = pytest.mark.browser

CHART = """async () => {
  const plot = await import('/static/js/lib/plot.js');
  const el = document.createElement('div');
  el.id = 'chart';
  Object.assign(el.style, { position: 'fixed', left: '20px', top: '60px', width: '600px', height: '320px', zIndex: 5 });
  document.body.append(el);
  await plot.newPlot(el, [{ type: 'scatter', mode: 'lines+markers', name: 'loss', x: [0, 1, 2, 3], y: [4, 2, 1, 0.5] }],
    { xaxis: { title: { text: 'iteration' } }, yaxis: { type: 'log', title: { text: 'loss' } } }, { filename: 'loss' });
  return {
    svgs: el.querySelectorAll('.main-svg').length,
    lines: el.querySelectorAll('.scatterlayer .trace .js-line').length,
    points: el.querySelectorAll('.scatterlayer .trace .point').length,
    data: el.data.map((t) => ({ name: t.name, x: t.x, y: t.y })),
    size: el.layout.font.size,
    family: el._fullLayout.font.family,
    png: Boolean(el.querySelector('.modebar-btn[data-title="Download plot as a PNG"], .modebar-btn[data-title="Download plot as a png"]')),
    filename: el._context.toImageButtonOptions.filename,
    logo: el._context.displaylogo,
    links: [...el.querySelectorAll('a')].map((a) => a.href).filter((href) => /plot\\.ly|plotly\\.com/.test(href)),
  };
}"""


def test_plot_draws_a_line_chart_themed_and_scaled_for_presenter_mode(page, page_log):
    open_graph(page, "preset=mul")
    chart = page.evaluate(CHART)
    assert chart["svgs"] >= 1, "Plotly drew no SVG"
    assert chart["lines"] == 1 and chart["points"] == 4
    assert chart["data"] == [{"name": "loss", "x": [0, 1, 2, 3], "y": [4, 2, 1, 0.5]}]
    assert chart["png"] and chart["filename"] == "loss"  # Plotly's own PNG export is kept
    assert chart["logo"] is False and chart["links"] == []
    assert "system-ui" in chart["family"]  # the theme's font, from base.css's --font-ui

    page.click("[data-testid=presenter-toggle]")
    page.wait_for_function(f"() => document.getElementById('chart').layout.font.size > {chart['size']}")
    presenter = page.evaluate("() => document.getElementById('chart').layout.font.size")
    assert presenter > chart["size"]
    page.click("[data-testid=presenter-toggle]")
    page.wait_for_function(f"() => document.getElementById('chart').layout.font.size === {chart['size']}")

    # The helpers: extendTraces appends, react redraws, and the plot follows its container's size.
    page.evaluate("""async () => {
      const plot = await import('/static/js/lib/plot.js');
      const el = document.getElementById('chart');
      await plot.extendTraces(el, { x: [[4]], y: [[0.25]] }, [0]);
      el.style.width = '800px';
    }""")
    page.wait_for_function("() => document.getElementById('chart')._fullLayout.width === 800")
    assert page.evaluate("() => document.getElementById('chart').data[0].y") == [4, 2, 1, 0.5, 0.25]
    refused = page.evaluate("""async () => {
      const plot = await import('/static/js/lib/plot.js');
      try { await plot.react(document.getElementById('chart'), [{ type: 'scattergl', y: [1] }]); return null; }
      catch (error) { return error.message; }
    }""")
    assert "scattergl" in refused
    assert page_log.console_errors == [] and page_log.page_errors == []
    assert page_log.foreign_requests == []


PARSE = """async ([text, sizes]) => {
  const { EventParser } = await import('/static/js/lib/events.js');
  const parser = new EventParser();
  const events = [];
  let at = 0;
  for (const size of sizes) {
    events.push(...parser.push(text.slice(at, at + size)));
    at += size;
  }
  events.push(...parser.push(text.slice(at)), ...parser.end());
  return events;
}"""

STREAM_TEXT = (
    ": a comment, then an event with CRLF line ends\r\n"
    'event: graph\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'
    'event: forward\ndata: {"node": "x"}\n\n'
    "data: 2\r\rdata: [3]"  # a bare CR, and a last event with no blank line after it
)
STREAM_EVENTS = [
    {"event": "graph", "data": '{"a":\n1}'},
    {"event": "forward", "data": '{"node": "x"}'},
    {"event": "message", "data": "2"},
    {"event": "message", "data": "[3]"},
]


def test_the_event_parser_gives_the_same_events_however_the_text_is_split(page):
    page.goto("/")
    assert page.evaluate(PARSE, [STREAM_TEXT, []]) == STREAM_EVENTS
    for at in range(1, len(STREAM_TEXT)):  # every two-chunk split, CRLF halves included
        assert page.evaluate(PARSE, [STREAM_TEXT, [at]]) == STREAM_EVENTS, at
    assert page.evaluate(PARSE, [STREAM_TEXT, [1] * len(STREAM_TEXT)]) == STREAM_EVENTS


def test_read_events_yields_each_event_as_it_arrives_and_stops_when_aborted(page, page_log):
    page_log.allow(422, "/api/graph/trace/stream")
    page.goto("/")
    result = page.evaluate("""async () => {
      const { readEvents } = await import('/static/js/lib/events.js');
      const { isAbort } = await import('/static/js/lib/http.js');
      // A server that sends the second event only once the first has been read.
      const encoder = new TextEncoder();
      let sendMore;
      const more = new Promise((resolve) => { sendMore = resolve; });
      const realFetch = window.fetch;
      window.fetch = async (url, init) => new Response(new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode('event: step\\ndata: {"t": 0, "π": "é"}\\n\\nevent: st'));
          await more;
          controller.enqueue(encoder.encode('ep\\ndata: {"t": 1}\\n\\n'));
          controller.close();
        },
      }), { headers: { 'Content-Type': 'text/event-stream' } });
      const seen = [];
      try {
        for await (const { event, data } of readEvents('/fake', { body: {} })) {
          seen.push([event, data]);
          sendMore();
        }
      } finally {
        window.fetch = realFetch;
      }
      // A real stream, aborted before it is read: an AbortError the page can tell apart.
      const controller = new AbortController();
      const run = readEvents('/api/graph/trace/stream', { body: { preset: 'mlp' }, signal: controller.signal });
      controller.abort();
      let aborted = null;
      try { for await (const _ of run) { /* nothing */ } } catch (error) { aborted = isAbort(error); }
      // And a bad program: the stream's `error` event is thrown with the API's detail.
      let detail = null;
      try { for await (const _ of readEvents('/api/graph/trace/stream', { body: { program: 'x = input(1.0)\\ny = (x' } })) { /* */ } }
      catch (error) { detail = { ...error.detail, status: error.status }; }
      return { seen, aborted, detail };
    }""")
    assert result["seen"] == [["step", {"t": 0, "π": "é"}], ["step", {"t": 1}]]
    assert result["aborted"] is True
    assert result["detail"]["status"] == 422 and result["detail"]["line"] == 2


def test_url_state_reads_typed_fields_and_falls_back_with_a_notice(page):
    page.goto("/")
    result = page.evaluate("""async () => {
      const { UrlState, field } = await import('/static/js/lib/urlstate.js');
      const fields = () => ({
        surface: field.string({ default: 'rosenbrock', choices: ['rosenbrock', 'beale'], always: true }),
        steps: field.int({ default: 500, min: 1, max: 10000 }),
        lr: field.float({ default: 0.01, min: 0 }),
        noise: field.bool(),
        start: field.list(field.float(), { default: [-1.5, 2], length: 2 }),
        run: field.list(field.string(), { repeat: true }),
      });
      const good = new UrlState(fields(), '?surface=beale&steps=20&lr=1e-3&noise=1&start=0.5,-1&run=sgd,lr=0.1&run=adam');
      const bad = new UrlState(fields(), '?surface=moon&steps=0&lr=abc&noise=maybe&start=1,2,3');
      bad.steps = 30;
      return {
        good: { ...good, notices: good.notices, search: good.toSearch() },
        bad: { ...bad, notices: bad.notices, search: bad.toSearch() },
      };
    }""")
    good, bad = result["good"], result["bad"]
    assert good == {
        "surface": "beale", "steps": 20, "lr": 0.001, "noise": True, "start": [0.5, -1], "run": ["sgd,lr=0.1", "adam"],
        "notices": [], "search": "?surface=beale&steps=20&lr=0.001&noise=1&start=0.5%2C-1&run=sgd%2Clr%3D0.1&run=adam",
    }
    assert (bad["surface"], bad["lr"], bad["noise"], bad["start"]) == ("rosenbrock", 0.01, False, [-1.5, 2])
    assert len(bad["notices"]) == 5
    assert "surface 'moon' is not one of rosenbrock, beale; using rosenbrock instead" in bad["notices"]
    assert bad["search"] == "?surface=rosenbrock&steps=30"  # defaults left out, `always` fields kept


def test_a_bad_url_value_shows_a_notice_and_the_page_still_works(page):
    open_graph(page, "preset=nope&speed=3&step=-2")
    notices = page.locator("[data-testid=notices]")
    assert notices.is_visible()
    text = notices.inner_text()
    assert "demo 'nope'" in text and "speed '3'" in text and "step '-2'" in text
    first = next(iter(PRESETS))  # the first demo, from the start
    assert query(page) == {"preset": first, "step": "0"}
    assert step_text(page).startswith("0 / ")
    notices.get_by_role("button", name="Dismiss").click()
    assert notices.is_hidden()


def test_a_good_url_shows_no_notice_and_the_shortcuts_are_listed(page):
    open_graph(page, "preset=colah")
    assert page.locator("[data-testid=notices]").is_hidden()
    hint = page.inner_text("[data-component=keys]")
    for shortcut in ("→ / Space / PgDn next", "← / PgUp back", "Home start", "End last step", "P play", "Ctrl+Enter run"):
        assert shortcut in hint


def test_every_page_has_the_presenter_toggle_and_a_demo_card_carries_it(page):
    page.goto("/")
    page.click("[data-testid=presenter-toggle]")
    assert "presenter" in page.get_attribute("html", "class")
    assert page.url.endswith("/?presenter=1")
    assert page.get_attribute("[data-testid=demo-colah]", "href") == "/graph?preset=colah&presenter=1"
    page.click("[data-testid=demo-colah]")
    wait_run(page)
    assert page.get_attribute("[data-testid=presenter-toggle]", "aria-pressed") == "true"
    assert query_lists(page)["presenter"] == ["1"]
    page.goto("/")
    assert page.get_attribute("[data-testid=presenter-toggle]", "aria-pressed") == "false"
    assert page.get_attribute("[data-testid=demo-colah]", "href") == "/graph?preset=colah"


def test_http_helpers_return_json_and_throw_the_apis_error_detail(page, page_log):
    page_log.allow(422, "/api/graph/gradcheck")
    page.goto("/")
    result = page.evaluate("""async () => {
      const { getJSON, postJSON, RequestError } = await import('/static/js/lib/http.js');
      const presets = await getJSON('/api/presets');
      try {
        await postJSON('/api/graph/gradcheck', { program: 'x = input(1.0)\\ny = (x' });
        return null;
      } catch (error) {
        return { ids: presets.map((p) => p.id), error: error instanceof RequestError, status: error.status,
                 line: error.detail.line, message: error.message === error.detail.message };
      }
    }""")
    assert result == {"ids": list(PRESETS), "error": True, "status": 422, "line": 2, "message": True}


LR = {"name": "lr", "default": 0.01, "min": 0, "max": 10, "kind": "float", "scale": "log",
      "slider_min": 1e-5, "slider_max": 10, "description": "learning rate η"}
STEPS = {"name": "steps", "default": 500, "min": 1, "max": 10000, "kind": "int", "scale": "linear", "description": "steps"}

CONTROLS = """async ([params]) => {
  const { paramControl } = await import('/static/js/lib/params.js');
  window.seen = [];
  const main = document.querySelector('main');
  for (const param of params) {
    const control = paramControl(param, param.default, (value) => window.seen.push([param.name, value]), { run: 'SGD' });
    control.el.dataset.control = param.name;
    main.prepend(control.el);
  }
}"""


def test_a_refused_parameter_says_why_beside_its_box_not_only_in_a_tooltip(page):
    page.goto("/")
    page.evaluate(CONTROLS, [[LR, STEPS]])
    lr = page.locator("[data-control=lr]")
    problem = lr.locator(".param-problem")
    assert problem.is_hidden()
    for typed, why in (("20", "lr must be between 0 and 10"), ("-1", "lr must be between 0 and 10"),
                       ("fast", "lr must be a number between 0 and 10")):
        lr.locator("input[data-run=SGD][data-param=lr]").fill(typed)
        assert problem.is_visible() and problem.inner_text() == why, typed
        assert lr.locator("input[data-param=lr]").get_attribute("aria-invalid") == "true"
    # Beside the box: the line sits right under it, inside the control.
    box, line = lr.locator("input[data-param=lr]").bounding_box(), problem.bounding_box()
    assert 0 <= line["y"] - (box["y"] + box["height"]) < 12
    steps = page.locator("[data-control=steps]")
    steps.locator("input[data-param=steps]").fill("2.5")
    assert steps.locator(".param-problem").inner_text() == "steps must be a whole number between 1 and 10000"
    assert page.evaluate("window.seen") == []  # nothing refused reached the page
    lr.locator("input[data-param=lr]").fill("0.5")
    assert problem.is_hidden() and lr.locator("input[data-param=lr]").get_attribute("aria-invalid") == "false"
    assert page.evaluate("window.seen") == [["lr", 0.5]]


def test_the_race_says_why_a_typed_value_is_refused_and_reruns_once_it_is_valid(page):
    page.goto("/optimizers?surface=quadratic&steps=50&run=sgd,lr=0.02")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    box = page.locator('input[data-run="SGD"][data-param="lr"]')
    problem = page.locator('.param:has(input[data-run="SGD"][data-param="lr"]) .param-problem')
    box.fill("20")
    assert problem.is_visible() and problem.inner_text() == "lr must be between 0 and 10"
    assert query_lists(page)["run"] == ["sgd,lr=0.02"]  # the race keeps its last valid value
    box.fill("0.1")
    page.wait_for_function("() => Number(document.body.dataset.races) >= 2")
    assert problem.is_hidden()
    assert query_lists(page)["run"] == ["sgd,lr=0.1"]


def test_a_race_the_page_aborts_and_a_422_for_typed_input_log_no_errors_of_the_pages_own(page, page_log):
    """Restarting a race mid-stream aborts the stream: no console error, no unhandled rejection.
    A program that does not parse answers 422: the only red line is Chromium's own
    "Failed to load resource" for that response (announced), and the page says why."""
    page.add_init_script("""window.rejections = [];
      window.addEventListener('unhandledrejection', (e) => window.rejections.push(String(e.reason?.name ?? e.reason)));""")
    aborted = []
    page.on("requestfailed", lambda r: aborted.append(r.failure) if r.url.endswith("/api/optimize/stream") else None)
    with page.expect_response("**/api/optimize/stream"):  # the longest race there is, under way
        page.goto("/optimizers?steps=10000")
    for _ in range(3):  # each click aborts the stream in flight (mid-answer, then before it answers)
        page.click("[data-testid=run]")
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")
    assert "net::ERR_ABORTED" in aborted
    assert page.evaluate("window.rejections") == []
    assert page_log.console_errors == [] and page_log.page_errors == []

    page_log.allow(422, "/api/graph/trace/stream")
    open_graph(page, "preset=mul")
    page.fill("[data-testid=program]", "x = input(1.0)\ny = (x")
    page.click("[data-testid=run]")
    wait_run(page, "error")
    assert page.inner_text("[data-testid=program-error]").startswith("Line 2, column 5")
    assert page.evaluate("window.rejections") == []
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_an_error_response_cancelled_while_its_body_is_read_stays_an_abort(page):
    page.goto("/")
    result = page.evaluate("""async () => {
      const { errorFrom, isAbort } = await import('/static/js/lib/http.js');
      const aborted = { status: 422, json: () => Promise.reject(new DOMException('stopped', 'AbortError')) };
      const garbled = { status: 502, json: () => Promise.reject(new SyntaxError('not JSON')) };
      let first;
      try { await errorFrom(aborted); } catch (error) { first = isAbort(error); }
      const second = await errorFrom(garbled);
      return { first, second: [second.name, second.status, second.message] };
    }""")
    assert result == {"first": True, "second": ["RequestError", 502, "request failed (HTTP 502)"]}


@pytest.mark.parametrize("path", ["/init?depht=3", "/trainability?depht=3"])
def test_a_misspelt_setting_in_the_url_says_so(page, path):
    """lib/urlstate.js's noticeUnknown, which /init and /trainability share."""
    page.goto(path)
    wait_ready(page)
    assert "unknown setting 'depht'; ignoring it" in page.inner_text("[data-testid=notices]")
