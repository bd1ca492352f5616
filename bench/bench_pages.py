"""The optimizer race page in headless Chromium: how fast it draws, redraws and plays.

    python bench/bench_pages.py                # Markdown tables of the three scenarios
    python bench/bench_pages.py --variants     # and the surface plot's draw timed done other ways
    python bench/bench_pages.py --profile      # and a DevTools CPU profile of each, by function

The app runs as `python -m uvicorn app.main:app` in a subprocess (its CPU seconds read
from /proc/PID/stat), the page in Debian's Chromium through Playwright with the browser
tests' flags and 1280×720 viewport. Every time is taken inside the page with
performance.now(), from the task that clicks or types, so Playwright's round trips do
not count. The issue's targets (measured here, not asserted):

- run:    six optimizers × 2,000 steps on rosenbrock, pressing Run: the first new
          trajectory points drawn within 300 ms (and the time until the race is done);
- slider: four runs × 400 steps (issue 18; `--slider-runs`, `--slider-steps` for others), a
          new lr typed into one run's box: that run's new trajectory drawn within 100 ms
          (median over 20 values);
- play:   six trajectories × 2,000 points played back at 60 frames per second, at the
          default pace (the whole race in 8 s) and the fastest (2 s).

"Drawn" is Plotly's `plotly_afterplot` after which the surface plot's trace of that run
holds the new points: the DOM is updated (the page draws from requestAnimationFrame, so
the pixels follow in the same frame, after style and layout). Beside the times: the
renderer's main-thread time by kind (DevTools' Performance.getMetrics) and the time
inside each Plotly call (wrapped in the page).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import cpu_seconds
from bench.server import serve as start_app
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

LECTURE_RUNS = ["sgd,lr=0.001", "momentum,lr=0.001", "nesterov,lr=0.001", "adagrad,lr=0.5", "rmsprop,lr=0.01",
                "adam,lr=0.02"]


def race_url(steps: int, runs: list[str] = LECTURE_RUNS) -> str:
    query = "".join(f"&run={quote(r, safe=',=')}" for r in runs)
    return f"/optimizers?surface=rosenbrock&start=-1.5,2&steps={steps}{query}"


RUN_URL = race_url(2_000)
PLAY_URL = race_url(2_000)
SLIDER_RUN = "Adam"  # the run whose typed lr box is changed (the last of the slider's runs)
SLIDER_VALUES = [0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.011, 0.012, 0.014, 0.016, 0.018, 0.022, 0.025,
                 0.028, 0.032, 0.036, 0.04, 0.045, 0.05]
TARGETS_MS = {"run": 300, "slider": 100, "play": 1000 / 60}
PACES = (8, 2)  # seconds a whole race plays in: the page's default, and its fastest
DEFAULT_PACE = 8
PLOT = "[data-testid=surface-plot]"
PLOTLY_CALLS = ("newPlot", "react", "restyle", "relayout", "extendTraces")


# --- the server ------------------------------------------------------------------------

def serve() -> tuple[subprocess.Popen, str]:
    return start_app("-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--log-level", "warning",
                     "--no-access-log", "--port")


# --- in the page -----------------------------------------------------------------------

# Wrap the Plotly calls to time them (they draw synchronously; the promise settles later,
# and `plotly_afterplot` fires then), and note when the stream's bytes arrive.
INSTRUMENT = """(names) => {
  if (window.__bench) return;
  const calls = [];
  window.__bench = { calls, started: new Map(), fetched: [], chunks: [] };
  for (const name of names) {
    const f = Plotly[name];
    Plotly[name] = function (gd, ...rest) {
      const t = performance.now();
      window.__bench.started.set(gd?.dataset?.testid, t); // when each plot's latest draw began
      const out = f.call(this, gd, ...rest);
      calls.push([name, gd?.dataset?.testid ?? '?', performance.now() - t]);
      return out;
    };
  }
  const fetch = window.fetch;
  window.fetch = (...args) => fetch(...args).then((r) => { window.__bench.fetched.push(performance.now()); return r; });
  const read = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function () {
    return read.call(this).then((r) => { if (!r.done) window.__bench.chunks.push(performance.now()); return r; });
  };
}"""

TRAJECTORY_LABELS = f"""() => document.querySelector('{PLOT}').data
  .filter((t) => t.type === 'scatter' && !t.name.endsWith(' marker') && !['minima', 'start'].includes(t.name))
  .map((t) => t.name)"""

# Press Run; resolve with ms from the click to: the stream's response and first bytes, the
# start and end of the first draw holding new points of any run, the race counted as finished.
PRESS_RUN = """({ labels, timeout }) => new Promise((resolve, reject) => {
  const el = document.querySelector('[data-testid=surface-plot]');
  const names = new Set(labels);
  const old = new Map(el.data.filter((t) => names.has(t.name)).map((t) => [t.name, t.x]));
  const races = Number(document.body.dataset.races ?? 0);
  const out = { first: null, firstStart: null, draws: 0 };
  let t0 = 0;
  const afterplot = () => {
    out.draws += 1;
    if (out.first !== null) return;
    if (el.data.some((t) => names.has(t.name) && t.x !== old.get(t.name) && t.x.length > 1)) {
      out.first = performance.now() - t0;
      out.firstStart = window.__bench.started.get('surface-plot') - t0;
    }
  };
  el.on('plotly_afterplot', afterplot);
  const done = new MutationObserver(() => {
    if (Number(document.body.dataset.races ?? 0) <= races) return;
    out.done = performance.now() - t0;
    done.disconnect();
    el.removeListener('plotly_afterplot', afterplot);
    out.points = el.data.filter((t) => names.has(t.name)).map((t) => t.x.length);
    out.headers = window.__bench.fetched.find((t) => t >= t0) - t0;
    out.firstChunk = window.__bench.chunks.find((t) => t >= t0) - t0;
    resolve(out);
  });
  done.observe(document.body, { attributes: true, attributeFilter: ['data-races'] });
  setTimeout(() => reject(new Error('the race did not finish in time')), timeout);
  t0 = performance.now();
  document.querySelector('[data-testid=run]').click();
})"""

# Type a value into run LABEL's lr box; resolve with ms from the input event to: the first
# draw with new points of that run, the start and end of the draw holding its whole new
# trajectory (n points, the last at lastX), and the race counted as finished.
TYPE_LR = """({ label, value, n, lastX, timeout }) => new Promise((resolve, reject) => {
  const el = document.querySelector('[data-testid=surface-plot]');
  const box = document.querySelector(`input.param-box[data-run="${label}"][data-param="lr"]:not([data-schedule])`);
  const trace = () => el.data.find((t) => t.name === label);
  const old = trace().x;
  const races = Number(document.body.dataset.races ?? 0);
  const out = { first: null, firstStart: null, whole: null, wholeStart: null, done: null, draws: 0 };
  let t0 = 0;
  const finish = () => {
    if (out.whole === null || out.done === null) return;
    el.removeListener('plotly_afterplot', afterplot);
    out.headers = window.__bench.fetched.find((t) => t >= t0) - t0;
    out.firstChunk = window.__bench.chunks.find((t) => t >= t0) - t0;
    resolve(out);
  };
  const afterplot = () => {
    out.draws += 1;
    const x = trace().x;
    if (out.first === null && x !== old && x.length > 1) {
      out.first = performance.now() - t0;
      out.firstStart = window.__bench.started.get('surface-plot') - t0;
    }
    if (out.whole === null && x.length === n && x[n - 1] === lastX) {
      out.whole = performance.now() - t0;
      out.wholeStart = window.__bench.started.get('surface-plot') - t0;
      finish();
    }
  };
  el.on('plotly_afterplot', afterplot);
  const done = new MutationObserver(() => {
    if (Number(document.body.dataset.races ?? 0) <= races) return;
    out.done = performance.now() - t0;
    done.disconnect();
    finish();
  });
  done.observe(document.body, { attributes: true, attributeFilter: ['data-races'] });
  setTimeout(() => reject(new Error(`lr=${value}: the new trajectory was not drawn in time`)), timeout);
  t0 = performance.now();
  box.value = String(value);
  box.dispatchEvent(new Event('input', { bubbles: true }));
})"""

# Record requestAnimationFrame timestamps for `seconds`, pressing play first if asked
# (and pause at the end, if still playing). Resolves {intervals (ms), steps advanced}.
FRAMES = """({ seconds, play }) => new Promise((resolve) => {
  const step = () => Number(document.querySelector('[data-testid=step-slider]').value);
  const stamps = [];
  const first = step();
  const tick = (now) => {
    stamps.push(now);
    if (now - stamps[0] < seconds * 1000) { requestAnimationFrame(tick); return; }
    const steps = step() - first;
    const button = document.querySelector('[data-testid=play]');
    if (play && button.dataset.playing === 'true') button.click();
    resolve({ intervals: stamps.slice(1).map((t, i) => t - stamps[i]), steps });
  };
  if (play) document.querySelector('[data-testid=play]').click();
  requestAnimationFrame(tick);
})"""

METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


class Page:
    """A Chromium page on the app, with DevTools metrics and the Plotly calls timed."""

    def __init__(self, browser, base: str, path: str):
        self.page = browser.new_page(viewport=VIEWPORT, base_url=base)
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")
        self.page.goto(path)
        self.page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1", timeout=120_000)
        self.page.evaluate(INSTRUMENT, list(PLOTLY_CALLS))
        self.labels = self.page.evaluate(TRAJECTORY_LABELS)

    def metrics(self) -> dict[str, float]:
        got = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return {name: got[name] for name in METRICS}

    def take_calls(self) -> list[tuple[str, str, float]]:
        return self.page.evaluate("() => window.__bench.calls.splice(0)")

    def close(self) -> None:
        self.page.close()


class Tally:
    """What one scenario cost the page (main thread by kind, Plotly calls) and the server."""

    def __init__(self):
        self.main = Counter()  # seconds by metric
        self.calls = defaultdict(list)  # (call, plot) -> [ms]
        self.server = 0.0
        self.repeats = 0

    def measure(self, page: Page, pid: int, action):
        before, cpu = page.metrics(), cpu_seconds(pid)
        page.take_calls()
        result = action()
        self.server += cpu_seconds(pid) - cpu
        after = page.metrics()
        for name in METRICS:
            self.main[name] += after[name] - before[name]
        for name, plot, ms in page.take_calls():
            self.calls[name, plot].append(ms)
        self.repeats += 1
        return result


def pct(values, q: float) -> float:
    """The q-quantile (0–1) of values, by linear interpolation."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def spread(values) -> str:
    """median (best–worst)."""
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


