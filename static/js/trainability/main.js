// The trainability map (DESIGN.md, "The trainability map"): which pairs of learning rates
// train the paper's network and which diverge, zoomable; the same map for a toy surface's
// race over two hyperparameters of its optimizer. Wires the state (URL), the tiles
// (POST /api/trainability: a coarse one first, then the refined one, so the map is never
// blank), the zoom history, the loss curve of a clicked pixel and the keys.
//
// <body data-state="busy|ready|error">: ready once the view's last tile is drawn (a hook
// for the tests); the map carries data-n (the drawn tile's pixels a side).

import { h, replace } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { RequestError, getJSON, isAbort, postJSON } from '../lib/http.js';
import { Keys } from '../lib/keys.js';
import { PageStatus } from '../lib/notices.js';
import { Presenter, toggleFullscreen } from '../lib/presenter.js';
import { onUrlShow } from '../lib/urlstate.js';
import { CurvePanel } from './curve.js';
import { MapView, edgePixel } from './mapview.js';
import { MapState, NETWORK_VIEW } from './state.js';

const $ = (selector) => document.querySelector(selector);
const PREVIEW_N = 32; // the coarse tile, drawn first
const FULL_N = 128; // the refined tile (fewer pixels where float64 or the limits ask for it)
const FLOAT64_N = 96; // float64 costs about twice float32 a pixel
const SURFACE_N = 64;
const ZOOM_FACTOR = 10; // "zoom to the edge": ×10 each press

const ui = {
  model: $('[data-testid=model]'),
  surfaceChoice: $('[data-component=surface-choice]'),
  surface: $('[data-testid=surface]'),
  optimizer: $('[data-testid=optimizer]'),
  xname: $('[data-testid=xname]'),
  yname: $('[data-testid=yname]'),
  steps: $('[data-testid=steps]'),
  seed: $('[data-testid=seed]'),
  seedLabel: $('.tmap-seed'),
  edge: $('[data-testid=zoom-edge]'),
  back: $('[data-testid=zoom-back]'),
  reset: $('[data-testid=zoom-reset]'),
  status: $('[data-testid=tile-status]'),
  error: $('[data-testid=tile-error]'),
  note: $('[data-testid=model-note]'),
};
const status = new PageStatus($('[data-testid=notices]'));

let limits;
let surfaces;
let optimizers;
try {
  status.begin();
  [limits, surfaces, optimizers] = await Promise.all([getJSON('/api/limits'), getJSON('/api/surfaces'), getJSON('/api/optimizers')]);
} catch (error) {
  replace($('[data-testid=trainability-map]'), h('p', { class: 'plot-error', role: 'alert' },
    `Could not load the page's settings: ${error.message}. Reload the page to try again.`));
  document.body.dataset.state = 'error';
  throw error;
}

const state = new MapState(limits, surfaces.map((s) => s.id), optimizers.map((o) => o.id));
const session = { controller: null, tile: null, history: [] };
const map = new MapView($('[data-testid=trainability-map]'), {
  onZoom: (x, y) => go({ x, y }),
  onBack: () => back(),
  onPick: (x, y) => pick(x, y),
});
const curve = new CurvePanel($('[data-testid=curve-panel]'), { title: $('[data-testid=curve-title]'), plot: $('[data-testid=loss-curve]') });

// --- the model and its axes -----------------------------------------------------------

const optimizerInfo = () => optimizers.find((o) => o.id === state.optimizer);
const numericParams = () => optimizerInfo().params.filter((p) => p.kind === 'float' || p.kind === 'int');
const param = (name) => numericParams().find((p) => p.name === name);

/** A toy surface's axes: the URL's hyperparameters if the optimizer has them, else its first two (or lr twice over a one-parameter optimizer's). */
function checkNames() {
  const names = numericParams().map((p) => p.name);
  if (!names.includes(state.xname)) state.xname = names[0];
  if (!names.includes(state.yname) || state.yname === state.xname) state.yname = names.find((n) => n !== state.xname) ?? null;
}

/** What a URL may leave to the page (on a load, or a room's view): a toy surface's axes, the whole map's view. */
function completeFromURL() {
  if (state.model === 'surface') checkNames();
  if (!state.x) Object.assign(state, wholeView());
}

