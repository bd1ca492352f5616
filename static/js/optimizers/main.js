// The optimizer race page: wires the state (URL), the race (race.js) and the components.
//
// <body data-race="running|done|error">: the latest request's phase, and data-races: how
// many races have finished drawing (hooks for the tests).

import { RequestError, getJSON, postJSON } from '../lib/http.js';
import { Keys } from '../lib/keys.js';
import { serverLimits } from '../lib/limits.js';
import { Notices } from '../lib/notices.js';
import { theme } from '../lib/plot.js';
import { Presenter } from '../lib/presenter.js';
import { onUrlShow } from '../lib/urlstate.js';
import { Chart } from './charts.js';
import { customStart } from './customstart.js';
import { bindExports } from './exports.js';
import { Race } from './race.js';
import { RunList } from './runlist.js';
import { ScenarioMenu } from './scenarios.js';
import { Scrubber } from './scrubber.js';
import { RaceSettings } from './settings.js';
import { PACES, RaceState } from './state.js';
import { SurfacePlot } from './surfaceplot.js';
import { Surface3D } from './surface3d.js';
import { SweepPanel } from './sweep.js';

const $ = (selector) => document.querySelector(selector);
// Grid points per side of the contour (drawn once per surface, as an image: surfaceplot.js).
const GRID_N = 120;
// The expression a custom surface starts from when none was typed.
const CUSTOM_EXPRESSION = 'x**2 + 10*y**2';

const [optimizers, schedules, surfaces, limits] = await Promise.all([
  ...['/api/optimizers', '/api/schedules', '/api/surfaces'].map((url) => getJSON(url)), serverLimits()]);
const meta = { optimizers, schedules, surfaces, limits };
const state = new RaceState(meta);
const notices = new Notices($('[data-testid=notices]'));
const ui = {
  status: $('[data-testid=race-status]'),
  arrows: $('[data-testid=arrows]'),
  view3d: $('[data-testid=view-3d]'),
  stage: $('.race-stage'),
};
const session = {
  drawQueued: false,
  surfaceLoad: null, // the surface load in flight: an older one's answer is dropped
  raceDue: false, // a room's view changed the race: run it (once the surface in flight is drawn)
};
const scenarios = new ScenarioMenu($('[data-testid=scenario-menu]'), $('[data-testid=scenario-current]'), meta);

/** Write the state to the URL, and mark the scenario it is (if any). */
function save() {
  state.save();
  scenarios.mark(state);
}

const race = new Race(state, {
  onStart({ full }) {
    if (full) {
      session.raceDue = false;
      scrubber.stop();
      settings.showError(null);
    }
    setRunning('running…', 'running');
  },
  onProgress: () => queueDraw(),
  onStatus: (k) => showStatus(k),
  onFinished: () => finished(),
  onFailed: (error) => failed(error),
});

const view = {
  surface: new SurfacePlot($('[data-testid=surface-plot]'), { onClick: (x, y) => setStart([x, y]) }),
  surface3d: new Surface3D($('[data-testid=surface-3d]')),
  loss: new Chart($('[data-testid=loss-plot]'), 'loss'),
  lr: new Chart($('[data-testid=lr-plot]'), 'lr'),
  effective: new Chart($('[data-testid=effective-lr-plot]'), 'effective'),
  runs: new RunList($('[data-testid=run-list]'), meta, {
    onParams: (k) => { save(); race.rerun(k); },
    onStructure: (k) => { renderRuns(); save(); race.rerun(k); },
    onLook: () => { renderRuns(); save(); draw(); },
    onRemove: (k) => removeRun(k),
  }),
  sweep: new SweepPanel($('[data-component=sweep]'), {
    meta,
    base: () => { const { runs, ...rest } = state.request(); return rest; },
    onAddRun: (run) => addRun(run),
    initialOptimizer: 'momentum',
  }),
};

const scrubber = new Scrubber($('[data-testid=scrubber]'), {
  paces: PACES,
  pace: state.pace,
  onStep(step, { scrubbed }) {
    setStep(step);
    if (scrubbed) save();
  },
  onPace(pace) {
    state.pace = pace;
    save();
  },
  onPlay(from) { // written, so that a room's followers play along from the same step
    state.step = from;
    state.play = true;
    save();
  },
  onStop() {
    state.play = false;
    save();
  },
});

/** A URL that says the race is playing (a room's lecturer's, a link): play it from its step, once drawn. */
function playAlong() {
  if (state.play && !scrubber.playing && scrubber.last > 0) scrubber.toggle(state.step);
}

const settings = new RaceSettings($('.race-side'), meta, {
  async onSurface(id, typed) {
    if (id === '') {
      state.expr = state.expr || typed || CUSTOM_EXPRESSION;
    } else {
      state.surface = id;
      state.expr = null;
      state.domain = null; // a custom surface's window
    }
    state.start = null;
    settings.update(state);
    save();
    if (await loadSurface()) race.runAll();
  },
  async onExpression(text) {
    state.expr = text || 'x**2 + y**2';
    state.start = null; // a new function: its own start, chosen where its gradient is not 0
    save();
    if (await loadSurface()) race.runAll();
  },
  onStart: (start) => setStart(start),
  async onDomain(domain) {
    state.domain = domain;
    save();
    if (await loadSurface()) catchUp(true); // the same race over the new window (or a room's view's, if one came)
  },
  onSteps(steps) {
    state.steps = steps;
    save();
    race.runAll();
  },
  onNoise(noise) {
    state.noise = noise;
    save();
    race.runAll();
  },
});