# --- the scenarios ---------------------------------------------------------------------

def bench_run(browser, base: str, pid: int, repeat: int, tally: Tally) -> dict:
    page = Page(browser, base, RUN_URL)
    try:
        results = []
        for _ in range(repeat):
            results.append(tally.measure(page, pid, lambda: page.page.evaluate(
                PRESS_RUN, {"labels": page.labels, "timeout": 120_000})))
        return {"results": results, "labels": page.labels}
    finally:
        page.close()


def slider_runs(count: int) -> list[str]:
    """`count` runs ending with Adam's (the one whose lr is typed)."""
    others = [r for r in LECTURE_RUNS if not r.startswith("adam,")]
    return [*others[: count - 1], "adam,lr=0.02"]


def bench_slider(browser, base: str, pid: int, rounds: int, tally: Tally, runs: int, steps: int) -> dict:
    page = Page(browser, base, race_url(steps, slider_runs(runs)))
    try:
        expected = {}
        for value in SLIDER_VALUES:  # the new trajectories, from the API (outside the timed moves)
            body = {"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": steps,
                    "runs": [{"optimizer": "adam", "params": {"lr": value}}]}
            points = httpx.post(f"{base}/api/optimize", json=body, timeout=60).raise_for_status().json()["runs"][0]["points"]
            expected[value] = (len(points), points[-1][0])
        results = []
        for r in range(rounds):
            values = SLIDER_VALUES if r % 2 == 0 else SLIDER_VALUES[::-1]
            for value in values:
                n, last_x = expected[value]
                move = {"label": SLIDER_RUN, "value": value, "n": n, "lastX": last_x, "timeout": 60_000}
                out = tally.measure(page, pid, lambda move=move: page.page.evaluate(TYPE_LR, move))
                results.append(out)
        return {"results": results}
    finally:
        page.close()


