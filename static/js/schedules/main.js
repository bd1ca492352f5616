// The schedules page: every schedule's η(t) from the engine on one chart, a card per
// schedule with its formula and parameter controls, and NewBOB reacting to a real loss
// curve. Wires the state (URL), the curve requests and the components.
//
// <body data-state="busy|ready">: ready once every request has been answered and drawn
// (a hook for the tests).

import { RequestError, getJSON, isAbort, postJSON } from '../lib/http.js';
import { Keys } from '../lib/keys.js';
import { serverLimits } from '../lib/limits.js';
import { PageStatus } from '../lib/notices.js';
import { paramControl } from '../lib/params.js';
import { theme } from '../lib/plot.js';
import { Presenter, toggleFullscreen } from '../lib/presenter.js';
import { onUrlShow } from '../lib/urlstate.js';
import { h, replace } from '../lib/dom.js';
import { LAST_RACE_KEY, builtinDescription, builtinLosses, lastRace } from './losses.js';
import { LossChart } from './losschart.js';
import { SchedulePanels } from './panels.js';
import { RateChart } from './ratechart.js';
import { ScheduleState, commonParams } from './state.js';

const NEWBOB = 'newbob'; // the schedule whose rate depends on the loss
const $ = (selector) => document.querySelector(selector);

const ui = {
  plot: $('[data-testid=schedule-plot]'),
  lossPlot: $('[data-testid=loss-curve]'),
  common: $('[data-component=common-params]'),
  log: $('[data-testid=log-toggle]'),
  source: $('[data-testid=loss-source]'),
  sourceField: $('[data-component=loss-source-field]'),
  lossNote: $('[data-testid=loss-note]'),
  newbob: $('[data-component=newbob]'),
};
const status = new PageStatus($('[data-testid=notices]'));
const begin = () => status.begin();
const end = () => status.end();
const notice = (...texts) => status.notice(...texts);

let schedules;
let limits;
try {
  document.body.dataset.state = 'busy';
  [schedules, limits] = await Promise.all([getJSON('/api/schedules'), serverLimits()]);
} catch (error) {
  replace(ui.plot, h('p', { class: 'plot-error', role: 'alert' }, `Could not load the schedules: ${error.message}. Reload the page to try again.`));
  document.body.dataset.state = 'error';
  throw error;
}

const common = commonParams(limits);
const state = new ScheduleState(schedules, common);
const titles = Object.fromEntries(schedules.map((s) => [s.id, s.title]));
const hasNewbob = schedules.some((s) => s.id === NEWBOB);
const session = {
  requests: new Map(), // schedule id → AbortController of its curve request
  lossRequest: null, // AbortController of the built-in race
  losses: null, // the loss curve NewBOB reads (losses[k]: after update k + 1)
  source: 'builtin', // 'builtin' or the index of a run of the last race
  race: null, // the last race from localStorage
  newbob: null, // {curve, losses}: NewBOB's last curve and the losses it read
  unchecked: new Set([state.schedule]), // the URL's schedule, until the engine has seen its parameters
};

const rateChart = new RateChart(ui.plot, schedules.map((s) => s.id), titles);
const lossChart = new LossChart(ui.lossPlot);
const panels = new SchedulePanels($('[data-component=schedules]'), schedules, state.values, {
  onSelect: select,
  onParam(id, name, value) {
    state.values[id][name] = value;
    if (state.schedule !== id) select(id);
    state.save();
    fetchCurve(id);
  },
});

// η₀ and steps: every curve (and, for steps, the built-in race NewBOB reads) is asked for again.
const commonControls = {};
for (const param of common) {
  commonControls[param.name] = paramControl(param, state[param.name], (value) => {
    state[param.name] = value;
    state.save();
    if (param.name === 'steps' && session.source === 'builtin') loadLosses();
    refetchAll();
  });
  ui.common.append(commonControls[param.name].el);
}

