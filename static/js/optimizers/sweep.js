// The race page's hyperparameter sweep: one optimizer over a grid of two of its
// hyperparameters (POST /api/optimize/sweep): the controls that choose the grid, and the
// heatmap of its final losses (sweepplot.js), whose clicked cell adds that setting as a run.
//
//   const sweep = new SweepPanel(container, { meta, base: () => ({surface, start, steps, noise}),
//                                             onAddRun: (run) => …, initialOptimizer: 'momentum' });
//   sweep.run();      // what [data-testid=sweep-run] does
//   sweep.update();   // the page's surface, start or steps changed: the last sweep is marked stale
//   sweep.reset();    // back to the pre-filled sweep, heatmap cleared
//
// The container's data-state is idle, running, done or error. The axes' menus, ranges
// and log spacing come from the registry's metadata (meta.optimizers[].params).

import { h, replace } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { isAbort, postJSON } from '../lib/http.js';
import { paramControl, parseParam } from '../lib/params.js';
import { SweepPlot } from './sweepplot.js';

const COUNTS = { x: 7, y: 6 }; // the pre-filled grid: 42 cells

// SGD has one hyperparameter, and the API sweeps two. The engine runs SGD as momentum
// with α = 0, which is SGD's update to the bit (engine/optimizers.py, class SGD), so an
// SGD sweep is that one row of momentum; its cells add SGD runs.
const ONE_ROW = { sgd: { optimizer: 'momentum', name: 'momentum', value: 0 } };

const isNumeric = (param) => param.kind === 'float' || param.kind === 'int';

/**
 * `count` values from `from` to `to` (both included), spaced logarithmically when the
 * param's scale is log, else linearly; rounded to the fewest significant digits (at
 * least 3) that keep them distinct, whole numbers for an int.
 */
export function axisValues(param, from, to, count) {
  if (count <= 1) return [from];
  const log = param.scale === 'log';
  const raw = Array.from({ length: count }, (_, k) => {
    const f = k / (count - 1);
    return log ? Math.exp(Math.log(from) + f * (Math.log(to) - Math.log(from))) : from + f * (to - from);
  });
  raw[0] = from;
  raw[count - 1] = to;
  if (param.kind === 'int') return [...new Set(raw.map(Math.round))];
  for (let digits = 3; digits <= 17; digits += 1) {
    const values = raw.map((v) => Number(v.toPrecision(digits)));
    if (new Set(values).size === values.length) return values;
  }
  return raw;
}

/** The pre-filled range of a param: a log one from default/100 to its default, a linear one over 95 % of its slider. */
export function defaultRange(param) {
  const lo = param.slider_min ?? param.min;
  const hi = param.slider_max ?? param.max;
  const tidy = (v) => (param.kind === 'int' ? Math.round(v) : Number(v.toPrecision(3)));
  if (param.scale === 'log') {
    if (!(param.default > 0)) return [lo, hi];
    const clamp = (v) => Math.min(Math.max(v, lo), hi);
    return [tidy(clamp(param.default / 100)), tidy(clamp(param.default))];
  }
  return [tidy(lo), tidy(lo + 0.95 * (hi - lo))];
}

export class SweepPanel {
  /**
   * root: the panel's container (its children are replaced). options: meta {optimizers,
   * schedules, surfaces}; base() → {surface|expression, start, steps, noise?}; onAddRun(run)
   * with run = {optimizer, params, schedule: 'constant', scheduleParams: {}, label: null,
   * color: null, hidden: false}; initialOptimizer (an optimizer id, default momentum).
   */
  constructor(root, { meta, base, onAddRun = () => {}, initialOptimizer = 'momentum' } = {}) {
    this.root = root;
    this.meta = meta;
    this.base = base;
    this.onAddRun = onAddRun;
    this.initialOptimizer = meta.optimizers.some((o) => o.id === initialOptimizer) ? initialOptimizer : meta.optimizers[0].id;
    this.controller = null; // the sweep request in flight
    this.shown = null; // the drawn sweep: {request, answer, optimizer, oneRow, params, baseKey}
    this.build();
    this.heatmap = new SweepPlot(this.plot, { surfaces: meta.surfaces, onCell: (i, j) => this.addCell(i, j) });
    this.reset();
  }

  // --- the controls ------------------------------------------------------------------