def bench_play(browser, base: str, pid: int, rounds: int, seconds: float, pace: float, tally: Tally | None) -> dict:
    page = Page(browser, base, PLAY_URL)
    try:
        page.page.select_option("[data-testid=speed]", f"{pace:g}")
        results = []
        for _ in range(rounds):
            page.page.evaluate("""() => { const s = document.querySelector('[data-testid=step-slider]');
                s.value = '0'; s.dispatchEvent(new Event('input', { bubbles: true })); }""")
            args = {"seconds": seconds, "play": True}
            def action(args=args):
                return page.page.evaluate(FRAMES, args)

            results.append(tally.measure(page, pid, action) if tally else action())
        return {"results": results}
    finally:
        page.close()


def bench_idle(browser, base: str, seconds: float) -> dict:
    page = Page(browser, base, PLAY_URL)
    try:
        return page.page.evaluate(FRAMES, {"seconds": seconds, "play": False})
    finally:
        page.close()


# --- what the surface plot's draws cost, and what would make them cheaper ------------

# On a page showing the race, copy the surface plot's traces and layout into a new plot
# of the same size and time Plotly on variants of them (median of 3; the page's own
# plots are left alone). Resolves {variant: {react, markers}} in ms.
VARIANTS = """async () => {
  const src = document.querySelector('[data-testid=surface-plot]');
  const div = document.createElement('div');
  div.style.cssText = `width:${src.clientWidth}px;height:${src.clientHeight}px`;
  document.body.append(div);
  const all = src.data.map((t) => JSON.parse(JSON.stringify(t)));
  const layout = JSON.parse(JSON.stringify(src.layout));
  const contour = all.filter((t) => t.type === 'contour');
  const marks = all.filter((t) => t.name.endsWith(' marker'));
  const other = all.filter((t) => ['minima', 'start'].includes(t.name));
  const trajs = all.filter((t) => t.type === 'scatter' && !marks.includes(t) && !other.includes(t));
  const lines = trajs.map((t) => ({ ...t, mode: 'lines' }));
  const heatmap = contour.map((t) => ({ ...t, type: 'heatmap', zsmooth: 'fast' }));
  const median = async (f, n = 3) => {
    const ts = [];
    for (let i = 0; i < n; i++) { const t = performance.now(); await f(i); ts.push(performance.now() - t); }
    return ts.sort((a, b) => a - b)[Math.floor(n / 2)];
  };
  const copies = (traces) => traces.map((t) => ({ ...t, x: [...t.x], y: [...t.y] })); // new arrays, as each draw
  const moved = (i) => ({ x: marks.map((m) => [m.x[0] + 1e-3 * (i + 1)]), y: marks.map((m) => [m.y[0]]) });
  const shapes = (i) => marks.map((m) => ({
    type: 'circle', xref: 'x', yref: 'y', xsizemode: 'pixel', ysizemode: 'pixel', xanchor: m.x[0] + 1e-3 * (i + 1),
    yanchor: m.y[0], x0: -6, x1: 6, y0: -6, y1: 6, fillcolor: m.marker.color, line: { color: '#fff', width: 2 } }));
  const out = {};
  // The first draw after Run: from the last race's 2,001 points a run to the stream's first 101.
  const shrink = async (name, traces) => {
    const ts = [];
    for (let i = 0; i < 3; i++) {
      await Plotly.newPlot(div, traces, layout);
      const few = traces.map((t) => (trajs.includes(t) || lines.includes(t) ? { ...t, x: t.x.slice(0, 101), y: t.y.slice(0, 101) } : t));
      const t = performance.now();
      await Plotly.react(div, few, layout);
      ts.push(performance.now() - t);
      Plotly.purge(div);
    }
    out[name] = { react: ts.sort((a, b) => a - b)[1], markers: null };
  };
  await shrink('as the page: the first draw after Run (2,001 → 101 points a run)', [...contour, ...other, ...trajs, ...marks]);
  await shrink('contour; trajectories as lines: the first draw after Run', [...contour, ...other, ...lines, ...marks]);
  const variant = async (name, traces, markerShapes = false) => {
    await Plotly.newPlot(div, traces, layout);
    const react = await median(() => Plotly.react(div, copies(traces), layout));
    const first = div.data.findIndex((t) => t.name.endsWith(' marker'));
    const markers = markerShapes ? await median((i) => Plotly.relayout(div, { shapes: shapes(i) }))
      : await median((i) => Plotly.restyle(div, moved(i), marks.map((_, k) => first + k)));
    out[name] = { react, markers };
    Plotly.purge(div);
  };
  // Plotly.extendTraces by one point a trajectory (what streaming could use instead of react).
  const extend = async (name, traces) => {
    await Plotly.newPlot(div, traces, layout);
    const idx = traces.map((t, k) => (trajs.includes(t) || lines.includes(t) ? k : -1)).filter((k) => k >= 0);
    const grow = (i) => ({ x: idx.map(() => [traces[idx[0]].x[0] + 1e-3 * i]), y: idx.map(() => [traces[idx[0]].y[0]]) });
    out[name] = { react: await median((i) => Plotly.extendTraces(div, grow(i), idx)), markers: null };
    Plotly.purge(div);
  };
  await extend('as the page draws it, but extendTraces by 1 point a trajectory', [...contour, ...other, ...trajs, ...marks]);
  await variant('as the page draws it: contour, trajectories as lines+markers, markers by restyle', [...contour, ...other, ...trajs, ...marks]);
  await variant('the contour alone', [...contour, ...marks]);
  await variant('no contour; trajectories as lines+markers', [...other, ...trajs, ...marks]);
  await variant('contour; trajectories as lines', [...contour, ...other, ...lines, ...marks]);
  await variant('contour; trajectories as lines; markers as layout shapes (relayout)', [...contour, ...other, ...lines], true);
  await variant('heatmap instead of contour; trajectories as lines', [...heatmap, ...other, ...lines, ...marks]);
  await variant('no contour; trajectories as lines (a transparent plot over a static contour)', [...other, ...lines, ...marks]);
  await variant('no contour; trajectories as lines; markers as layout shapes', [...other, ...lines], true);
  div.remove();
  return out;
}"""


