// The map as a Plotly heatmap ([data-testid=trainability-map]): one trace whose z puts the
// pixels that train on one colour ramp (by how fast, the mean of Lₜ/L₀) and those that
// diverge on another (by how soon), with each pixel's rates in its tooltip. Zooming is the
// page's: a dragged box (Plotly's zoom), the wheel, a double-click (back) and a click (a
// pixel) are reported through the callbacks; update() draws a tile with the view's ranges.
//
//   const view = new MapView(el, { onZoom(x, y), onBack(), onPick(x, y) });
//   await view.update(tile, { x: [lo, hi], y: [lo, hi], names, units });

import { fmt } from '../lib/format.js';
import { newPlot, onAreaClick, onPlotEvent, plotArea, react, relayout } from '../lib/plot.js';

// z in [0, 0.5): trains, dark (fast) to light (slow); (0.5, 1]: diverges, light (late) to dark (soon).
const COLORSCALE = [
  [0, '#08306b'], [0.25, '#2f7ebc'], [0.4999, '#c6dbef'],
  [0.5001, '#fcbba1'], [0.75, '#d42020'], [1, '#67000d'],
];
const SLOWEST_DECADES = 4; // a mean Lₜ/L₀ of 10⁻⁴ or below is the darkest blue
const WHEEL_STEP = 1.2; // the view shrinks or grows by this per notch of the wheel
const WHEEL_SETTLE_MS = 250; // the tiles of a wheel zoom are asked for once it stops

/** A pixel's place on the colour scale (see COLORSCALE). */
export function shade(diverged, score, steps) {
  if (diverged) {
    const soon = Math.log(Math.max(1, score * steps)) / Math.log(Math.max(2, steps)); // 0: at step 1, 1: at the end
    return 1 - 0.4999 * Math.min(1, Math.max(0, soon));
  }
  const slow = (Math.log10(Math.max(score, 1e-300)) + SLOWEST_DECADES) / SLOWEST_DECADES; // 0: fast, 1: no progress
  return 0.4999 * Math.min(1, Math.max(0, slow));
}

/** The boundary pixel nearest the view's centre: one whose fate differs from a neighbour's ([i, j] or null). */
export function edgePixel(diverged) {
  const n = diverged.length;
  const m = diverged[0]?.length ?? 0;
  let best = null;
  let bestDistance = Infinity;
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < m; j += 1) {
      const here = diverged[i][j];
      const edge = (i > 0 && diverged[i - 1][j] !== here) || (i < n - 1 && diverged[i + 1][j] !== here)
        || (j > 0 && diverged[i][j - 1] !== here) || (j < m - 1 && diverged[i][j + 1] !== here);
      if (!edge) continue;
      const distance = ((i + 0.5) / n - 0.5) ** 2 + ((j + 0.5) / m - 0.5) ** 2;
      if (distance < bestDistance) {
        best = [i, j];
        bestDistance = distance;
      }
    }
  }
  return best;
}

export class MapView {
  constructor(el, { onZoom, onBack, onPick }) {
    this.el = el;
    this.callbacks = { onZoom, onBack, onPick };
    this.drawn = false;
    this.view = null;
    this.wheelTimer = 0;
  }

  /** Draw a tile; `view` {x, y, names: {x, y}, labels: {x, y}} gives the axes. */
  async update(tile, view, steps) {
    const n = tile.y.length;
    const z = tile.diverged.map((row, i) => row.map((d, j) => shade(d, tile.score[i][j], steps)));
    const text = tile.diverged.map((row, i) => row.map((d, j) => {
      const s = tile.score[i][j];
      return d ? `diverges at step ${Math.max(1, Math.round(s * steps))}` : `trains: mean Lₜ/L₀ = ${fmt(s, 3)}`;
    }));
    const rate = (label, value, log) => (log ? `${label} = 10<sup>${fmt(value, 6)}</sup> = ${fmt(10 ** value, 6)}` : `${label} = ${fmt(value, 6)}`);
    const hover = tile.y.map((yv, i) => tile.x.map((xv, j) => `${rate(view.labels.x, xv, view.log.x)}<br>${rate(view.labels.y, yv, view.log.y)}<br>${text[i][j]}`));
    const trace = {
      type: 'heatmap', x: tile.x, y: tile.y, z, zmin: 0, zmax: 1, colorscale: COLORSCALE, showscale: false,
      text: hover, hovertemplate: '%{text}<extra></extra>', hoverongaps: false, xgap: 0, ygap: 0,
    };
    const axis = (title, range) => ({ title: { text: title }, range, autorange: false, fixedrange: false, exponentformat: 'none', showgrid: false, zeroline: false });
    const layout = {
      // copies: Plotly writes a zoom into the layout's own range arrays
      xaxis: axis(view.titles.x, [...view.x]),
      yaxis: axis(view.titles.y, [...view.y]),
      dragmode: 'zoom',
      margin: { t: 10, r: 10 },
      uirevision: `${view.x}|${view.y}`,
    };
    this.view = view;
    this.tile = tile;
    this.el.dataset.n = String(n);
    if (!this.drawn) {
      await newPlot(this.el, [trace], layout, { filename: 'trainability-map' });
      this.listen();
      this.drawn = true;
    } else {
      await react(this.el, [trace], layout);
    }
  }

  listen() {
    // Plotly's double-click resets the axes (to the first view drawn): the page goes back instead.
    onPlotEvent(this.el, 'plotly_doubleclick', () => this.callbacks.onBack());
    onPlotEvent(this.el, 'plotly_relayout', (change) => {
      const x = [change['xaxis.range[0]'], change['xaxis.range[1]']];
      const y = [change['yaxis.range[0]'], change['yaxis.range[1]']];
      if (x.every(Number.isFinite) || y.every(Number.isFinite)) {
        this.callbacks.onZoom(x.every(Number.isFinite) ? x : this.view.x, y.every(Number.isFinite) ? y : this.view.y);
      }
    });
    onAreaClick(this.el, (x, y) => this.callbacks.onPick(x, y));
    this.el.addEventListener('wheel', (event) => this.wheel(event), { passive: false });
  }

  /** Zoom about the pointer: the drawn tile is stretched at once, the new tiles asked for once the wheel stops. */
  wheel(event) {
    if (!this.view) return;
    const area = plotArea(this.el);
    const box = this.el.getBoundingClientRect();
    const px = (event.clientX - box.left - area.left) / area.width;
    const py = 1 - (event.clientY - box.top - area.top) / area.height;
    if (!(px >= 0 && px <= 1 && py >= 0 && py <= 1)) return;
    event.preventDefault();
    const factor = WHEEL_STEP ** Math.sign(event.deltaY);
    const scaled = ([lo, hi], p) => {
      const at = lo + p * (hi - lo);
      return [at - (at - lo) * factor, at + (hi - at) * factor];
    };
    const x = scaled(this.view.x, px);
    const y = scaled(this.view.y, py);
    this.view = { ...this.view, x, y };
    relayout(this.el, { 'xaxis.range': x, 'yaxis.range': y });
    clearTimeout(this.wheelTimer);
    this.wheelTimer = setTimeout(() => this.callbacks.onZoom(this.view.x, this.view.y), WHEEL_SETTLE_MS);
  }
}