  build() {
    this.root.classList.add('sweep-panel');
    this.optimizerSelect = h('select', { name: 'optimizer', 'aria-label': 'Optimizer of the sweep', onchange: () => this.choose(this.optimizerSelect.value) },
      this.meta.optimizers.map((o) => h('option', { value: o.id }, o.title)));
    this.axes = { x: this.axisControls('x'), y: this.axisControls('y') };
    this.fixedBox = h('div', { class: 'sweep-fixed' });
    this.note = h('p', { class: 'sweep-note' });
    this.runButton = h('button', { type: 'button', class: 'button primary', 'data-testid': 'sweep-run', onclick: () => this.run() }, 'Sweep');
    this.cost = h('span', { class: 'sweep-cost' });
    this.message = h('p', { class: 'sweep-message', role: 'status', 'aria-live': 'polite' });
    this.plot = h('div', { class: 'sweep-plot', 'data-testid': 'sweep-plot' });
    replace(this.root,
      h('div', { class: 'sweep-side' },
        h('h2', { class: 'sweep-title' }, 'Hyperparameter sweep'),
        h('p', { class: 'sweep-hint' }, 'The final loss for every pair of values on a grid; click a cell to add that setting to the race.'),
        h('label', { class: 'sweep-field' }, h('span', {}, 'optimizer'), this.optimizerSelect),
        this.axes.x.el, this.axes.y.el, this.note, this.fixedBox,
        h('div', { class: 'sweep-actions' }, this.runButton, this.cost),
        this.message),
      this.plot);
  }

  axisControls(which) {
    const select = h('select', { name: 'name', 'aria-label': `${which} axis hyperparameter`, onchange: () => this.pickAxis(which, select.value) });
    const input = (name, label) => h('input', {
      type: 'text', name, inputmode: name === 'count' ? 'numeric' : 'decimal', spellcheck: 'false',
      'aria-label': `${which} axis: ${label}`, oninput: () => this.edited(),
    });
    const from = input('from', 'from');
    const to = input('to', 'to');
    const count = input('count', 'number of values');
    const scale = h('span', { class: 'sweep-scale' });
    const el = h('fieldset', { class: 'sweep-axis', 'data-axis': which },
      h('legend', {}, `${which} axis`),
      h('label', { class: 'sweep-name' }, select, scale),
      h('label', {}, h('span', {}, 'from'), from),
      h('label', {}, h('span', {}, 'to'), to),
      h('label', {}, h('span', {}, 'count'), count));
    return { el, select, from, to, count, scale };
  }

  get optimizer() {
    return this.meta.optimizers.find((o) => o.id === this.optimizerSelect.value);
  }

  param(name) {
    return this.optimizer.params.find((p) => p.name === name);
  }

  /** Switch to an optimizer: its pre-filled axes (the first log-scale param on x), every other param at its default. */
  choose(id) {
    this.optimizerSelect.value = id;
    const numeric = this.optimizer.params.filter(isNumeric);
    const x = numeric.find((p) => p.scale === 'log') ?? numeric[0];
    const y = numeric.find((p) => p !== x) ?? null;
    this.fixed = Object.fromEntries(this.optimizer.params.map((p) => [p.name, p.default]));
    for (const [which, param] of [['x', x], ['y', y]]) {
      const axis = this.axes[which];
      replace(axis.select, numeric.map((p) => h('option', { value: p.name }, p.name)));
      axis.el.disabled = !param;
      if (param) this.fillAxis(which, param, COUNTS[which]);
      else {
        replace(axis.select, h('option', { value: '' }, '—'));
        axis.from.value = axis.to.value = axis.count.value = '';
        axis.scale.textContent = '';
      }
    }
    const oneRow = ONE_ROW[id];
    this.note.textContent = !y
      ? (oneRow
        ? `${this.optimizer.title} has one hyperparameter, so its sweep is one row: ${x.name} alone.`
        : `${this.optimizer.title} has fewer than two numeric hyperparameters; a sweep needs two.`)
      : '';
    this.note.hidden = Boolean(y);
    this.runButton.disabled = !x || (!y && !oneRow);
    this.renderFixed();
    this.edited();
  }

  fillAxis(which, param, count) {
    const axis = this.axes[which];
    const [from, to] = defaultRange(param);
    axis.select.value = param.name;
    axis.from.value = String(from);
    axis.to.value = String(to);
    axis.count.value = String(count);
    axis.scale.textContent = param.scale === 'log' ? 'log' : 'linear';
    axis.scale.title = param.description;
    axis.select.title = param.description;
    for (const box of [axis.from, axis.to, axis.count]) box.classList.remove('invalid');
  }