def bench_variants(browser, base: str) -> dict:
    page = Page(browser, base, PLAY_URL)
    try:
        return page.page.evaluate(VARIANTS)
    finally:
        page.close()


# --- the DevTools profile --------------------------------------------------------------

def profiled(page: Page, action) -> list[tuple[str, float]]:
    """Run action under DevTools' sampling profiler; self time (ms) by where it runs."""
    page.cdp.send("Profiler.enable")
    page.cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    page.cdp.send("Profiler.start")
    action()
    profile = page.cdp.send("Profiler.stop")["profile"]
    page.cdp.send("Profiler.disable")
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    by = Counter()
    for node, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node]
        url = frame["url"].rsplit("/", 1)[-1]
        name = frame["functionName"] or "(anonymous)"
        where = f"{name} ({url}:{frame['lineNumber'] + 1}:{frame['columnNumber'] + 1})" if url else name
        by[where] += delta / 1e3
    return by.most_common()


def profile_all(browser, base: str, top: int, slider_url: str) -> str:
    out = []
    for name, path, action in [
        ("run", RUN_URL, lambda p: p.page.evaluate(PRESS_RUN, {"labels": p.labels, "timeout": 120_000})),
        ("slider", slider_url, lambda p: p.page.evaluate(
            """(label) => { const box = document.querySelector(`input.param-box[data-run="${label}"][data-param="lr"]:not([data-schedule])`);
                box.value = '0.01'; box.dispatchEvent(new Event('input', { bubbles: true })); }""", SLIDER_RUN)
         or p.page.wait_for_function("() => document.body.dataset.race === 'done'")),
        ("play", PLAY_URL, lambda p: p.page.evaluate(FRAMES, {"seconds": 3, "play": True})),
    ]:
        page = Page(browser, base, path)
        try:
            if name == "play":
                page.page.select_option("[data-testid=speed]", f"{max(PACES):g}")
            rows = profiled(page, lambda page=page, action=action: action(page))
        finally:
            page.close()
        total = sum(ms for _, ms in rows)
        out.append(f"\n{name}: {total:.0f} ms sampled; self time by function (plotly.min.js is minified)")
        files = Counter()
        for where, ms in rows:
            key = where.split(" (", 1)[1].split(":")[0] if " (" in where else where
            files[key] += ms
        out.append("  by file: " + ", ".join(f"{k} {v / total:.0%}" for k, v in files.most_common(6)))
        out.extend(f"  {ms:8.1f} ms  {where}" for where, ms in rows[:top])
    return "\n".join(out)


