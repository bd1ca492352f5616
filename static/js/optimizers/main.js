// The optimizer race page: wires the state (URL), the race stream and the components.

import { h } from '../lib/dom.js';
import { readEvents } from '../lib/events.js';
import { fmt } from '../lib/format.js';
import { RequestError, getJSON, isAbort, postJSON } from '../lib/http.js';
import { Keys } from '../lib/keys.js';
import { Notices } from '../lib/notices.js';
import { theme } from '../lib/plot.js';
import { Presenter } from '../lib/presenter.js';
import { Chart } from './charts.js';
import { recordRace } from './animation.js';
import { download, toCSV } from './exports.js';
import { RunList } from './runlist.js';
import { ScenarioMenu } from './scenarios.js';
import { PACES, RaceState, labels } from './state.js';
import { SurfacePlot } from './surfaceplot.js';
import { SweepPanel } from './sweep.js';
import { Surface3D } from './surface3d.js';

const $ = (selector) => document.querySelector(selector);
// Grid points per side of the contour (drawn once per surface, as an image: surfaceplot.js).
const GRID_N = 120;
// Where a custom surface's race starts unless the URL says: the first of these points of its
// window (as fractions of the way across, from the bottom left) where the gradient is not 0,
// so that no run "converges" at its first step on a stationary point such as (0, 0).
const CUSTOM_STARTS = [[0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2], [0.35, 0.65], [0.6, 0.4]];

const [optimizers, schedules, surfaces] = await Promise.all(
  ['/api/optimizers', '/api/schedules', '/api/surfaces'].map((url) => getJSON(url)));
const meta = { optimizers, schedules, surfaces };
const state = new RaceState(meta);
const notices = new Notices($('[data-testid=notices]'));

const ui = {
  surface: $('[data-testid=surface]'),
  expression: $('[data-testid=expression]'),
  expressionBox: $('.custom-expression'),
  expressionError: $('[data-testid=expression-error]'),
  surfaceNote: $('[data-testid=surface-note]'),
  startX: $('[data-testid=start-x]'),
  startY: $('[data-testid=start-y]'),
  steps: $('[data-testid=steps]'),
  noiseStd: $('[data-testid=noise-std]'),
  noiseSeed: $('[data-testid=noise-seed]'),
  domain: $('[data-testid=domain]'),
  domainBoxes: ['x0', 'x1', 'y0', 'y1'].map((k) => $(`[data-testid=domain-${k}]`)),
  status: $('[data-testid=race-status]'),
  slider: $('[data-testid=step-slider]'),
  stepLabel: $('[data-testid=step]'),
  play: $('[data-testid=play]'),
  speed: $('[data-testid=speed]'),
  view3d: $('[data-testid=view-3d]'),
  arrows: $('[data-testid=arrows]'),
  stage: $('.race-stage'),
};

// Per run, aligned with state.runs: what the stream has sent so far.
let data = [];
const session = { race: null, single: new Map(), playing: false, frame: 0, drawQueued: false, grid: null };
const scenarios = new ScenarioMenu($('[data-testid=scenario-menu]'), $('[data-testid=scenario-current]'), meta);

/** Write the state to the URL, and mark the scenario it is (if any). */
function save() {
  state.save();
  scenarios.mark(state);
}

const view = {
  surface: new SurfacePlot($('[data-testid=surface-plot]'), { onClick: (x, y) => setStart([x, y]) }),
  surface3d: new Surface3D($('[data-testid=surface-3d]')),
  loss: new Chart($('[data-testid=loss-plot]'), 'loss'),
  lr: new Chart($('[data-testid=lr-plot]'), 'lr'),
  effective: new Chart($('[data-testid=effective-lr-plot]'), 'effective'),
  runs: new RunList($('[data-testid=run-list]'), meta, {
    onParams: (k) => { save(); rerun(k); },
    onStructure: (k) => { renderRuns(); save(); rerun(k); },
    onLook: () => { renderRuns(); save(); draw(); },
    onRemove: (k) => { removeRun(k); },
  }),
  sweep: new SweepPanel($('[data-component=sweep]'), {
    meta,
    base: () => { const { runs, ...rest } = state.request(); return rest; },
    onAddRun: (run) => addRun(run),
    initialOptimizer: 'momentum',
  }),
};

// --- the runs -----------------------------------------------------------------------

/** Run k's colour: the user's, else the theme's k-th (kept out of the URL). */
function colorOf(k) {
  const palette = theme().colorway;
  return state.runs[k].color ?? palette[k % palette.length];
}

