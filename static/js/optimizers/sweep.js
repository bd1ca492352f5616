// The race page's hyperparameter sweep: one optimizer over a grid of two of its
// hyperparameters (POST /api/optimize/sweep), drawn as a heatmap of the final loss on a
// log colour scale, diverged cells marked ✕ and stalled ones ◌; clicking a cell adds that
// setting as a run.
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
import { onPlotEvent, purge, react, theme } from '../lib/plot.js';

const COUNTS = { x: 7, y: 6 }; // the pre-filled grid: 42 cells
const MARK_MS = 1500; // how long a clicked cell stays marked

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

/** 10ᵏ with a superscript exponent. */
function power(k) {
  const sup = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
  return `10${String(k).split('').map((c) => sup[c]).join('')}`;
}

/** Colour-bar ticks for log10 values in [lo, hi]: decades, with 2× and 5× when it spans few. */
function colorTicks(lo, hi) {
  const few = hi - lo < 2;
  const vals = [];
  const text = [];
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k += 1) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = k + Math.log10(m);
      if (v < lo - 1e-9 || v > hi + 1e-9) continue;
      vals.push(v);
      text.push(m === 1 ? power(k) : fmt(m * 10 ** k, 3));
    }
  }
  if (vals.length < 2 && hi > lo) return { tickvals: [lo, hi], ticktext: [fmt(10 ** lo, 3), fmt(10 ** hi, 3)] };
  return { tickvals: vals, ticktext: text };
}