/** Draw the η(t) chart (and, with loss: true, the loss chart) from what has arrived. */
async function draw({ loss = false } = {}) {
  const jobs = [rateChart.update({ selected: state.schedule, log: state.log, steps: state.steps })];
  if (loss && session.newbob) {
    const epochSteps = state.values[NEWBOB].epoch_steps;
    jobs.push(lossChart.update({
      losses: session.newbob.losses, rates: session.newbob.curve.lr, epochSteps, steps: state.steps, log: state.log,
    }));
  }
  await Promise.all(jobs);
}

async function redraw(options) {
  begin();
  try {
    await draw(options);
  } finally {
    end();
  }
}

/**
 * Ask the engine for schedule `id`'s curve and draw it; a newer request for the same
 * schedule aborts this one. Parameters the engine refuses (e.g. piecewise boundaries out
 * of order) that came from the URL fall back to the schedule's defaults with a notice;
 * typed ones stay, and the card says why.
 */
async function fetchCurve(id) {
  const losses = id === NEWBOB ? session.losses : null;
  if (id === NEWBOB && !losses) return; // loadLosses asks again once the loss curve is here
  const fromURL = session.unchecked.delete(id);
  session.requests.get(id)?.abort();
  const controller = new AbortController();
  session.requests.set(id, controller);
  begin();
  try {
    const curve = await postJSON('/api/schedules/curve', state.request(id, losses), { signal: controller.signal });
    if (controller.signal.aborted) return;
    panels.error(id, null);
    rateChart.setCurve(id, curve);
    if (id === NEWBOB) session.newbob = { curve, losses };
    await draw({ loss: id === NEWBOB });
  } catch (error) {
    if (isAbort(error) || controller.signal.aborted) return;
    if (fromURL && error instanceof RequestError && error.status === 422) {
      notice(`${id}: ${error.message}; using its defaults instead`);
      state.reset(id);
      panels.set(id, state.values[id]);
      state.save();
      fetchCurve(id);
    } else {
      panels.error(id, error.message);
    }
  } finally {
    if (session.requests.get(id) === controller) session.requests.delete(id);
    end();
  }
}

function refetchAll() {
  for (const { id } of schedules) fetchCurve(id);
}

/** Fetch (built-in) or take (a race's run) the loss curve NewBOB reads, then NewBOB's curve. */
async function loadLosses() {
  if (!hasNewbob) return;
  session.lossRequest?.abort();
  session.lossRequest = null;
  describeLosses();
  if (session.source !== 'builtin') {
    session.losses = session.race.runs[session.source].losses;
    fetchCurve(NEWBOB);
    return;
  }
  // Until the new curve is here NewBOB waits (its request with the old losses would be stale).
  session.losses = null;
  session.requests.get(NEWBOB)?.abort();
  const controller = new AbortController();
  session.lossRequest = controller;
  begin();
  try {
    session.losses = await builtinLosses(state.steps, { signal: controller.signal });
    if (controller.signal.aborted) return;
    fetchCurve(NEWBOB);
  } catch (error) {
    if (isAbort(error) || controller.signal.aborted) return;
    ui.lossNote.textContent = `Could not compute the built-in loss curve: ${error.message}. NewBOB is not drawn.`;
  } finally {
    end();
  }
}

/** Say on the page which loss curve NewBOB is reading. */
function describeLosses() {
  if (session.source === 'builtin') {
    const { text, href } = builtinDescription(state.steps);
    replace(ui.lossNote, text, ' ', h('a', { href, 'data-testid': 'builtin-race-link', 'data-carry-presenter': '' }, 'Open this race'), '.');
    return;
  }
  const run = session.race.runs[session.source];
  const short = run.losses.length < state.steps
    ? ` Its race ran ${run.losses.length} updates: after that NewBOB sees no more losses and keeps its rate.`
    : '';
  replace(ui.lossNote, `Loss of “${run.label}” from your last race on the Optimizers page (“${session.race.title}”, `
    + `${run.losses.length} updates).${short}`);
}

