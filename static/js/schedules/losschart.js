// The loss curve NewBOB is reading, by update, with each epoch's mean loss (what NewBOB
// compares) and NewBOB's η on a second axis: the rate halves at the boundary after the
// first epoch whose mean did not improve on the one before.

import { react } from '../lib/plot.js';

/** Each whole epoch's mean loss as a flat segment over its updates (null between segments). */
function epochMeans(losses, epochSteps) {
  const x = [];
  const y = [];
  for (let start = 0; start + epochSteps <= losses.length; start += epochSteps) {
    let sum = 0;
    for (let k = start; k < start + epochSteps; k += 1) sum += losses[k];
    x.push(start + 1, start + epochSteps, null);
    y.push(sum / epochSteps, sum / epochSteps, null);
  }
  return { x, y };
}

export class LossChart {
  constructor(el) {
    this.el = el;
  }

  /** losses[k]: the loss after update k + 1; rates: NewBOB's η(t) (t = k); epochSteps; log: η on a log axis. */
  async update({ losses, rates, epochSteps, steps, log }) {
    const shown = losses.slice(0, steps);
    const updates = shown.map((_, k) => k + 1);
    const means = epochMeans(shown, epochSteps);
    const positive = shown.every((x) => x > 0);
    const traces = [
      {
        type: 'scatter', mode: 'lines', name: 'loss', x: updates, y: shown,
        line: { width: 1 }, opacity: 0.55, hovertemplate: 'loss %{y:.4g}<extra>update %{x}</extra>',
      },
      {
        type: 'scatter', mode: 'lines', name: `epoch mean (${epochSteps} updates)`, x: means.x, y: means.y,
        line: { width: 3 }, connectgaps: false, hovertemplate: 'epoch mean %{y:.4g}<extra></extra>',
      },
      {
        type: 'scatter', mode: 'lines', name: 'NewBOB η', x: rates.map((_, t) => t + 1), y: rates, yaxis: 'y2',
        line: { width: 3, shape: 'hv' }, hovertemplate: 'η %{y:.4g}<extra>update %{x}</extra>',
      },
    ];
    await react(this.el, traces, {
      xaxis: { title: { text: 'update' }, range: [1, Math.max(steps, 2)], zeroline: false },
      yaxis: {
        title: { text: 'loss' }, type: positive ? 'log' : 'linear', exponentformat: 'power',
        ...(positive ? { tickmode: 'linear', dtick: 1 } : { tickmode: 'auto', nticks: 4 }),
      },
      // η on its own ticks (an overlaying axis would otherwise sync them to the loss axis's)
      yaxis2: {
        title: { text: 'η' }, overlaying: 'y', side: 'right', type: log ? 'log' : 'linear',
        rangemode: log ? 'normal' : 'tozero', showgrid: false, exponentformat: 'power',
        ...(log ? { tickmode: 'linear', dtick: 1 } : { tickmode: 'auto', nticks: 4 }),
      },
      legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom' },
      margin: { t: 8 },
      uirevision: `${steps}-${log}`,
    });
    this.el.dataset.drawn = 'true';
  }
}