function currentLabels() {
  return labels(state.runs, meta);
}

function renderRuns() {
  view.runs.render(state.runs, currentLabels(), state.runs.map((_, k) => colorOf(k)));
  data.forEach((d, k) => showStatus(k));
}

/** Run k's badge from data[k] (a stalled run's says its last loss). */
function showStatus(k) {
  const d = data[k];
  view.runs.setStatus(k, d.status, d.stoppedAt, d.points.at(-1)?.[2] ?? null);
}

function emptyData() {
  return { points: [], lr: [], effective: [], gradient: [], status: null, stoppedAt: null };
}

function addRun(run) {
  state.runs.push(run);
  data.push(emptyData());
  renderRuns();
  save();
  rerun(state.runs.length - 1);
}

function removeRun(k) {
  session.single.get(k)?.abort();
  state.runs.splice(k, 1);
  data.splice(k, 1);
  renderRuns();
  save();
  draw();
}

// --- the race stream ----------------------------------------------------------------

function requestFor(indices) {
  const names = currentLabels();
  const body = state.request(indices.map((k) => state.runs[k]));
  body.runs.forEach((run, i) => { run.label = names[indices[i]]; });
  return body;
}

function setRunning(text, phase) {
  ui.status.textContent = text;
  ui.status.title = '';
  document.body.dataset.race = phase; // running | done | error: a hook for tests
}

/**
 * Stream a race of the runs `indices` into data[indices[i]]. A newer race of the same
 * runs cancels this one. Resolves when the stream ends (or was cancelled).
 */
async function stream(indices, controller) {
  const body = requestFor(indices);
  indices.forEach((k) => { data[k] = emptyData(); showStatus(k); });
  for await (const { event, data: msg } of readEvents('/api/optimize/stream', { body, signal: controller.signal })) {
    if (event === 'step') {
      const d = data[indices[msg.run]];
      d.points.push(...msg.points);
      d.lr.push(...msg.lr);
      d.effective.push(...msg.effective_lr);
      d.gradient.push(...msg.gradient);
      queueDraw();
    } else if (event === 'end') {
      const k = indices[msg.run];
      data[k].status = msg.status;
      data[k].stoppedAt = msg.stopped_at;
      showStatus(k);
    }
  }
}

async function runAll() {
  session.race?.abort();
  for (const c of session.single.values()) c.abort();
  session.single.clear();
  const controller = (session.race = new AbortController());
  stopPlaying();
  setRunning('running…', 'running');
  ui.expressionError.hidden = true;
  data = state.runs.map(() => emptyData());
  try {
    await stream(state.runs.map((_, k) => k), controller);
    if (session.race !== controller) return;
    session.race = null;
    finished();
  } catch (error) {
    if (isAbort(error)) return;
    if (session.race === controller) session.race = null;
    failed(error);
  }
}

/** Re-run run k alone (a slider moved): the others keep their trajectories. */
async function rerun(k) {
  if (session.race) { runAll(); return; } // a full race is still streaming: start it again
  session.single.get(k)?.abort();
  const controller = new AbortController();
  session.single.set(k, controller);
  setRunning('running…', 'running');
  try {
    // One run is computed in a few tens of milliseconds: ask for it whole (POST, one
    // answer) and draw it once, rather than stream it and redraw every trajectory and the
    // contour 2–3 times on the way.
    const [run] = (await postJSON('/api/optimize', requestFor([k]), { signal: controller.signal })).runs;
    if (session.single.get(k) !== controller) return;
    data[k] = {
      points: run.points, lr: run.lr, effective: run.effective_lr, gradient: run.gradient,
      status: run.status, stoppedAt: run.stopped_at,
    };
    showStatus(k);
    session.single.delete(k);
    if (!session.single.size) finished();
  } catch (error) {
    if (isAbort(error)) return;
    session.single.delete(k);
    failed(error);
  }
}

async function finished() {
  const longest = Math.max(0, ...data.map((d) => d.points.length - 1));
  ui.slider.max = String(longest);
  state.step = Math.min(state.step, longest);
  await draw();
  setStep(state.step);
  saveForSchedules();
  setRunning('done', 'done');
  ui.status.title = data.map((d, k) => `${currentLabels()[k]}: ${d.status}`).join(' · ');
  document.body.dataset.races = String(Number(document.body.dataset.races ?? 0) + 1); // races finished: a test hook
}

