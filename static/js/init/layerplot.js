// The per-layer chart: the spread of each layer's activations, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖
// against the layer index on a log axis, traces named by the API's fields (DESIGN.md's test
// hook). A null (float64 overflowed) is a gap; a 0 cannot sit on a log axis. Both are said
// in words under the chart.

import { h, replace } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { react } from '../lib/plot.js';

export const QUANTITIES = [
  { name: 'act_std', label: 'spread of hₗ (std)', dash: 'solid' },
  { name: 'grad_norm', label: '‖∂loss/∂hₗ‖', dash: 'solid' },
  { name: 'weight_grad_norm', label: '‖∂loss/∂Wₗ‖', dash: 'dot' },
];

/** "3", "3–7" or "3–7, 9" for sorted layer indices. */
export function ranges(indices) {
  const parts = [];
  for (const i of indices) {
    const last = parts.at(-1);
    if (last && i === last[1] + 1) last[1] = i;
    else parts.push([i, i]);
  }
  return parts.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ');
}

export class LayerPlot {
  constructor(el, notes) {
    this.el = el;
    this.notes = notes;
  }

  /** Draw the API's layers (POST /api/init/deep). */
  async update(layers) {
    const x = layers.map((l) => l.index);
    const markers = layers.length <= 60;
    const traces = QUANTITIES.map((q) => ({
      type: 'scatter',
      mode: markers ? 'lines+markers' : 'lines',
      name: q.name,
      x,
      y: layers.map((l) => l[q.name]),
      customdata: layers.map((l) => [fmt(l.act_mean)]),
      connectgaps: false,
      line: { width: q.name === 'weight_grad_norm' ? 2 : 3, dash: q.dash },
      marker: { size: 5 },
      hovertemplate: `${q.label} = %{y:.4g}<extra>layer %{x}</extra>`,
    }));
    // Decades only (Plotly's 2s and 5s between them crowd a projector), at most about eight labels.
    const positive = traces.flatMap((t) => t.y).filter((v) => v > 0);
    const decades = positive.length ? Math.log10(Math.max(...positive) / Math.min(...positive)) : 0;
    const dtick = Math.max(1, Math.ceil(decades / 8));
    traces[0].hovertemplate = `${QUANTITIES[0].label} = %{y:.4g}, mean %{customdata[0]}<extra>layer %{x}</extra>`;
    await react(this.el, traces, {
      xaxis: { title: { text: 'layer l (1 = nearest the input)' }, range: [0.5, layers.length + 0.5], zeroline: false },
      yaxis: { title: { text: 'log scale' }, type: 'log', exponentformat: 'power', dtick },
      hovermode: 'x unified',
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.01, yanchor: 'bottom' },
      margin: { t: 8, r: 12 },
    });
    this.describe(layers);
    this.el.dataset.drawn = 'true';
  }

  /** Under the chart: where a number overflowed float64, where one is exactly 0, and how the gradient changed. */
  describe(layers) {
    const lines = [];
    for (const q of QUANTITIES) {
      const overflowed = layers.filter((l) => l[q.name] === null).map((l) => l.index);
      const zero = layers.filter((l) => l[q.name] === 0).map((l) => l.index);
      if (overflowed.length) {
        lines.push(h('li', { class: 'overflow', 'data-testid': 'overflow-note' },
          h('b', {}, q.name), ` overflowed float64 at layer ${ranges(overflowed)}: not drawn (a gap).`));
      }
      if (zero.length) {
        const where = zero.length === layers.length ? 'at every layer' : `at layer ${ranges(zero)}`;
        lines.push(h('li', { class: 'zero', 'data-testid': 'zero-note' },
          h('b', {}, q.name), ` is exactly 0 ${where}: a log axis cannot show 0.`));
      }
    }
    const first = layers[0]?.grad_norm;
    const last = layers.at(-1)?.grad_norm;
    if (layers.length > 1 && first && last) {
      const ratio = first / last;
      const perLayer = ratio ** (1 / (layers.length - 1));
      lines.push(h('li', { class: 'summary', 'data-testid': 'grad-summary' },
        `‖∂loss/∂h₁‖ is ${fmt(ratio)} × ‖∂loss/∂h${subscript(layers.length)}‖: `
        + `${perLayer > 1 ? 'growing' : 'shrinking'} by about ×${fmt(perLayer, 3)} per layer going back.`));
    }
    replace(this.notes, lines);
  }
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
function subscript(n) {
  return String(n).replace(/\d/g, (d) => SUB[d]);
}