// --- the runs -----------------------------------------------------------------------

/** Run k's colour: the user's, else the theme's k-th (kept out of the URL). */
function colorOf(k) {
  const palette = theme().colorway;
  return state.runs[k].color ?? palette[k % palette.length];
}

function renderRuns() {
  view.runs.render(state.runs, race.labels(), state.runs.map((_, k) => colorOf(k)));
  race.data.forEach((_, k) => showStatus(k));
}

/** Run k's badge (a stalled run's says its last loss). */
function showStatus(k) {
  const d = race.data[k];
  view.runs.setStatus(k, d.status, d.stoppedAt, d.points.at(-1)?.[2] ?? null);
}

function addRun(run) {
  race.add(run);
  renderRuns();
  save();
  race.rerun(state.runs.length - 1);
}

function removeRun(k) {
  race.remove(k);
  renderRuns();
  save();
  draw();
}

function setRunning(text, phase) {
  ui.status.textContent = text;
  ui.status.title = '';
  document.body.dataset.race = phase;
}

async function finished() {
  const longest = Math.max(0, ...race.data.map((d) => d.points.length - 1));
  state.step = Math.min(state.step, longest);
  scrubber.update(state.step, longest);
  await draw();
  setStep(state.step);
  playAlong();
  saveForSchedules();
  setRunning('done', 'done');
  const names = race.labels();
  ui.status.title = race.data.map((d, k) => `${names[k]}: ${d.status}`).join(' · ');
  document.body.dataset.races = String(Number(document.body.dataset.races ?? 0) + 1);
}

function failed(error) {
  const detail = error instanceof RequestError ? error.detail : { message: String(error) };
  setRunning(`error: ${detail.message}`, 'error');
  if (detail.line && state.expr !== null) settings.showError(detail);
  draw();
}

/** The last race's loss curves, for NewBOB on /schedules. */
function saveForSchedules() {
  try {
    const names = race.labels();
    localStorage.setItem('backproplab.lastRace', JSON.stringify({
      title: state.expr ?? state.surfaceInfo.title,
      steps: state.steps,
      runs: race.data.map((d, k) => ({ label: names[k], losses: d.points.slice(1).map((p) => p[2]) })),
    }));
  } catch { /* storage full or disabled: /schedules keeps its built-in curve */ }
}

// --- drawing ------------------------------------------------------------------------

/** Every run as the charts draw it: its data, label, colour and visibility. */
function drawn() {
  const names = race.labels();
  return state.runs.map((run, k) => ({
    ...race.data[k], label: names[k], color: colorOf(k), hidden: run.hidden, optimizer: run.optimizer,
  }));
}

function queueDraw() {
  if (session.drawQueued) return;
  session.drawQueued = true;
  requestAnimationFrame(() => { session.drawQueued = false; draw(); });
}

/** Redraw every plot from the race's data, the trajectories first; resolves once all are drawn. */
async function draw() {
  const runs = drawn();
  scrubber.update(state.step, Math.max(0, ...runs.map((r) => r.points.length - 1)));
  await view.surface.update(runs, state.step, state.startPoint);
  await Promise.all([
    state.view === '3d' ? view.surface3d.update(runs, state.step) : null,
    ...[view.loss, view.lr, view.effective].map((chart) => chart.update(runs, state.step)),
  ]);
}

/** Show step `step` (clamped to the race) on every chart. */
function setStep(step) {
  state.step = Math.max(0, Math.min(step, scrubber.last));
  scrubber.update(state.step);
  const runs = drawn();
  view.surface.moveMarkers(runs, state.step);
  if (state.view === '3d') view.surface3d.update(runs, state.step);
  for (const chart of [view.loss, view.lr, view.effective]) chart.moveCursor(state.step);
}

/** Stop a playback and go to `step` (in the URL: a room's followers go there too). */
function goTo(step) {
  scrubber.stop();
  setStep(step);
  save();
}

// --- the surface and the start ------------------------------------------------------

/** The 3D view lies over the contour plot, in its place (the contour keeps being drawn). */
function showView() {
  const three = state.view === '3d';
  $('[data-testid=surface-3d]').hidden = !three;
  $('[data-testid=surface-plot]').style.visibility = three ? 'hidden' : '';
}

/**
 * Ask for the state's surface (and a custom one's start) and draw it; false if it has an
 * error, or if a newer load (another surface picked, a room's next view) replaced this one.
 */