  /** The user picked `name` for an axis; if the other axis had it, the two swap (values and all). */
  pickAxis(which, name) {
    const other = which === 'x' ? 'y' : 'x';
    const [axis, twin] = [this.axes[which], this.axes[other]];
    const previous = axis.el.dataset.name; // the select already shows `name`
    const typed = (a) => ({ from: a.from.value, to: a.to.value, count: a.count.value });
    if (twin.el.dataset.name === name && previous) {
      const mine = typed(axis);
      const theirs = typed(twin);
      this.fillAxis(which, this.param(name), theirs.count);
      axis.from.value = theirs.from;
      axis.to.value = theirs.to;
      this.fillAxis(other, this.param(previous), mine.count);
      twin.from.value = mine.from;
      twin.to.value = mine.to;
    } else {
      this.fillAxis(which, this.param(name), axis.count.value || COUNTS[which]);
    }
    this.renderFixed();
    this.edited();
  }

  /** The hyperparameter on an axis (null: the axis is off). */
  axisName(which) {
    const axis = this.axes[which];
    return axis.el.disabled ? null : axis.select.value || null;
  }

  /** A control for every hyperparameter that is on neither axis. */
  renderFixed() {
    const onAxes = new Set([this.axisName('x'), this.axisName('y')]);
    const others = this.optimizer.params.filter((p) => !onAxes.has(p.name));
    replace(this.fixedBox,
      others.length ? h('p', { class: 'sweep-fixed-title' }, 'the other hyperparameters') : null,
      others.map((p) => paramControl(p, this.fixed[p.name], (v) => { this.fixed[p.name] = v; }, { sweep: 'fixed' }).el));
    for (const which of ['x', 'y']) this.axes[which].el.dataset.name = this.axisName(which) ?? '';
  }

  /** Inputs changed: re-read the grid's size. */
  edited() {
    let cells = 1;
    for (const which of ['x', 'y']) {
      if (!this.axisName(which)) continue;
      const n = Number(this.axes[which].count.value);
      cells *= Number.isInteger(n) && n > 0 ? n : Number.NaN;
    }
    let steps = null;
    try { steps = this.base().steps; } catch { /* the page is not ready: no cost shown */ }
    this.cost.textContent = Number.isFinite(cells) && steps ? `${cells.toLocaleString('en')} cells × ${steps.toLocaleString('en')} steps` : '';
  }

  // --- the request ---------------------------------------------------------------------

  /** One axis as {name, values}; throws an Error naming what is wrong with what was typed. */
  readAxis(which) {
    const axis = this.axes[which];
    const param = this.param(this.axisName(which));
    const bad = [];
    const bound = (box, label) => {
      const v = parseParam(param, box.value);
      const ok = v !== null && !(param.scale === 'log' && v <= 0);
      box.classList.toggle('invalid', !ok);
      if (!ok) {
        bad.push(`${which} axis: ${param.name} ${label} must be a number ${param.scale === 'log' ? `above ${fmt(param.min)} (a log axis)` : `from ${fmt(param.min)}`} up to ${fmt(param.max)}`);
      }
      return v;
    };
    const from = bound(axis.from, 'from');
    const to = bound(axis.to, 'to');
    const count = Number(axis.count.value);
    const countOk = axis.count.value.trim() !== '' && Number.isInteger(count) && count >= 1;
    axis.count.classList.toggle('invalid', !countOk);
    if (!countOk) bad.push(`${which} axis: count must be a whole number of values, at least 1`);
    if (bad.length) throw new Error(bad.join('; '));
    return { name: param.name, values: axisValues(param, from, to, count) };
  }

  /** The body of POST /api/optimize/sweep for what the panel shows; throws if an input is invalid. */
  request() {
    const { surface, expression, start, steps, noise } = this.base();
    const body = expression != null ? { expression } : { surface };
    Object.assign(body, { start, steps });
    if (noise) body.noise = noise;
    const x = this.readAxis('x');
    const onAxes = new Set([x.name]);
    let optimizer = this.optimizer.id;
    let y;
    if (this.axisName('y')) {
      y = this.readAxis('y');
      onAxes.add(y.name);
    } else {
      const oneRow = ONE_ROW[optimizer];
      if (!oneRow) throw new Error(`${this.optimizer.title} has fewer than two numeric hyperparameters; a sweep needs two`);
      optimizer = oneRow.optimizer;
      y = { name: oneRow.name, values: [oneRow.value] };
    }
    const params = Object.fromEntries(Object.entries(this.fixed).filter(([name]) => !onAxes.has(name)));
    return { ...body, optimizer, params, schedule: { name: 'constant' }, axes: { x, y } };
  }

