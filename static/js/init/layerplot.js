// The per-layer chart: the spread of each layer's activations, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖
// against the layer index on a log axis. The traces keep the API's field names (docs/DESIGN.md's
// test hook reads trace.name), so Plotly's own legend, which can only print a trace's name,
// is hidden: an HTML legend above the chart says each in the lecture's notation, and a
// click on an entry shows or hides its curve as Plotly's legend would. A null (float64
// overflowed) is a gap; a 0 cannot sit on a log axis. Both are said in words under the chart.

import { h, replace, s } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { react, restyle, theme } from '../lib/plot.js';

export const QUANTITIES = [
  { name: 'act_std', label: 'std of hₗ', note: 'the activations\' spread', dash: 'solid' },
  { name: 'grad_norm', label: '‖∂loss/∂hₗ‖', note: 'what backprop sends to layer l', dash: 'solid' },
  { name: 'weight_grad_norm', label: '‖∂loss/∂Wₗ‖', note: 'what layer l\'s weights learn from', dash: 'dot' },
];

// SVG stroke-dasharray of Plotly's dash names, for the legend's swatches
const DASHES = { solid: null, dot: '2 4' };

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
  /** el: the chart; legend: the list its HTML legend goes in; notes: the list under it. */
  constructor(el, legend, notes) {
    this.el = el;
    this.legend = legend;
    this.notes = notes;
    this.hidden = new Set(); // quantities the user switched off in the legend
    this.drawLegend();
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
      visible: this.hidden.has(q.name) ? 'legendonly' : true,
      line: { width: q.name === 'weight_grad_norm' ? 2 : 3, dash: q.dash },
      marker: { size: 5 },
      hovertemplate: `${q.label} = %{y:.4g}<extra>layer %{x}</extra>`,
    }));
    // Decades only (Plotly's 2s and 5s between them crowd a projector), as many labels as fit
    // the chart's height (a label about every two lines of type), at most eight.
    const positive = traces.flatMap((t) => t.y).filter((v) => v > 0);
    const decades = positive.length ? Math.log10(Math.max(...positive) / Math.min(...positive)) : 0;
    const labels = Math.min(8, Math.max(2, Math.floor((this.el.clientHeight - 90) / (2.4 * theme().size))));
    const dtick = Math.max(1, Math.ceil(decades / labels));
    traces[0].hovertemplate = `${QUANTITIES[0].label} = %{y:.4g}, mean %{customdata[0]}<extra>layer %{x}</extra>`;
    await react(this.el, traces, {
      xaxis: { title: { text: 'layer l (1 = nearest the input)' }, range: [0.5, layers.length + 0.5], zeroline: false },
      yaxis: { title: { text: 'log scale' }, type: 'log', exponentformat: 'power', dtick },
      hovermode: 'x unified',
      showlegend: false,
      margin: { t: 8, r: 12 },
    });
    this.drawLegend(); // in the theme's colours of now (presenter mode has its own)
    this.describe(layers);
    this.el.dataset.drawn = 'true';
  }

  /** The HTML legend: a swatch in its trace's colour and dash, the lecture's symbol and what it is. */
  drawLegend() {
    const { colorway } = theme();
    replace(this.legend, QUANTITIES.map((q, k) => {
      const line = s('line', { x1: 1, y1: 6, x2: 27, y2: 6, stroke: colorway[k % colorway.length] ?? 'currentColor', 'stroke-width': 3 });
      if (DASHES[q.dash]) line.setAttribute('stroke-dasharray', DASHES[q.dash]);
      const button = h('button', {
        type: 'button', class: 'legend-entry', 'data-trace': q.name, 'aria-pressed': String(!this.hidden.has(q.name)),
        title: `Show or hide ${q.label} (${q.note})`,
      },
      s('svg', { class: 'legend-swatch', width: 28, height: 12, viewBox: '0 0 28 12', 'aria-hidden': 'true' }, line),
      h('span', { class: 'legend-label' }, withSubscripts(q.label)), h('span', { class: 'legend-note' }, q.note));
      button.addEventListener('click', () => {
        button.blur();
        this.toggle(q.name);
      });
      return h('li', {}, button);
    }));
  }

  /** Show or hide one quantity's curve (its legend entry says which). */
  async toggle(name) {
    if (this.hidden.has(name)) this.hidden.delete(name);
    else this.hidden.add(name);
    this.drawLegend();
    if (this.el.data) {
      await restyle(this.el, { visible: this.hidden.has(name) ? 'legendonly' : true }, [QUANTITIES.findIndex((q) => q.name === name)]);
    }
  }

  /** Under the chart: where a number overflowed float64, where one is exactly 0, and how the gradient changed. */
  describe(layers) {
    const lines = [];
    for (const q of QUANTITIES) {
      const overflowed = layers.filter((l) => l[q.name] === null).map((l) => l.index);
      const zero = layers.filter((l) => l[q.name] === 0).map((l) => l.index);
      if (overflowed.length) {
        lines.push(h('li', { class: 'overflow', 'data-testid': 'overflow-note' },
          h('b', {}, withSubscripts(q.label)), ` overflowed float64 at layer ${ranges(overflowed)}: not drawn (a gap).`));
      }
      if (zero.length) {
        const where = zero.length === layers.length ? 'at every layer' : `at layer ${ranges(zero)}`;
        lines.push(h('li', { class: 'zero', 'data-testid': 'zero-note' },
          h('b', {}, withSubscripts(q.label)), ` is exactly 0 ${where}: a log axis cannot show 0.`));
      }
    }
    const first = layers[0]?.grad_norm;
    const last = layers.at(-1)?.grad_norm;
    if (layers.length > 1 && first && last) {
      const ratio = first / last;
      const perLayer = ratio ** (1 / (layers.length - 1));
      const trend = fmt(perLayer, 3) === '1' ? 'about the same size at every layer going back'
        : `${perLayer > 1 ? 'growing' : 'shrinking'} by about ×${fmt(perLayer, 3)} per layer going back`;
      lines.push(h('li', { class: 'summary', 'data-testid': 'grad-summary' },
        `‖∂loss/∂h₁‖ is ${fmt(ratio)} × ‖∂loss/∂h${subscript(layers.length)}‖: ${trend}.`));
    }
    replace(this.notes, lines);
  }
}

/** "‖∂loss/∂hₗ‖" with its ₗ as <sub>l</sub>: few fonts have a glyph for the Unicode subscript l. */
function withSubscripts(text) {
  return text.split('ₗ').flatMap((part, i) => (i ? [h('sub', {}, 'l'), part] : [part]));
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
function subscript(n) {
  return String(n).replace(/\d/g, (d) => SUB[d]);
}