function failed(error) {
  const detail = error instanceof RequestError ? error.detail : { message: String(error) };
  setRunning(`error: ${detail.message}`, 'error');
  if (detail.line && state.expr !== null) {
    ui.expressionError.hidden = false;
    ui.expressionError.textContent = `line ${detail.line}, column ${detail.column}: ${detail.message}`;
  }
  draw();
}

/** The last race's loss curves, for NewBOB on /schedules. */
function saveForSchedules() {
  try {
    const names = currentLabels();
    localStorage.setItem('backproplab.lastRace', JSON.stringify({
      title: state.expr ?? state.surfaceInfo.title,
      steps: state.steps,
      runs: data.map((d, k) => ({ label: names[k], losses: d.points.slice(1).map((p) => p[2]) })),
    }));
  } catch { /* storage full or disabled: /schedules keeps its built-in curve */ }
}

// --- drawing ------------------------------------------------------------------------

function drawn() {
  const names = currentLabels();
  return state.runs.map((run, k) => ({
    ...data[k], label: names[k], color: colorOf(k), hidden: run.hidden, optimizer: run.optimizer,
  }));
}

function queueDraw() {
  if (session.drawQueued) return;
  session.drawQueued = true;
  requestAnimationFrame(() => { session.drawQueued = false; draw(); });
}

/** Redraw every plot from `data`, the trajectories first; resolves once all are drawn. */
async function draw() {
  const runs = drawn();
  const longest = Math.max(0, ...runs.map((r) => r.points.length - 1));
  ui.slider.max = String(longest);
  ui.stepLabel.textContent = `${state.step} / ${longest}`;
  await view.surface.update(runs, state.step, state.startPoint);
  await Promise.all([
    state.view === '3d' ? view.surface3d.update(runs, state.step) : null,
    ...[view.loss, view.lr, view.effective].map((chart) => chart.update(runs, state.step)),
  ]);
}

// --- the scrubber -------------------------------------------------------------------

function setStep(step) {
  const longest = Number(ui.slider.max);
  state.step = Math.max(0, Math.min(step, longest));
  ui.slider.value = String(state.step);
  ui.stepLabel.textContent = `${state.step} / ${longest}`;
  const runs = drawn();
  view.surface.moveMarkers(runs, state.step);
  if (state.view === '3d') view.surface3d.update(runs, state.step);
  for (const chart of [view.loss, view.lr, view.effective]) chart.moveCursor(state.step);
}

function showPlaying(playing) {
  session.playing = playing;
  ui.play.dataset.playing = String(playing);
  ui.play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
}

function stopPlaying() {
  showPlaying(false);
  cancelAnimationFrame(session.frame);
  save();
}

/**
 * Play from the current step to the last at the state's pace: the whole race takes
 * `pace` seconds whatever its steps, and a slow frame skips steps rather than slowing it.
 */
function togglePlay() {
  if (session.playing) { stopPlaying(); return; }
  if (state.step >= Number(ui.slider.max)) setStep(0);
  delete document.body.dataset.played;
  showPlaying(true);
  const from = state.step;
  const perMs = Number(ui.slider.max) / (state.pace * 1000);
  let began = null;
  const tick = (now) => {
    if (!session.playing) return;
    began ??= now;
    const step = from + Math.floor((now - began) * perMs);
    if (step !== state.step) setStep(step);
    if (state.step >= Number(ui.slider.max)) {
      stopPlaying();
      document.body.dataset.played = String(Math.round(now - began)); // a hook for tests: ms a whole playback took
      return;
    }
    session.frame = requestAnimationFrame(tick);
  };
  session.frame = requestAnimationFrame(tick);
}

// --- the surface and the settings ---------------------------------------------------

/** The 3D view lies over the contour plot, in its place (the contour keeps being drawn). */
function showView() {
  const three = state.view === '3d';
  $('[data-testid=surface-3d]').hidden = !three;
  $('[data-testid=surface-plot]').style.visibility = three ? 'hidden' : '';
}

/**
 * A custom surface's start: the first of CUSTOM_STARTS in its window where the engine's
 * gradient (one step of a race, through the API) is finite and not 0. Null if none is.
 */
async function customStart(expression, { x, y }) {
  for (const [fx, fy] of CUSTOM_STARTS) {
    const start = [x[0] + fx * (x[1] - x[0]), y[0] + fy * (y[1] - y[0])].map((v) => Number(v.toPrecision(4)));
    try {
      const body = { expression, start, steps: 1, runs: [{ optimizer: 'sgd', params: { lr: 1e-6 } }] };
      const [run] = (await postJSON('/api/optimize', body)).runs;
      const g = run.gradient[0];
      if (run.status !== 'diverged' && g && g.every(Number.isFinite) && Math.hypot(...g) > 1e-8) return start;
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
    }
  }
  return null;
}