# --- the report ------------------------------------------------------------------------

def calls_table(tallies: dict[str, Tally]) -> list[str]:
    lines = ["| scenario | Plotly call on | calls per repeat | median ms per call | max ms | ms per repeat |",
             "|---|---|---:|---:|---:|---:|"]
    for scenario, tally in tallies.items():
        for (name, plot), times in sorted(tally.calls.items(), key=lambda kv: -sum(kv[1])):
            lines.append(f"| {scenario} | {name} {plot} | {len(times) / tally.repeats:.1f} | "
                         f"{statistics.median(times):.1f} | {max(times):.1f} | {sum(times) / tally.repeats:.0f} |")
    return lines


def main_thread_table(tallies: dict[str, Tally]) -> list[str]:
    lines = ["| scenario | renderer main thread busy | script | layout | style | server CPU |",
             "|---|---:|---:|---:|---:|---:|"]
    for scenario, t in tallies.items():
        per = {k: v / t.repeats * 1e3 for k, v in t.main.items()}
        lines.append(f"| {scenario} (per repeat) | {per['TaskDuration']:.0f} ms | {per['ScriptDuration']:.0f} ms | "
                     f"{per['LayoutDuration']:.0f} ms | {per['RecalcStyleDuration']:.0f} ms | "
                     f"{t.server / t.repeats * 1e3:.0f} ms |")
    return lines