async function loadSurface() {
  const load = {};
  session.surfaceLoad = load;
  const current = () => session.surfaceLoad === load;
  settings.showChoice(state);
  let grid;
  let info;
  try {
    if (state.expr !== null) {
      info = { minima: [], domain: state.bounds, title: 'custom' };
      grid = await postJSON('/api/surfaces/grid', { expression: state.expr, domain: info.domain, n: GRID_N });
      if (current() && state.start === null) {
        const start = await customStart(state.expr, info.domain);
        if (current()) {
          state.start = start;
          settings.update(state);
          save();
        }
      }
    } else {
      info = state.surfaceInfo;
      grid = await getJSON(`/api/surfaces/${state.surface}/grid?n=${GRID_N}`);
    }
  } catch (error) {
    if (!current()) return false;
    session.surfaceLoad = null;
    settings.showError(error instanceof RequestError ? error.detail : { message: String(error) });
    setRunning('the surface has an error', 'error');
    return false;
  }
  if (!current()) return false;
  session.surfaceLoad = null;
  settings.showSurface(state, info);
  view.surface.setSurface(grid, info);
  view.surface3d.setSurface(grid);
  return true;
}

function setStart([x, y]) {
  state.start = [Number(x.toPrecision(4)), Number(y.toPrecision(4))];
  settings.update(state);
  save();
  race.runAll();
}

// --- the controls, keys and presenter -----------------------------------------------

function wireControls() {
  $('[data-testid=run]').addEventListener('click', () => race.runAll());
  $('[data-testid=add-run]').addEventListener('click', () => addRun({
    optimizer: 'adam', params: {}, schedule: 'constant', scheduleParams: {}, label: null, color: null, hidden: false,
  }));
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
  bindExports($('.exports'), {
    race,
    drawn,
    plot: $('[data-testid=surface-plot]'),
    title: () => (state.expr !== null ? `f(x, y) = ${state.expr}` : state.surfaceInfo.title),
    onError: (message) => { ui.status.textContent = message; },
  });
}

new Keys()
  .bind([' '], 'play / pause', () => scrubber.toggle(state.step))
  .bind(['ArrowRight', 'PageDown'], 'next step', () => goTo(state.step + 1))
  .bind(['ArrowLeft', 'PageUp'], 'previous step', () => goTo(state.step - 1))
  .bind(['Home'], 'first step', () => goTo(0))
  .bind(['End'], 'last step', () => goTo(scrubber.last))
  .bind(['r'], 'run', () => race.runAll())
  .bind(['a'], 'arrows', () => ui.arrows.click())
  .render($('[data-testid=keys]'));

Presenter.forPage(state);
onUrlShow((search) => {
  follow(search);
  return true; // every URL of this page can be shown in place
});

// --- a room's follower: the lecturer's view shown in place ---------------------------

/** What the surface, the race and the run cards are drawn from: a part whose key changed is redone. */
function parts() {
  return {
    surface: JSON.stringify(state.expr !== null ? [state.expr, state.bounds] : state.surface),
    race: JSON.stringify(state.request()),
    runs: JSON.stringify(state.runs),
    view: state.view,
  };
}

/**
 * Show the lecturer's URL (lib/follow.js) as the page's own controls would: the step, pace,
 * 3D view, arrows and the runs' colours are redrawn from the race on screen; other runs, a
 * start, steps or noise run the race again; another surface is loaded first. Notices are
 * the new URL's, as on a load.
 */
function follow(search) {
  if (scrubber.playing) scrubber.stop(); // a detached student's playback ends where the lecture is
  const before = parts();
  state.adopt(search);
  notices.update([...limits.notices, ...state.takeNotices()]);
  const after = parts();
  save(); // the address bar is the lecturer's URL (presenter mode aside): a Detach starts from it
  ui.arrows.checked = state.arrows;
  view.surface.arrows = state.arrows;
  ui.view3d.checked = state.view === '3d';
  showView();
  scrubber.setPace(state.pace);
  settings.update(state);
  if (after.race !== before.race) {
    race.cancel(); // its answers would be drawn against the new runs
    session.raceDue = true;
  }
  if (after.runs !== before.runs) renderRuns();
  if (after.surface !== before.surface) {
    loadSurface().then((ok) => { if (ok) catchUp(true); });
  } else if (!session.surfaceLoad) { // a surface in flight calls catchUp once it is drawn
    catchUp(after.runs !== before.runs || after.view !== before.view);
  }
}

/** Run the race a view made due; else, unless a race is arriving (finished() shows state.step), show the step. */
function catchUp(redraw) {
  if (session.raceDue) race.runAll();
  else if (race.busy) return;
  else if (redraw) draw().then(() => { setStep(state.step); playAlong(); });
  else {
    setStep(state.step);
    playAlong();
  }
}

// --- start --------------------------------------------------------------------------

notices.update([...limits.notices, ...state.takeNotices()]);
renderRuns();
wireControls();
settings.update(state);
save();
// A scenario's link opened: bring the race into view where it does not fit in the window (a phone).
if (scenarios.mark(state) && ui.stage.getBoundingClientRect().bottom > window.innerHeight) {
  ui.stage.scrollIntoView({ block: 'start' });
}
if (await loadSurface()) race.runAll();
