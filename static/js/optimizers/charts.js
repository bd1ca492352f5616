// The charts beside the race, sharing the scrubber's step (a vertical line): the loss
// per step (log scale), the learning rate η(t) each update used, and the effective
// per-coordinate rate (AdaGrad's only falling, RMSProp's recovering, RProp's step sizes).

import { newPlot, react, relayout, theme } from '../lib/plot.js';

const KINDS = {
  loss: { title: 'loss f(p(t))', log: true, file: 'loss' },
  lr: { title: 'learning rate η(t)', log: true, file: 'learning-rate' },
  effective: { title: 'effective rate: x ─, y ┈', log: true, file: 'effective-rate' },
};

function traces(kind, runs) {
  if (kind === 'loss') {
    return runs.map((run) => ({
      type: 'scatter', mode: 'lines', name: run.label, x: run.points.map((_, t) => t), y: run.points.map((p) => p[2]),
      line: { color: run.color, width: 2 }, visible: run.hidden ? 'legendonly' : true,
    }));
  }
  if (kind === 'lr') {
    return runs.map((run) => ({
      type: 'scatter', mode: 'lines', name: run.label, x: run.lr.map((_, t) => t), y: run.lr,
      line: { color: run.color, width: 2 }, visible: run.hidden ? 'legendonly' : true,
    }));
  }
  return runs.flatMap((run) => [0, 1].map((axis) => ({
    type: 'scatter', mode: 'lines', name: `${run.label} (${axis ? 'y' : 'x'})`, legendgroup: run.label,
    showlegend: axis === 0, x: run.effective.map((_, t) => t), y: run.effective.map((e) => e[axis]),
    line: { color: run.color, width: axis ? 1.5 : 2, dash: axis ? 'dot' : 'solid' },
    visible: run.hidden ? 'legendonly' : true,
  })));
}

function cursor(step) {
  return [{ type: 'line', xref: 'x', yref: 'paper', x0: step, x1: step, y0: 0, y1: 1, line: { color: '#888', width: 1, dash: 'dot' } }];
}

export class Chart {
  constructor(el, kind) {
    this.el = el;
    this.kind = kind;
    this.drawn = null; // the promise of the first draw
  }

  /** A log y axis unless some value is not positive (a saddle's losses go below 0). */
  layout(step, data = []) {
    const { title } = KINDS[this.kind];
    const values = data.flatMap((t) => t.y).filter((v) => v !== null && Number.isFinite(v));
    const log = KINDS[this.kind].log && values.every((v) => v > 0);
    const size = theme().size;
    return { // a log axis is labelled by plot.js: decades, or full values over a short range
      title: { text: title, x: 0, xref: 'paper', xanchor: 'left', font: { size: Math.round(size * 0.95) } },
      margin: { t: Math.round(size * 2.4), r: 12 },
      xaxis: { title: { text: 'step t' } },
      yaxis: log ? { type: 'log' } : { type: 'linear', nticks: 6, exponentformat: 'power' },
      showlegend: false,
      shapes: cursor(step),
      uirevision: this.kind,
    };
  }

  async update(runs, step) {
    const data = traces(this.kind, runs);
    if (!this.drawn) {
      this.drawn = newPlot(this.el, data, this.layout(step, data), { filename: KINDS[this.kind].file });
      await this.drawn;
    } else {
      await this.drawn; // drawn once; a call made while newPlot is still running waits for it
      await react(this.el, data, this.layout(step, data));
    }
  }

  async moveCursor(step) {
    if (!this.drawn) return;
    await this.drawn;
    await relayout(this.el, { shapes: cursor(step) });
  }
}