def frames_row(label: str, results: list[dict], target: bool) -> str:
    intervals = [i for x in results for i in x["intervals"]]
    med = statistics.median(intervals)
    over16 = sum(i > 1000 / 60 + 0.5 for i in intervals) / len(intervals)
    over33 = sum(i > 2000 / 60 + 0.5 for i in intervals) / len(intervals)
    fps = [len(x["intervals"]) / (sum(x["intervals"]) / 1e3) for x in results]
    steps = [x["steps"] / (sum(x["intervals"]) / 1e3) for x in results]
    met = ("yes" if pct(intervals, 0.95) < 1000 / 60 + 0.5 else "**no**") if target else ""
    return (f"| {label} | frame interval: median {med:.1f} ms, p95 {pct(intervals, 0.95):.1f} ms; "
            f"> 16.7 ms {over16:.0%}, > 33 ms {over33:.0%} | 60 fps | {spread(fps)} fps; "
            f"{spread(steps)} steps/s | {met} |")


def run_rows(r: list[dict]) -> list[str]:
    first = [x["first"] for x in r]
    return [
        (f"| run: 6 × 2,000 steps | Run pressed → first new points drawn | < 300 ms | {spread(first)} | "
         f"{'yes' if statistics.median(first) < TARGETS_MS['run'] else '**no**'} |"),
        f"| | … → the stream's response headers | | {spread([x['headers'] for x in r])} | |",
        f"| | … → its first bytes | | {spread([x['firstChunk'] for x in r])} | |",
        f"| | … → the start of the first draw with new points | | {spread([x['firstStart'] for x in r])} | |",
        f"| | … → race done (`races` + 1) | | {spread([x['done'] for x in r])} | |",
        f"| | draws of the surface plot per race | | {spread([x['draws'] for x in r])} | |",
    ]


