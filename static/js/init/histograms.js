// Histograms of a few layers' activations, side by side: the engine's bins
// (POST /api/init/deep with `histograms`), drawn as bars of the fraction of values in each.
// One trace per layer, named `layer L`; each its own x axis, as the ranges differ.
// Values that overflowed float64 are not binned by the engine: a panel says how many.
// A range too narrow for tick labels to tell apart (a layer whose activations all sit
// within a few float steps of one value) is said in words instead of ticks.

import { fmt } from '../lib/format.js';
import { react, theme } from '../lib/plot.js';

// Below this spread relative to its size, Plotly's tick labels run to 10+ digits and overlap.
const NARROW = 1e-4;
// A chart narrower than this (px) draws two panels a row.
const PHONE = 600;

export class HistogramPlot {
  constructor(el) {
    this.el = el;
  }

  /** histograms: [{index, edges, counts, nonfinite}] in the order to draw them. */
  async update(histograms, { activation }) {
    const k = histograms.length;
    // side by side; on a phone two a row, so each panel keeps room for its tick labels
    const columns = this.el.clientWidth < PHONE ? Math.min(k, 2) : k;
    const rows = Math.ceil(k / columns);
    this.el.dataset.rows = String(rows); // the CSS gives a second row its height
    const layout = {
      grid: { rows, columns, pattern: 'independent', xgap: 0.16, ygap: 0.3 },
      showlegend: false,
      bargap: 0,
      margin: { t: Math.round(1.7 * theme().size), r: 8, b: 24 }, // room for each panel's title line
      annotations: [],
    };
    const note = (n, text, y, yanchor) => layout.annotations.push({
      text, showarrow: false, xref: `x${n} domain`, yref: `y${n} domain`, x: 0.5, y, xanchor: 'center', yanchor,
    });
    const traces = histograms.map((hist, i) => {
      const n = i === 0 ? '' : String(i + 1);
      const finite = hist.counts.reduce((a, b) => a + b, 0);
      const total = finite + hist.nonfinite;
      const centres = hist.counts.map((_, j) => hist.edges[j] / 2 + hist.edges[j + 1] / 2); // halves: no overflow
      const widths = hist.counts.map((_, j) => 2 * (hist.edges[j + 1] / 2 - hist.edges[j] / 2));
      const empty = hist.counts.length === 0;
      const lo = hist.edges[0];
      const hi = hist.edges.at(-1);
      const size = Math.max(Math.abs(lo), Math.abs(hi));
      const narrow = !empty && hi - lo < NARROW * size;
      // Huge or tiny values drawn in units of 10ᵏ, said in the panel's title: short tick labels,
      // and no axis range beyond float64 (edges near ±1.8e308 overflow Plotly's range arithmetic).
      const power = empty || narrow || size === 0 || (size >= 1e-2 && size < 1e4) ? 0 : Math.floor(Math.log10(size));
      const unit = 10 ** power;
      layout[`xaxis${n}`] = {
        nticks: 4, tickangle: 0, visible: !empty, showticklabels: !narrow, exponentformat: 'power', zeroline: false,
      };
      layout[`yaxis${n}`] = { rangemode: 'tozero', tickformat: '.0%', nticks: 4, ...(i % columns ? { showticklabels: false } : {}) };
      note(n, `layer ${hist.index}${power ? `, ×10${superscript(power)}` : ''}`, 1.02, 'bottom');
      if (empty) note(n, `all ${total} values<br>overflowed float64`, 0.5, 'middle');
      else if (hist.nonfinite) {
        note(n, `+ ${hist.nonfinite} overflowed`, 1, 'top');
        // headroom for that line above the bars
        layout[`yaxis${n}`].range = [0, 1.3 * Math.max(...hist.counts) / total];
      }
      if (narrow) {
        note(n, `≈ ${fmt((lo + hi) / 2, 7)}<br>spread ${fmt(hi - lo, 2)}`, -0.02, 'top');
        layout.margin.b = Math.round(2.8 * theme().size); // two lines where the tick labels would be
      }
      // a narrow bin's edges in full (every digit tells them apart); else as the page writes numbers
      const edge = narrow ? (v) => String(v).replace('-', '−') : (v) => fmt(v);
      return {
        type: 'bar',
        name: `layer ${hist.index}`,
        x: centres.map((x) => x / unit),
        y: hist.counts.map((c) => c / total),
        width: widths.map((w) => w / unit),
        xaxis: `x${n}`,
        yaxis: `y${n}`,
        marker: { line: { width: 0 } },
        hovertemplate: `layer ${hist.index}: %{y:.1%} of h in [%{customdata[0]}, %{customdata[1]})<extra></extra>`,
        customdata: hist.counts.map((_, j) => [edge(hist.edges[j]), edge(hist.edges[j + 1])]),
      };
    });
    await react(this.el, traces, layout);
    this.el.dataset.drawn = 'true';
    this.el.setAttribute('aria-label', `Histograms of the ${activation} activations at layers ${histograms.map((x) => x.index).join(', ')}`);
  }
}

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
function superscript(n) {
  return [...String(n)].map((c) => SUPERSCRIPT[c]).join('');
}