/** The whole map of the current model: the design's view, or a hyperparameter's slider range. */
function wholeView() {
  if (state.model === 'tanh16') return { x: [...NETWORK_VIEW.x], y: [...NETWORK_VIEW.y] };
  const range = (p) => (p.scale === 'log' ? [Math.log10(p.slider_min), Math.log10(p.slider_max)] : [p.slider_min, p.slider_max]);
  return { x: range(param(state.xname)), y: range(param(state.yname)) };
}

function axes() {
  if (state.model === 'tanh16') {
    return { titles: { x: 'log₁₀ η<sub>W</sub> (hidden layer)', y: 'log₁₀ η<sub>v</sub> (output layer)' }, labels: { x: 'η<sub>W</sub>', y: 'η<sub>v</sub>' }, log: { x: true, y: true } };
  }
  const [px, py] = [param(state.xname), param(state.yname)];
  const title = (p) => (p.scale === 'log' ? `log₁₀ ${p.name}` : p.name);
  return { titles: { x: title(px), y: title(py) }, labels: { x: px.name, y: py.name }, log: { x: px.scale === 'log', y: py.scale === 'log' } };
}

function modelNote() {
  if (state.model === 'tanh16') {
    return 'Sohl-Dickstein (2024): f(x) = v·tanh(Wx/√16)/16 on 16 points xᵢ ∈ ℝ¹⁶, L = mean (f(xᵢ) − yᵢ)², '
      + `full-batch gradient descent with one rate for W and one for v, ${state.stepCount} steps from seed ${state.seed}; `
      + 'a pixel diverges when L passes 10⁶. Zoom into the edge: it stays ragged at every scale (it is fractal).';
  }
  const surface = surfaces.find((s) => s.id === state.surface);
  return `${optimizerInfo().title} on ${surface.title} from (${surface.start.map((v) => fmt(v)).join(', ')}), ${state.stepCount} steps: `
    + 'every pixel is a run of the race page\'s sweep; it diverges when a coordinate or the loss passes 10⁶. Click a pixel to race it.';
}

// --- controls --------------------------------------------------------------------------

replace(ui.surface, surfaces.map((s) => h('option', { value: s.id }, s.title)));
replace(ui.optimizer, optimizers.map((o) => h('option', { value: o.id }, o.title)));

function showState() {
  const surface = state.model === 'surface';
  ui.model.value = state.model;
  ui.surfaceChoice.hidden = !surface;
  ui.seedLabel.hidden = surface;
  if (surface) {
    ui.surface.value = state.surface;
    ui.optimizer.value = state.optimizer;
    const options = numericParams().map((p) => h('option', { value: p.name }, p.name));
    replace(ui.xname, options);
    replace(ui.yname, options.map((o) => o.cloneNode(true)));
    ui.xname.value = state.xname;
    ui.yname.value = state.yname;
  }
  ui.steps.value = String(state.stepCount);
  ui.seed.value = String(state.seed);
  ui.note.textContent = modelNote();
  ui.back.disabled = session.history.length === 0;
}

/** Settings that change what a pixel is: the zoom history and the open curve no longer apply. */
function settle(changes, { keepView = false } = {}) {
  Object.assign(state, changes);
  if (state.model === 'surface') checkNames();
  session.history = [];
  state.at = null;
  curve.reset();
  if (!keepView || !state.x) Object.assign(state, wholeView());
  load();
}

ui.model.addEventListener('change', () => settle({ model: ui.model.value, steps: null }));
ui.surface.addEventListener('change', () => settle({ surface: ui.surface.value }));
ui.optimizer.addEventListener('change', () => settle({ optimizer: ui.optimizer.value }));
ui.xname.addEventListener('change', () => settle({ xname: ui.xname.value, yname: ui.xname.value === state.yname ? state.xname : state.yname }));
ui.yname.addEventListener('change', () => settle({ yname: ui.yname.value, xname: ui.yname.value === state.xname ? state.yname : state.xname }));
for (const [input, name, max] of [[ui.steps, 'steps', limits.trainability_steps], [ui.seed, 'seed', limits.seed]]) {
  input.max = String(max);
  input.addEventListener('change', () => {
    const value = Number(input.value);
    if (!Number.isInteger(value) || value < (name === 'steps' ? 1 : 0) || value > max) {
      status.notice(`${name} must be a whole number from ${name === 'steps' ? 1 : 0} to ${max}; keeping ${state[name] ?? state.stepCount}`);
      input.value = String(name === 'steps' ? state.stepCount : state.seed);
      return;
    }
    settle({ [name]: value }, { keepView: true });
  });
}

