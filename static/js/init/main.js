// The initialisation page: a deep network's activations and gradients layer by layer
// (POST /api/init/deep), histograms of a few layers' activations, the lecture's cases one
// click away, the zero-init symmetry shown on the lecture's MLP, and every activation with
// its derivative. Wires the state (URL), the requests and the components.
//
// <body data-state="busy|ready|error">: ready once every request has been answered and
// drawn (a hook for the tests).

import { h, replace } from '../lib/dom.js';
import { RequestError, getJSON, isAbort, postJSON } from '../lib/http.js';
import { Keys } from '../lib/keys.js';
import { serverLimits } from '../lib/limits.js';
import { mathLines } from '../lib/math.js';
import { PageStatus } from '../lib/notices.js';
import { paramControl } from '../lib/params.js';
import { Presenter, toggleFullscreen } from '../lib/presenter.js';
import { onUrlShow } from '../lib/urlstate.js';
import { CASES, markCase, renderCases } from './cases.js';
import { Gallery } from './gallery.js';
import { HistogramPlot } from './histograms.js';
import { LayerPlot } from './layerplot.js';
import { InitState, netParams } from './state.js';
import { SymmetryPanel } from './symmetry.js';

const $ = (selector) => document.querySelector(selector);

const ui = {
  netParams: $('[data-component=net-params]'),
  activation: $('[data-testid=activation]'),
  init: $('[data-testid=init]'),
  gain: $('[data-component=gain]'),
  initFormula: $('[data-component=init-formula]'),
  citation: $('[data-testid=init-citation]'),
  error: $('[data-testid=deep-error]'),
  samplesNote: $('[data-testid=samples-note]'),
  cases: $('[data-component=cases]'),
};
const status = new PageStatus($('[data-testid=notices]'));
const begin = () => status.begin();
const end = () => status.end();
const notice = (...texts) => status.notice(...texts);

let inits;
let curves;
let limits;
try {
  begin();
  [inits, curves, limits] = await Promise.all([getJSON('/api/inits'), getJSON('/api/init/activations'), serverLimits()]);
} catch (error) {
  replace($('[data-testid=layer-plot]'), h('p', { class: 'plot-error', role: 'alert' },
    `Could not load the initialisers and activations: ${error.message}. Reload the page to try again.`));
  document.body.dataset.state = 'error';
  throw error;
}

const state = new InitState(curves.map((c) => c.id), inits, limits);
const layerPlot = new LayerPlot($('[data-testid=layer-plot]'), $('[data-testid=layer-legend]'), $('[data-testid=layer-notes]'));
const histogramPlot = new HistogramPlot($('[data-testid=histograms]'));
const symmetry = new SymmetryPanel($('[data-testid=symmetry]'));
const gallery = new Gallery($('[data-testid=activation-gallery]'), curves, { onPick: (id) => set({ activation: id }) });
const session = { request: null, fromURL: true }; // the deep request in flight; are its settings the URL's?

// --- controls ----------------------------------------------------------------------

const NET = netParams(limits);
const controls = {};
for (const param of NET) {
  controls[param.name] = paramControl(param, state[param.name], (value) => set({ [param.name]: value }, { source: param.name }));
  ui.netParams.append(controls[param.name].el);
}

replace(ui.activation, curves.map((c) => h('option', { value: c.id }, c.id)));
replace(ui.init, inits.map((i) => h('option', { value: i.id }, i.title)));
ui.activation.addEventListener('change', () => set({ activation: ui.activation.value }));
ui.init.addEventListener('change', () => set({ init: ui.init.value }));

let shownInit = null; // the init whose gain control, formula and citation are shown

/** The gain control from the selected init's metadata (its log slider), its formula and citation. */
function renderInit() {
  if (shownInit === state.init) return;
  shownInit = state.init;
  const param = state.initInfo.params.find((p) => p.name === 'gain');
  controls.gain = paramControl(param, state.gain, (value) => set({ gain: value }, { source: 'gain' }));
  replace(ui.gain, controls.gain.el);
  // "W ~ N(0, σ²),  σ = …": one statement a line, so a phone can stack them
  replace(ui.initFormula, mathLines(state.initInfo.formula.replace(/,\s{2,}/g, '; ')));
  ui.citation.textContent = state.initInfo.citation;
}

