// Histograms of a few layers' activations, side by side: the engine's bins
// (POST /api/init/deep with `histograms`), drawn as bars of the fraction of values in each.
// One trace per layer, named `layer L`; each its own x axis, as the ranges differ.

import { fmt } from '../lib/format.js';
import { react } from '../lib/plot.js';

export class HistogramPlot {
  constructor(el) {
    this.el = el;
  }

  /** histograms: [{index, edges, counts, nonfinite}] in the order to draw them. */
  async update(histograms, { activation }) {
    const k = histograms.length;
    const layout = {
      grid: { rows: 1, columns: k, pattern: 'independent', xgap: 0.16 },
      showlegend: false,
      bargap: 0,
      margin: { t: 24, r: 8, b: 24 },
      annotations: [],
    };
    const traces = histograms.map((hist, i) => {
      const n = i === 0 ? '' : String(i + 1);
      const total = hist.counts.reduce((a, b) => a + b, 0) + hist.nonfinite;
      const centres = hist.counts.map((_, j) => (hist.edges[j] + hist.edges[j + 1]) / 2);
      const widths = hist.counts.map((_, j) => hist.edges[j + 1] - hist.edges[j]);
      const empty = hist.counts.length === 0;
      layout[`xaxis${n}`] = { nticks: 3, tickangle: 0, visible: !empty, exponentformat: 'power', zeroline: false };
      layout[`yaxis${n}`] = { rangemode: 'tozero', tickformat: '.0%', nticks: 4, ...(i ? { showticklabels: false } : {}) };
      layout.annotations.push({
        text: `layer ${hist.index}`, showarrow: false, xref: `x${n} domain`, yref: `y${n} domain`,
        x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom',
      });
      if (empty) {
        layout.annotations.push({
          text: `all ${total} values<br>overflowed float64`, showarrow: false, xref: `x${n} domain`, yref: `y${n} domain`, x: 0.5, y: 0.5,
        });
      }
      return {
        type: 'bar',
        name: `layer ${hist.index}`,
        x: centres,
        y: hist.counts.map((c) => c / total),
        width: widths,
        xaxis: `x${n}`,
        yaxis: `y${n}`,
        marker: { line: { width: 0 } },
        hovertemplate: `layer ${hist.index}: %{y:.1%} of h in [%{customdata[0]}, %{customdata[1]})<extra></extra>`,
        customdata: hist.counts.map((_, j) => [fmt(hist.edges[j]), fmt(hist.edges[j + 1])]),
      };
    });
    await react(this.el, traces, layout);
    this.el.dataset.drawn = 'true';
    this.el.setAttribute('aria-label', `Histograms of the ${activation} activations at layers ${histograms.map((x) => x.index).join(', ')}`);
  }
}
