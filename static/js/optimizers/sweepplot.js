// The sweep's heatmap: the final loss of every cell on a log colour scale, diverged cells
// marked ✕ and stalled ones ◌ (stopped away from a minimum); a click on a cell hands it to
// the panel, which adds its setting as a run, and the cell is marked for a moment.
//
//   const plot = new SweepPlot(el, { surfaces, onCell: (i, j) => … });
//   await plot.update(sweep);   plot.mark(i, j);   plot.reset();
//
// sweep: {request, answer, optimizer, oneRow}: the POST /api/optimize/sweep body and its
// answer, the optimizer's metadata, and whether the sweep is one row (SGD's one
// hyperparameter). The element's data-chosen holds the marked cell "i,j" (a test hook).

import { fmt } from '../lib/format.js';
import { onPlotEvent, purge, react, theme } from '../lib/plot.js';

const MARK_MS = 1500; // how long a clicked cell stays marked

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

/** The cells whose status is `which`, as a scatter's x, y, text and customdata ([i, j]). */
function cellsOf(which, { x, y, status }, text) {
  const out = { x: [], y: [], text: [], customdata: [] };
  status.forEach((row, i) => row.forEach((s, j) => {
    if (s !== which) return;
    out.x.push(x[j]);
    out.y.push(y[i]);
    out.text.push(text[i][j]);
    out.customdata.push([i, j]);
  }));
  return out;
}

export class SweepPlot {
  /** el: the plot's element; surfaces: GET /api/surfaces (for the title); onCell(i, j): a cell was clicked. */
  constructor(el, { surfaces = [], onCell = () => {} } = {}) {
    this.el = el;
    this.surfaces = surfaces;
    this.onCell = onCell;
    this.sweep = null; // the drawn sweep
    this.offClick = null;
    this.markTimer = 0;
  }

  /** The traces and layout of the drawn sweep; `chosen` [i, j] marks a cell. */
  figure(chosen = null) {
    const { request, answer, optimizer, oneRow } = this.sweep;
    const { x, y, final_loss: loss, status, stopped_at: stoppedAt } = answer;
    const [xName, yName] = [answer.names.x, answer.names.y];
    const xParam = optimizer.params.find((p) => p.name === xName);
    const yParam = oneRow ? null : optimizer.params.find((p) => p.name === yName);
    const css = getComputedStyle(this.el);
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
    const diverged = cellsOf('diverged', answer, text);
    const stalled = cellsOf('stalled', answer, text);

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
    const where = request.expression != null ? `f = ${request.expression}`
      : (this.surfaces.find((s) => s.id === request.surface)?.title ?? request.surface);
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
    if (chosen) this.el.dataset.chosen = chosen.join(',');
    else delete this.el.dataset.chosen;
    await react(this.el, traces, layout);
    // One click listener, bound again after each draw (a redraw from scratch drops it).
    this.offClick?.();
    this.offClick = onPlotEvent(this.el, 'plotly_click', (event) => this.clicked(event));
  }

  /** plotly_click: the heatmap gives its cell as pointNumber [i, j]; a ✕ or ◌ marker carries it as customdata. */
  clicked(event) {
    const point = event?.points?.[0];
    if (!point || !this.sweep) return;
    let cell = null;
    if (point.data?.type === 'heatmap' && Array.isArray(point.pointNumber)) cell = point.pointNumber;
    else if (Array.isArray(point.customdata)) cell = point.customdata;
    if (cell) this.onCell(cell[0], cell[1]);
  }

  /** Draw a sweep (see the module's comment); resolves once it is drawn. */
  async update(sweep) {
    clearTimeout(this.markTimer);
    this.sweep = sweep;
    await this.draw();
  }

  /** Mark cell (y[i], x[j]) for a moment. */
  mark(i, j) {
    const sweep = this.sweep;
    clearTimeout(this.markTimer);
    this.draw([i, j]).catch(() => {});
    this.markTimer = setTimeout(() => {
      if (this.sweep === sweep) this.draw().catch(() => {});
    }, MARK_MS);
  }

  /** No heatmap. */
  reset() {
    clearTimeout(this.markTimer);
    this.offClick?.();
    this.offClick = null;
    this.sweep = null;
    purge(this.el);
    this.el.replaceChildren();
    delete this.el.dataset.chosen;
  }
}