// --- tiles -----------------------------------------------------------------------------

function body(n) {
  const common = { steps: state.stepCount, n, x: { lo: state.x[0], hi: state.x[1] }, y: { lo: state.y[0], hi: state.y[1] } };
  if (state.model === 'tanh16') return { model: 'tanh16', seed: state.seed, ...common };
  return {
    model: 'surface', surface: state.surface, optimizer: state.optimizer, ...common,
    x: { name: state.xname, ...common.x }, y: { name: state.yname, ...common.y },
  };
}

/** The refined tile's pixels a side: as many as the limits allow, fewer in float64. */
function fullN(dtype) {
  const steps = state.stepCount;
  if (state.model === 'surface') return Math.min(SURFACE_N, Math.floor(Math.sqrt(limits.sweep_cell_steps / steps)));
  const n = Math.min(FULL_N, Math.floor(Math.sqrt(limits.pixel_steps / steps)), limits.trainability_n);
  return dtype === 'float64' ? Math.min(n, FLOAT64_N) : n;
}

/** The view's tiles, coarse then refined (a newer view cancels them); each drawn as it arrives. */
async function load({ fromURL = false } = {}) {
  session.controller?.abort();
  const controller = new AbortController();
  session.controller = controller;
  state.save();
  showState();
  status.begin();
  const said = [];
  try {
    const started = performance.now();
    let tile = null;
    for (const n of [Math.min(PREVIEW_N, fullN('float32')), null]) {
      const size = n ?? fullN(tile.dtype);
      if (tile && size <= tile.y.length) break;
      const began = performance.now();
      tile = await postJSON('/api/trainability', body(size), { signal: controller.signal });
      if (controller.signal.aborted) return;
      said.push(`${size} × ${size} (${tile.dtype}) in ${fmt((performance.now() - began) / 1000, 2)} s`);
      session.tile = tile;
      await map.update(tile, { x: state.x, y: state.y, ...axes() }, state.stepCount);
      ui.status.textContent = `${said.join(' · ')}${n ? ' · refining…' : ''}`;
    }
    ui.error.hidden = true;
    ui.status.textContent = `${said.join(' · ')} · total ${fmt((performance.now() - started) / 1000, 2)} s`;
    if (state.at) pick(...state.at, { save: false });
  } catch (error) {
    if (isAbort(error) || controller.signal.aborted) return;
    if (fromURL && error instanceof RequestError && error.status === 422) {
      status.notice(`${error.message}; showing the whole map instead`);
      settle({ steps: null, seed: 0 });
      return;
    }
    ui.error.textContent = `${error.message}. The map still shows the last tile that could be computed.`;
    ui.error.hidden = false;
  } finally {
    if (session.controller === controller) session.controller = null;
    status.end();
  }
}

// --- zoom ------------------------------------------------------------------------------

function go(view) {
  session.history.push({ x: [...state.x], y: [...state.y] });
  Object.assign(state, view);
  load();
}

function back() {
  const previous = session.history.pop();
  Object.assign(state, previous ?? wholeView());
  load();
}

/** Recentre on the boundary pixel nearest the centre and zoom ×10. */
function zoomToEdge() {
  const tile = session.tile;
  const at = tile && edgePixel(tile.diverged);
  if (!at) {
    status.notice('no edge in this view: every pixel trains or every pixel diverges; go back or show the whole map');
    return;
  }
  const [i, j] = at;
  const span = (range) => Math.max((range[1] - range[0]) / ZOOM_FACTOR, limits.span * FULL_N);
  const sx = span(state.x);
  const sy = span(state.y);
  go({ x: [tile.x[j] - sx / 2, tile.x[j] + sx / 2], y: [tile.y[i] - sy / 2, tile.y[i] + sy / 2] });
}