  /** Run the sweep the panel shows (a newer one aborts the previous); resolves when it is drawn or failed. */
  async run() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    let request;
    try {
      request = this.request();
    } catch (error) {
      this.controller = null;
      this.fail(error.message);
      return;
    }
    const shown = {
      request,
      optimizer: this.optimizer,
      oneRow: !this.axisName('y'),
      params: { ...this.fixed },
      baseKey: JSON.stringify(this.base()),
    };
    this.setState('running');
    this.message.textContent = `Sweeping ${request.axes.x.values.length * request.axes.y.values.length} cells…`;
    try {
      shown.answer = await postJSON('/api/optimize/sweep', request, { signal: controller.signal });
    } catch (error) {
      if (isAbort(error) || this.controller !== controller) return; // a newer sweep took over
      this.controller = null;
      this.fail(error.detail?.message ?? error.message);
      return;
    }
    if (this.controller !== controller) return;
    try {
      this.shown = shown;
      await this.heatmap.update(shown);
    } catch (error) {
      this.fail(error.message);
      return;
    } finally {
      if (this.controller === controller) this.controller = null;
    }
    this.root.dataset.stale = 'false';
    replace(this.message, this.summary(), ...this.mapLink());
    this.setState('done');
  }

  /**
   * " Map it at full resolution →": the same two axes on /trainability, the sweep's race at
   * a map's resolution (a built-in surface and two axes only; the map takes the surface's own
   * start and the optimizer's defaults for the other hyperparameters).
   */
  mapLink() {
    const { request, optimizer, oneRow, answer } = this.shown;
    if (oneRow || !request.surface) return [];
    const end = (axis) => {
      const param = optimizer.params.find((p) => p.name === answer.names[axis]);
      const values = answer[axis];
      const [lo, hi] = [Math.min(...values), Math.max(...values)];
      return param.scale === 'log' && lo > 0 ? [Math.log10(lo), Math.log10(hi)] : [lo, hi];
    };
    const [x, y] = [end('x'), end('y')];
    if (!(x[0] < x[1] && y[0] < y[1])) return [];
    const query = new URLSearchParams({
      model: 'surface', surface: request.surface, optimizer: optimizer.id, xname: answer.names.x,
      yname: answer.names.y, x: x.map((v) => Number(v.toPrecision(6))).join(','),
      y: y.map((v) => Number(v.toPrecision(6))).join(','), steps: String(request.steps),
    });
    return [' ', h('a', { href: `/trainability?${query}`, 'data-testid': 'sweep-map', 'data-carry-presenter': '' },
      'Map it at full resolution →')];
  }

  fail(message) {
    this.message.textContent = message;
    this.setState('error');
  }

  setState(state) {
    this.root.dataset.state = state;
    this.runButton.setAttribute('aria-busy', String(state === 'running'));
  }

  summary() {
    const { status } = this.shown.answer;
    const counts = {};
    for (const s of status.flat()) counts[s] = (counts[s] ?? 0) + 1;
    const said = { max_steps: 'ran all steps', diverged: 'diverged (✕)', stalled: 'stalled (◌: stopped away from a minimum)' };
    const parts = Object.entries(counts).map(([s, n]) => `${n} ${said[s] ?? s}`);
    return `${status.flat().length} cells: ${parts.join(', ')}. Click a cell to add that run.`;
  }

  /** Add the run of cell (y[i], x[j]) to the race and mark the cell for a moment. */
  addCell(i, j) {
    const { answer, optimizer, oneRow, params, request } = this.shown;
    const values = { [answer.names.x]: answer.x[j] };
    if (!oneRow) values[answer.names.y] = answer.y[i];
    const own = new Set(optimizer.params.map((p) => p.name));
    const others = Object.fromEntries(Object.entries(params).filter(([name]) => own.has(name) && !(name in values)));
    this.onAddRun({
      optimizer: optimizer.id,
      params: { ...others, ...values },
      schedule: request.schedule.name,
      scheduleParams: {},
      label: null,
      color: null,
      hidden: false,
    });
    this.heatmap.mark(i, j);
  }

  // --- the component's interface ---------------------------------------------------------

  /** The page's surface, start, steps or noise changed: mark the heatmap stale if it was drawn for others. */
  update() {
    this.edited();
    if (!this.shown) return;
    const stale = JSON.stringify(this.base()) !== this.shown.baseKey;
    this.root.dataset.stale = String(stale);
    if (this.root.dataset.state === 'done') {
      this.message.textContent = stale
        ? 'The surface, start, steps or noise changed since this sweep: sweep again to see them.'
        : this.summary();
    }
  }

  /** The pre-filled sweep again (the initial optimizer, its default axes), no heatmap. */
  reset() {
    this.controller?.abort();
    this.controller = null;
    this.shown = null;
    this.heatmap.reset();
    this.message.textContent = '';
    this.root.dataset.stale = 'false';
    this.choose(this.initialOptimizer);
    this.setState('idle');
  }
}