def slider_rows(s: list[dict], runs: int, steps: int) -> list[str]:
    whole = [x["whole"] for x in s]
    return [
        (f"| slider: {runs} × {steps:,} steps, {SLIDER_RUN}'s lr typed | input → first new points of the run drawn "
         f"| | {spread([x['first'] for x in s])} | |"),
        (f"| | input → the whole new trajectory drawn | < 100 ms | {spread(whole)}, p90 {pct(whole, 0.9):.0f} | "
         f"{'yes' if statistics.median(whole) < TARGETS_MS['slider'] else '**no**'} |"),
        f"| | … → the start of that draw | | {spread([x['wholeStart'] for x in s])} | |",
        f"| | input → race done (`races` + 1) | | {spread([x['done'] for x in s])} | |",
        f"| | draws of the surface plot per move | | {spread([x['draws'] for x in s])} | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="presses of Run, and playback rounds")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the 20 typed lr values")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of playback recorded per round")
    parser.add_argument("--slider-runs", type=int, default=4, help="runs in the slider scenario (the last is Adam's)")
    parser.add_argument("--slider-steps", type=int, default=400, help="steps of the slider scenario's race")
    parser.add_argument("--only", choices=["run", "slider", "play"], action="append",
                        help="only these scenarios (repeatable; default: all three)")
    parser.add_argument("--profile", action="store_true", help="also a DevTools CPU profile of each scenario")
    parser.add_argument("--variants", action="store_true", help="also time the surface plot's draw done differently")
    args = parser.parse_args()
    only = set(args.only or ["run", "slider", "play"])
    slider_url = race_url(args.slider_steps, slider_runs(args.slider_runs))

    from playwright.sync_api import sync_playwright

    load = [os.getloadavg()[0]]
    proc, base = serve()
    tallies = {}
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                if "run" in only:
                    tallies["run"] = Tally()
                    rows += run_rows(bench_run(browser, base, proc.pid, args.repeat, tallies["run"])["results"])
                    load.append(os.getloadavg()[0])
                if "slider" in only:
                    tallies["slider"] = Tally()
                    slider = bench_slider(browser, base, proc.pid, args.rounds, tallies["slider"],
                                          args.slider_runs, args.slider_steps)
                    rows += slider_rows(slider["results"], args.slider_runs, args.slider_steps)
                    load.append(os.getloadavg()[0])
                if "play" in only:
                    rows.append(frames_row("idle page (nothing playing)", [bench_idle(browser, base, args.seconds)],
                                           False))
                    for pace in PACES:
                        name = f"play {pace:g} s a race"
                        tallies[name] = Tally()
                        result = bench_play(browser, base, proc.pid, args.repeat, args.seconds, pace, tallies[name])
                        rows.append(frames_row(f"play: 6 × 2,000 points, {pace:g} s a race"
                                               f"{' (the default)' if pace == DEFAULT_PACE else ''}",
                                               result["results"], True))
                    load.append(os.getloadavg()[0])
                profile = profile_all(browser, base, 15, slider_url) if args.profile else ""
                variants = bench_variants(browser, base) if args.variants else {}
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(10)

    print(f"load average (1 min) at start and after each scenario: {', '.join(f'{v:.1f}' for v in load)} "
          f"on {os.cpu_count()} cores; Run pressed {args.repeat}×, {args.rounds * len(SLIDER_VALUES)} typed values, "
          f"{args.repeat} playback rounds of {args.seconds:.0f} s")
    print()
    print("| scenario | measured from … to … | target | median (best–worst), ms | met |")
    print("|---|---|---:|---:|---|")
    print("\n".join(rows))
    print()
    print("Per repeat (a press of Run, a typed value, a playback round): the renderer's main thread "
          "(DevTools Performance.getMetrics) and the server's CPU (/proc/PID/stat of uvicorn)")
    print()
    print("\n".join(main_thread_table(tallies)))
    print()
    print("\n".join(calls_table(tallies)))
    if variants:
        print()
        print("The surface plot of 6 × 2,001 points drawn differently (a copy of the page's plot, median of 3):")
        print()
        print("| what is drawn | Plotly.react with new arrays (ms) | moving the 6 step markers (ms) |")
        print("|---|---:|---:|")
        for name, v in variants.items():
            markers = "" if v["markers"] is None else f"{v['markers']:.1f}"
            print(f"| {name} | {v['react']:.0f} | {markers} |")
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