/** Show the state on every control (but the one the user is moving: `source`). */
function showState(source = null) {
  renderInit();
  for (const name of [...NET.map((p) => p.name), 'gain']) {
    if (name !== source) controls[name].set(state[name]);
  }
  ui.activation.value = state.activation;
  ui.init.value = state.init;
  ui.samplesNote.textContent = `${state.samples} × ${state.width}`;
  gallery.select(state.activation);
  markCase(ui.cases, state.settings());
}

/** Change settings (from a control, a key or a case), write the URL and ask again. */
function set(changes, { fromURL = false, source = null } = {}) {
  Object.assign(state, changes);
  if (changes.depth !== undefined && state.hist.some((l) => l > state.depth)) state.hist = [];
  state.save();
  showState(source);
  load({ fromURL });
}

// --- the experiment ------------------------------------------------------------------

/** Ask the engine for the network's layers and histograms (a newer request aborts this one), and draw them. */
async function load({ fromURL = false } = {}) {
  session.request?.abort();
  const controller = new AbortController();
  session.request = controller;
  begin();
  try {
    const answer = await postJSON('/api/init/deep', state.request(), { signal: controller.signal });
    if (controller.signal.aborted) return;
    ui.error.hidden = true;
    await Promise.all([
      layerPlot.update(answer.layers),
      histogramPlot.update(answer.histograms, { activation: state.activation }),
    ]);
  } catch (error) {
    if (isAbort(error) || controller.signal.aborted) return;
    if (fromURL && error instanceof RequestError && error.status === 422) {
      notice(`${error.message}; using the default network instead`);
      state.resetSettings();
      set({}, { fromURL: false });
    } else {
      ui.error.textContent = `${error.message}. The charts still show the last network that could be computed.`;
      ui.error.hidden = false;
    }
  } finally {
    if (session.request === controller) session.request = null;
    end();
  }
}

/** Apply a case's settings (presenter mode and the rest of the view stay). */
function pick(c) {
  set({ ...c.settings, hist: [] });
}

function stepCase(delta) {
  const current = markCase(ui.cases, state.settings());
  const k = current ? CASES.indexOf(current) : delta > 0 ? -1 : 0;
  pick(CASES[(k + delta + CASES.length) % CASES.length]);
}

function cycle(name, ids, delta = 1) {
  set({ [name]: ids[(ids.indexOf(state[name]) + delta + ids.length) % ids.length] });
}

renderCases(ui.cases, pick);

const presenter = Presenter.forPage(state, () => layerPlot.drawLegend()); // the legend's swatches take the new colours

/**
 * A room's follower shows the lecturer's URL in place, as a case link would: every setting
 * is part of the request, so a changed one asks again (aborting the request in flight).
 * Every URL of this page can be shown so.
 */
onUrlShow((search) => {
  const before = JSON.stringify(state.request());
  state.adopt(search);
  status.replace(...limits.notices, ...state.takeNotices());
  state.save();
  showState();
  if (JSON.stringify(state.request()) !== before) load({ fromURL: true });
  return true;
});

new Keys()
  .bind(['ArrowRight', 'PageDown'], 'next case', () => stepCase(1))
  .bind(['ArrowLeft', 'PageUp'], 'previous case', () => stepCase(-1))
  .bind(['a'], 'next activation', () => cycle('activation', curves.map((c) => c.id)))
  .bind(['i'], 'next init', () => cycle('init', inits.map((i) => i.id)))
  .bind(['s'], 'new seed', () => set({ seed: state.seed < limits.max('seed') ? state.seed + 1 : 0 }))
  .bind(['p'], 'presenter mode', () => {
    presenter.toggle();
  })
  .bind(['f'], 'full screen', toggleFullscreen)
  .render($('[data-component=keys]'));

notice(...limits.notices, ...state.takeNotices());

// The symmetry panel and the gallery do not depend on the settings: drawn once.
async function once(job, where) {
  begin();
  try {
    await job();
  } catch (error) {
    replace(where, h('p', { class: 'plot-error', role: 'alert' }, `Could not compute this: ${error.message}`));
  } finally {
    end();
  }
}
once(() => symmetry.load(), $('[data-testid=symmetry]'));
once(() => gallery.draw(), $('[data-testid=activation-gallery]'));
set({}, { fromURL: true }); // the URL now names everything it shows
end();