async function loadSurface() {
  ui.surface.value = state.expr !== null ? '' : state.surface;
  ui.expressionBox.hidden = state.expr === null;
  ui.expressionError.hidden = true;
  let grid;
  let info;
  try {
    if (state.expr !== null) {
      ui.expression.value = state.expr;
      info = { minima: [], domain: state.bounds, title: 'custom' };
      grid = await postJSON('/api/surfaces/grid', { expression: state.expr, domain: info.domain, n: GRID_N });
      if (state.start === null) {
        state.start = await customStart(state.expr, info.domain);
        showSettings();
        save();
      }
    } else {
      info = state.surfaceInfo;
      grid = await getJSON(`/api/surfaces/${state.surface}/grid?n=${GRID_N}`);
    }
  } catch (error) {
    const detail = error instanceof RequestError ? error.detail : { message: String(error) };
    ui.expressionError.hidden = false;
    ui.expressionError.textContent = detail.line ? `line ${detail.line}, column ${detail.column}: ${detail.message}` : detail.message;
    setRunning('the surface has an error', 'error');
    return false;
  }
  ui.surfaceNote.replaceChildren(state.expr !== null ? `f(x, y) = ${state.expr}` : `${info.formula}. ${info.description}`);
  ui.domain.hidden = state.expr === null;
  if (info.program) { // a model surface: the program whose loss it is, over x = w and y = b
    ui.surfaceNote.append(h('details', {}, h('summary', {}, 'the model as a program (x = w, y = b)'),
      h('pre', { class: 'model-program', 'data-testid': 'model-program' }, info.program)));
  }
  session.grid = grid;
  view.surface.setSurface(grid, info);
  view.surface3d.setSurface(grid);
  return true;
}

function showSettings() {
  const [x, y] = state.startPoint;
  ui.startX.value = String(x);
  ui.startY.value = String(y);
  ui.steps.value = String(state.steps);
  ui.noiseStd.value = String(state.noise?.[0] ?? 0);
  ui.noiseSeed.value = String(state.noise?.[1] ?? 0);
  const bounds = state.bounds;
  [...bounds.x, ...bounds.y].forEach((v, i) => { ui.domainBoxes[i].value = String(v); ui.domainBoxes[i].classList.remove('invalid'); });
}

function setStart([x, y]) {
  state.start = [Number(x.toPrecision(4)), Number(y.toPrecision(4))];
  showSettings();
  save();
  runAll();
}

function readNumber(input, { integer = false, min = -Infinity, max = Infinity } = {}) {
  const v = Number(input.value);
  const ok = input.value.trim() !== '' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max;
  input.classList.toggle('invalid', !ok);
  return ok ? v : null;
}