/** A heatmap axis of a param: log where its scale is, ticks at the swept values while they are few. */
function axisLayout(param, values) {
  const log = param.scale === 'log';
  const ticks = values.length <= 12 ? { tickmode: 'array', tickvals: values, ticktext: values.map((v) => fmt(v)) } : {};
  return {
    title: { text: `${param.name}${log ? ' (log scale)' : ''}` }, type: log ? 'log' : 'linear',
    showgrid: false, zeroline: false, ...ticks,
  };
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
    this.offClick = null;
    this.markTimer = 0;
    this.build();
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
      clearTimeout(this.markTimer);
      this.shown = shown;
      await this.draw();
    } catch (error) {
      this.fail(error.message);
      return;
    } finally {
      if (this.controller === controller) this.controller = null;
    }
    this.root.dataset.stale = 'false';
    this.message.textContent = this.summary();
    this.setState('done');
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

  // --- the heatmap ---------------------------------------------------------------------

  /** The traces and layout of the shown sweep; `chosen` [i, j] marks a cell. */
  figure(chosen = null) {
    const { request, answer, optimizer, oneRow } = this.shown;
    const { x, y, final_loss: loss, status, stopped_at: stoppedAt } = answer;
    const [xName, yName] = [answer.names.x, answer.names.y];
    const xParam = optimizer.params.find((p) => p.name === xName);
    const yParam = oneRow ? null : optimizer.params.find((p) => p.name === yName);
    const css = getComputedStyle(this.root);
    const bad = css.getPropertyValue('--bad').trim() || '#b42318';
    const stall = css.getPropertyValue('--stall').trim() || '#5a3fa0';
    const current = css.getPropertyValue('--current').trim() || '#f2a100';

    // log10 of the final loss; a loss of exactly 0 sits at the bottom of the scale.
    const logs = loss.flat().filter((v) => v !== null && v > 0).map(Math.log10);
    const lo = logs.length ? Math.min(...logs) : 0;
    const hi = logs.length ? Math.max(...logs) : 1;
    const z = loss.map((row) => row.map((v) => (v === null ? null : v > 0 ? Math.log10(v) : lo)));
    const text = loss.map((row, i) => row.map((v, j) => [
      `${xName} = ${fmt(x[j])}`,
      oneRow ? null : `${yName} = ${fmt(y[i])}`,
      v === null ? `diverged at step ${stoppedAt[i][j]}` : `final loss ${fmt(v)}`,
      v === null ? null : status[i][j] === 'max_steps' ? 'ran all steps' : `${status[i][j]} at step ${stoppedAt[i][j]}`,
    ].filter(Boolean).join('<br>')));
    // Cells that did not end as a loss can say: ✕ diverged, ◌ stalled (stopped away from a minimum).
    const cells = (which) => {
      const out = { x: [], y: [], text: [], customdata: [] };
      status.forEach((row, i) => row.forEach((s, j) => {
        if (s !== which) return;
        out.x.push(x[j]);
        out.y.push(y[i]);
        out.text.push(text[i][j]);
        out.customdata.push([i, j]);
      }));
      return out;
    };
    const diverged = cells('diverged');
    const stalled = cells('stalled');

    const traces = [
      {
        type: 'heatmap', name: 'final loss', x, y, z, text, hovertemplate: '%{text}<extra></extra>',
        colorscale: 'Viridis', zmin: lo, zmax: hi > lo ? hi : lo + 1, hoverongaps: true, xgap: 1, ygap: 1,
        colorbar: { title: { text: 'final loss', side: 'right' }, ...colorTicks(lo, hi), thickness: 14 },
      },
      {
        type: 'scatter', mode: 'markers', name: 'diverged', ...diverged,
        marker: { symbol: 'x-thin-open', size: 12, color: bad, line: { width: 2.5, color: bad } },
        hovertemplate: '%{text}<extra></extra>', showlegend: diverged.x.length > 0,
      },
      {
        type: 'scatter', mode: 'markers', name: 'stalled', ...stalled,
        marker: { symbol: 'circle-open', size: 13, color: stall, line: { width: 3, color: stall } },
        hovertemplate: '%{text}<extra></extra>', showlegend: stalled.x.length > 0,
      },
    ];
    if (chosen) {
      const [i, j] = chosen;
      traces.push({
        type: 'scatter', mode: 'markers', name: 'chosen', x: [x[j]], y: [y[i]], hoverinfo: 'skip', showlegend: false,
        marker: { symbol: 'square-open', size: 30, color: current, line: { width: 4, color: current } },
      });
    }
    const where = request.expression != null ? `f = ${request.expression}` : (this.meta.surfaces?.find((s) => s.id === request.surface)?.title ?? request.surface);
    const layout = {
      // Two lines, so that a long surface's name stays on a projected or phone-sized plot
      title: {
        text: `${optimizer.title} on ${where}<br>final loss after ${request.steps.toLocaleString('en')} steps`,
        x: 0, xref: 'paper', xanchor: 'left', font: { size: Math.round(theme().size * 0.95) },
      },
      margin: { t: Math.round(theme().size * 3.8) },
      xaxis: axisLayout(xParam, x),
      yaxis: oneRow
        ? { title: { text: `${optimizer.title}: ${xName} only` }, showticklabels: false, ticks: '', showgrid: false, zeroline: false }
        : axisLayout(yParam, y),
      legend: { orientation: 'h', x: 1, xanchor: 'right', y: -0.1, yanchor: 'top' }, // clear of the mode bar
      hovermode: 'closest',
    };
    return { traces, layout };
  }

  async draw(chosen = null) {
    const { traces, layout } = this.figure(chosen);
    if (chosen) this.plot.dataset.chosen = chosen.join(',');
    else delete this.plot.dataset.chosen;
    await react(this.plot, traces, layout);
    // One click listener, bound again after each draw (a redraw from scratch drops it).
    this.offClick?.();
    this.offClick = onPlotEvent(this.plot, 'plotly_click', (event) => this.clicked(event));
  }

  /** plotly_click: the heatmap gives its cell as pointNumber [i, j]; a ✕ marker carries it as customdata. */
  clicked(event) {
    const point = event?.points?.[0];
    if (!point || !this.shown) return;
    let cell = null;
    if (point.data?.type === 'heatmap' && Array.isArray(point.pointNumber)) cell = point.pointNumber;
    else if (Array.isArray(point.customdata)) cell = point.customdata;
    if (cell) this.addCell(cell[0], cell[1]);
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
    const shown = this.shown;
    clearTimeout(this.markTimer);
    this.draw([i, j]).catch(() => {});
    this.markTimer = setTimeout(() => {
      if (this.shown === shown) this.draw().catch(() => {});
    }, MARK_MS);
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
    clearTimeout(this.markTimer);
    this.offClick?.();
    this.offClick = null;
    this.shown = null;
    purge(this.plot);
    replace(this.plot);
    delete this.plot.dataset.chosen;
    this.message.textContent = '';
    this.root.dataset.stale = 'false';
    this.choose(this.initialOptimizer);
    this.setState('idle');
  }
}