/** Offer the last race's runs (if /optimizers saved one) beside the built-in loss curve. */
function readRace({ quiet = false } = {}) {
  let race = null;
  try {
    race = lastRace();
  } catch (error) {
    if (!quiet) notice(`the last race saved by the Optimizers page could not be read (${error.message}); NewBOB uses the built-in loss curve`);
  }
  session.race = race;
  ui.sourceField.hidden = !race;
  replace(ui.source,
    h('option', { value: 'builtin' }, 'Built-in: noisy SGD on the quadratic bowl'),
    race?.runs.map((run, k) => h('option', { value: String(k) }, `Last race: ${run.label} (${run.losses.length} updates)`)));
  if (session.source !== 'builtin' && !(race && session.source < race.runs.length)) session.source = 'builtin';
  ui.source.value = String(session.source);
}

ui.source.addEventListener('change', () => {
  session.source = ui.source.value === 'builtin' ? 'builtin' : Number(ui.source.value);
  loadLosses();
});

// Another tab's race page saved a new race: offer its runs (and re-read the one in use).
window.addEventListener('storage', (event) => {
  if (event.key !== LAST_RACE_KEY) return;
  const before = session.source;
  readRace({ quiet: true });
  if (before !== 'builtin') loadLosses();
});

function select(id) {
  state.schedule = id;
  panels.select(id);
  state.save();
  redraw();
}

function selectNext(delta) {
  const ids = schedules.map((s) => s.id);
  const next = ids[(ids.indexOf(state.schedule) + delta + ids.length) % ids.length];
  select(next);
  panels.reveal(next);
}

function setLog(on) {
  state.log = on;
  ui.log.setAttribute('aria-pressed', String(on));
  state.save();
  redraw({ loss: true });
}

ui.log.addEventListener('click', () => {
  setLog(!state.log);
  ui.log.blur();
});

const presenter = Presenter.forPage(state, () => panels.colour(theme().colorway));

/**
 * A room's follower shows the lecturer's URL in place, as the controls would: a new η₀ or
 * steps asks for every curve again, the selected schedule's new parameters for its curve,
 * another selection or the log scale only redraws. Every URL of this page can be shown so.
 */
onUrlShow((search) => {
  const before = { lr: state.lr, steps: state.steps, log: state.log, values: JSON.stringify(state.values) };
  state.adopt(search);
  status.replace(...limits.notices, ...state.takeNotices());
  state.save();
  for (const param of common) commonControls[param.name].set(state[param.name]);
  panels.set(state.schedule, state.values[state.schedule]);
  panels.select(state.schedule);
  panels.reveal(state.schedule);
  ui.log.setAttribute('aria-pressed', String(state.log));
  const refetch = state.lr !== before.lr || state.steps !== before.steps;
  if (refetch || JSON.stringify(state.values) !== before.values) {
    session.unchecked.add(state.schedule); // the URL's parameters: a 422 falls back to the defaults, as on a load
  }
  if (refetch) {
    if (state.steps !== before.steps && session.source === 'builtin') loadLosses();
    refetchAll();
  } else if (session.unchecked.has(state.schedule)) {
    fetchCurve(state.schedule);
  }
  redraw({ loss: state.log !== before.log });
  return true;
});

new Keys()
  .bind(['ArrowRight', 'PageDown'], 'next schedule', () => selectNext(1))
  .bind(['ArrowLeft', 'PageUp'], 'previous schedule', () => selectNext(-1))
  .bind(['l'], 'log scale for η', () => setLog(!state.log))
  .bind(['p'], 'presenter mode', () => {
    presenter.toggle();
  })
  .bind(['f'], 'full screen', toggleFullscreen)
  .render($('[data-component=keys]'));

notice(...limits.notices, ...state.takeNotices());
panels.colour(theme().colorway);
ui.log.setAttribute('aria-pressed', String(state.log));
ui.newbob.hidden = !hasNewbob;
panels.select(state.schedule);
panels.reveal(state.schedule);
readRace();
state.save(); // the URL now names everything it shows
begin(); // ready only once everything below has been drawn
refetchAll();
loadLosses();
end();