function wireSettings() {
  ui.surface.replaceChildren(
    ...surfaces.map((s) => h('option', { value: s.id }, s.title)),
    h('option', { value: '' }, 'Custom f(x, y)…'));
  ui.surface.addEventListener('change', async () => {
    if (ui.surface.value === '') {
      state.expr = state.expr ?? ui.expression.value ?? 'x**2 + 10*y**2';
      if (!state.expr) state.expr = 'x**2 + 10*y**2';
    } else {
      state.surface = ui.surface.value;
      state.expr = null;
      state.domain = null; // a custom surface's window
    }
    state.start = null;
    showSettings();
    save();
    if (await loadSurface()) runAll();
  });
  ui.expression.addEventListener('change', async () => {
    state.expr = ui.expression.value.trim() || 'x**2 + y**2';
    state.start = null; // a new function: its own start, chosen where its gradient is not 0
    save();
    if (await loadSurface()) runAll();
  });
  const onStart = () => {
    const x = readNumber(ui.startX, { min: -1e6, max: 1e6 });
    const y = readNumber(ui.startY, { min: -1e6, max: 1e6 });
    if (x !== null && y !== null) setStart([x, y]);
  };
  ui.startX.addEventListener('change', onStart);
  ui.startY.addEventListener('change', onStart);
  const onDomain = async () => {
    const v = ui.domainBoxes.map((box) => readNumber(box, { min: -1e6, max: 1e6 }));
    if (v.includes(null)) return;
    const [xOk, yOk] = [v[0] < v[1], v[2] < v[3]]; // "from" below "to"
    [xOk, xOk, yOk, yOk].forEach((ok, i) => ui.domainBoxes[i].classList.toggle('invalid', !ok));
    if (!xOk || !yOk) return;
    state.domain = v;
    save();
    if (await loadSurface()) draw(); // the same race over the new window
  };
  ui.domainBoxes.forEach((box) => box.addEventListener('change', onDomain));
  ui.steps.addEventListener('change', () => {
    const v = readNumber(ui.steps, { integer: true, min: 1, max: 10_000 });
    if (v !== null) { state.steps = v; save(); runAll(); }
  });
  const onNoise = () => {
    const std = readNumber(ui.noiseStd, { min: 0, max: 1000 });
    const seed = readNumber(ui.noiseSeed, { integer: true, min: 0, max: 2 ** 32 - 1 });
    if (std === null || seed === null) return;
    state.noise = std > 0 ? [std, seed] : null;
    save();
    runAll();
  };
  ui.noiseStd.addEventListener('change', onNoise);
  ui.noiseSeed.addEventListener('change', onNoise);
  $('[data-testid=run]').addEventListener('click', () => runAll());
  $('[data-testid=add-run]').addEventListener('click', () => addRun({
    optimizer: 'adam', params: {}, schedule: 'constant', scheduleParams: {}, label: null, color: null, hidden: false,
  }));
  ui.slider.addEventListener('input', () => { stopPlaying(); setStep(Number(ui.slider.value)); save(); });
  ui.play.addEventListener('click', () => togglePlay());
  ui.speed.replaceChildren(...PACES.map((s) => h('option', { value: s, selected: s === state.pace }, `${s} s a race`)));
  ui.speed.addEventListener('change', () => { state.pace = Number(ui.speed.value); save(); });
  ui.arrows.checked = state.arrows;
  view.surface.arrows = state.arrows;
  ui.arrows.addEventListener('change', () => {
    state.arrows = ui.arrows.checked;
    view.surface.arrows = state.arrows;
    save();
    setStep(state.step);
  });
  ui.view3d.checked = state.view === '3d';
  ui.view3d.addEventListener('change', () => {
    state.view = ui.view3d.checked ? '3d' : 'contour';
    showView();
    save();
    draw();
  });
  showView();
  $('[data-testid=export-json]').addEventListener('click', () => {
    const names = currentLabels();
    download('race.json', 'application/json', JSON.stringify({
      request: requestFor(state.runs.map((_, k) => k)),
      runs: data.map((d, k) => ({ label: names[k], status: d.status, stopped_at: d.stoppedAt, points: d.points, lr: d.lr, effective_lr: d.effective })),
    }, null, 1));
  });
  const video = $('[data-testid=export-video]');
  video.addEventListener('click', async () => {
    video.disabled = true;
    video.textContent = 'recording…';
    try {
      const title = state.expr !== null ? `f(x, y) = ${state.expr}` : state.surfaceInfo.title;
      download('race.webm', 'video/webm', await recordRace($('[data-testid=surface-plot]'), drawn(), { title }));
    } catch (error) {
      ui.status.textContent = `video: ${error.message}`;
    } finally {
      video.disabled = false;
      video.textContent = 'Video';
    }
  });
  $('[data-testid=export-csv]').addEventListener('click', () => {
    download('race.csv', 'text/csv', toCSV(currentLabels(), data));
  });
}

// --- keys and presenter -------------------------------------------------------------

const keys = new Keys()
  .bind([' '], 'play / pause', () => togglePlay())
  .bind(['ArrowRight', 'PageDown'], 'next step', () => { stopPlaying(); setStep(state.step + 1); })
  .bind(['ArrowLeft', 'PageUp'], 'previous step', () => { stopPlaying(); setStep(state.step - 1); })
  .bind(['Home'], 'first step', () => { stopPlaying(); setStep(0); })
  .bind(['End'], 'last step', () => { stopPlaying(); setStep(Number(ui.slider.max)); })
  .bind(['r'], 'run', () => runAll())
  .bind(['a'], 'arrows', () => ui.arrows.click());
keys.render($('[data-testid=keys]'));

Presenter.forPage(state);

// --- start --------------------------------------------------------------------------

notices.update(state.takeNotices());
data = state.runs.map(() => emptyData());
renderRuns();
wireSettings();
showSettings();
save();
// A scenario's link opened: bring the race into view where it does not fit in the window (a phone).
if (scenarios.mark(state) && ui.stage.getBoundingClientRect().bottom > window.innerHeight) {
  ui.stage.scrollIntoView({ block: 'start' });
}
if (await loadSurface()) runAll();