function zoomBy(factor) {
  const scale = ([lo, hi]) => {
    const mid = (lo + hi) / 2;
    const half = Math.max(((hi - lo) * factor) / 2, limits.span * FULL_N);
    return [mid - half, mid + half];
  };
  go({ x: scale(state.x), y: scale(state.y) });
}

// --- a pixel ---------------------------------------------------------------------------

function pick(x, y, { save = true } = {}) {
  state.at = [x, y];
  if (save) state.save();
  const { labels, log } = axes();
  const plain = (label) => label.replace(/<sub>(.*?)<\/sub>/g, '_$1');
  const rate = (label, v, isLog) => (isLog ? `${plain(label)} = ${fmt(10 ** v, 5)}` : `${plain(label)} = ${fmt(v, 5)}`);
  const label = `${rate(labels.x, x, log.x)}, ${rate(labels.y, y, log.y)}`;
  if (state.model === 'tanh16') {
    curve.update({ seed: state.seed, steps: state.stepCount, x, y, dtype: session.tile?.dtype ?? 'float32' }, label);
    return;
  }
  // a toy surface's pixel is a run of the race page
  const value = (v, isLog) => String(Number((isLog ? 10 ** v : v).toPrecision(6)));
  const run = `${state.optimizer},${state.xname}=${value(x, log.x)},${state.yname}=${value(y, log.y)}`;
  const href = `/optimizers?surface=${state.surface}&steps=${state.stepCount}&run=${encodeURIComponent(run).replaceAll('%2C', ',').replaceAll('%3D', '=')}`;
  const panel = $('[data-testid=curve-panel]');
  panel.hidden = false;
  replace($('[data-testid=curve-title]'), h('a', { href, 'data-testid': 'open-race', 'data-carry-presenter': true }, `Race ${label} →`));
}

// --- keys, presenter -------------------------------------------------------------------

ui.edge.addEventListener('click', zoomToEdge);
ui.back.addEventListener('click', back);
ui.reset.addEventListener('click', () => go(wholeView()));

const presenter = Presenter.forPage(state);

// --- a room's follower -------------------------------------------------------------------

/** What a pixel is: a change of any of these makes every tile (and the zoom history) another map's. */
const pixelKey = () => JSON.stringify(
  [state.model, state.surface, state.optimizer, state.xname, state.yname, state.seed, state.stepCount]);

/**
 * Show the lecturer's URL in place, as the controls would: other settings are another map
 * (its tiles, no zoom history), another view its tiles (the view left goes on the history,
 * as a zoom's does), another pixel only its loss curve. Every URL of this page can be shown so.
 */
onUrlShow((search) => {
  const before = { pixel: pixelKey(), view: { x: [...state.x], y: [...state.y] } };
  state.adopt(search);
  status.replace(...state.takeNotices());
  completeFromURL();
  if (pixelKey() !== before.pixel) {
    session.history = [];
    curve.reset();
    load({ fromURL: true }); // saves the URL; picks state.at once the tile is drawn
  } else if (JSON.stringify({ x: state.x, y: state.y }) !== JSON.stringify(before.view)) {
    session.history.push(before.view);
    load({ fromURL: true });
  } else {
    state.save();
    showState();
    if (state.at) pick(...state.at, { save: false });
    else curve.reset();
  }
  return true;
});

new Keys()
  .bind(['e'], 'zoom to the edge (×10)', zoomToEdge)
  .bind(['+', '='], 'zoom in ×2', () => zoomBy(0.5))
  .bind(['-'], 'zoom out ×2', () => zoomBy(2))
  .bind(['Backspace', 'ArrowLeft', 'PageUp'], 'back', back)
  .bind(['0'], 'whole map', () => go(wholeView()))
  .bind(['p'], 'presenter mode', () => presenter.toggle())
  .bind(['f'], 'full screen', toggleFullscreen)
  .note(['drag'], 'zoom to a box')
  .note(['double-click'], 'back')
  .render($('[data-component=keys]'));

completeFromURL();
status.notice(...state.takeNotices());
load({ fromURL: true });
status.end();
