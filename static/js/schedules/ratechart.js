// The η(t) chart: one trace per schedule, named by its id (docs/DESIGN.md's test hook), the
// selected one drawn thick and the others thin; a linear or log y axis. The curves are
// the engine's (POST /api/schedules/curve): this module only draws them.

import { react } from '../lib/plot.js';

export class RateChart {
  /** ids: the schedules in the registry's order (which fixes each one's colour); titles: id → title. */
  constructor(el, ids, titles) {
    this.el = el;
    this.ids = ids;
    this.titles = titles;
    this.curves = new Map(); // id → {t, lr}
  }

  /** Remember a schedule's curve (drawn at the next update). */
  setCurve(id, curve) {
    this.curves.set(id, curve);
  }

  /** Redraw: every schedule's latest curve; `selected` emphasised; log: a log y axis. */
  async update({ selected, log, steps }) {
    const traces = this.ids.map((id) => {
      const curve = this.curves.get(id) ?? { t: [], lr: [] };
      const on = id === selected;
      return {
        type: 'scatter',
        mode: 'lines',
        name: id,
        x: curve.t,
        y: curve.lr,
        line: { width: on ? 4.5 : 1.6, shape: 'linear' },
        opacity: on ? 1 : 0.55,
        hovertemplate: `${this.titles[id]}: η = %{y:.4g}<extra></extra>`,
      };
    });
    // In the registry's order, so each schedule keeps its colour of the theme's colorway.
    await react(this.el, traces, {
      xaxis: { title: { text: 't (update t + 1 uses η(t))' }, range: [0, Math.max(steps - 1, 1)], zeroline: false },
      yaxis: { title: { text: 'η(t)' }, type: log ? 'log' : 'linear', rangemode: log ? 'normal' : 'tozero', exponentformat: 'power' },
      hovermode: 'x unified',
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.01, yanchor: 'bottom' },
      margin: { t: 8, r: 12 },
      uirevision: `${steps}-${log}`,
    });
    this.el.dataset.drawn = 'true';
  }
}
