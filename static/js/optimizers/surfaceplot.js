// The loss surface as a contour plot with one trajectory per run, drawn as the race's
// points arrive, a marker per run at the scrubber's step, the minima and the start.
// Test hook (DESIGN.md): one contour trace, and one scatter trace per run named by its
// label whose x and y are the run's points; the step markers are layout shapes named
// "LABEL marker".

import { fmt } from '../lib/format.js';
import { newPlot, onPlotEvent, react, relayout } from '../lib/plot.js';

const DOTS_UP_TO = 400; // points per trajectory drawn with a dot on each step

/**
 * Contour levels for z: log-spaced where the range is wide (the top of the range more than
 * 100 times the 10th percentile's height above the minimum: Rosenbrock, Beale, Goldstein–
 * Price), where linear levels would put every contour in one corner.
 * Returns the values to draw and a colour bar whose ticks read in f's own units.
 */
export function contourScale(z) {
  const flat = z.flat().filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (!flat.length) return { z, colorbar: {}, log: false, transform: (v) => v };
  const lo = flat[0];
  const hi = flat[flat.length - 1];
  const low = flat[Math.floor(flat.length / 10)]; // the 10th percentile
  const wide = hi - lo > 100 * (low - lo + 1e-12); // Rosenbrock, Beale, Goldstein–Price
  if (!wide) return { z, colorbar: { title: { text: 'f', side: 'right' } }, log: false, transform: (v) => v };
  const delta = Math.max((hi - lo) * 1e-7, 1e-12);
  const logged = z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - lo + delta))));
  const first = Math.ceil(Math.log10(delta));
  const last = Math.floor(Math.log10(hi - lo + delta));
  const tickvals = [];
  for (let k = first; k <= last; k += Math.max(1, Math.ceil((last - first) / 8))) tickvals.push(k);
  const ticktext = tickvals.map((k) => fmt(10 ** k - delta + lo, 2));
  return {
    z: logged,
    log: true,
    transform: (v) => Math.log10(Math.max(v - lo, 0) + delta),
    colorbar: { title: { text: 'f (log scale)', side: 'right' }, tickvals, ticktext },
  };
}

/**
 * Each visible run's marker at step `step` (its last point once it has ended): a circle
 * shape of fixed pixel size named "LABEL marker", anchored at the point in data units.
 */
export function stepMarkers(runs, step) {
  return runs.filter((run) => !run.hidden && run.points.length).map((run) => {
    const p = run.points[Math.min(step, run.points.length - 1)];
    return {
      type: 'circle', name: `${run.label} marker`, xref: 'x', yref: 'y', xsizemode: 'pixel', ysizemode: 'pixel',
      xanchor: p[0], yanchor: p[1], x0: -7, x1: 7, y0: -7, y1: 7,
      fillcolor: run.color, line: { color: '#ffffff', width: 2 }, layer: 'above',
    };
  });
}

function arrow(from, to, color, dash, text) {
  return {
    xref: 'x', yref: 'y', axref: 'x', ayref: 'y', x: to[0], y: to[1], ax: from[0], ay: from[1],
    showarrow: true, arrowhead: 2, arrowsize: 1.2, arrowwidth: dash ? 2 : 3, arrowcolor: color,
    text: text ?? '', font: { color, size: 13 }, xanchor: 'left', yanchor: 'bottom', opacity: 0.95,
  };
}

/**
 * The arrows of step `step` for each visible run (as Plotly annotations): the update
 * p(t) → p(t + 1) in the run's colour, the gradient step −η∇ (dashed, black) and for
 * momentum the lecture's "+αΔw": Δw(t) = −η d(t) + α Δw(t−1), drawn tip to tail.
 */
export function stepArrows(runs, step) {
  const out = [];
  for (const run of runs) {
    if (run.hidden || !run.gradient || step >= run.gradient.length || step + 1 >= run.points.length) continue;
    const p = run.points[step];
    const next = run.points[step + 1];
    const g = run.gradient[step];
    const eta = run.lr[step];
    if (!g || g.some((v) => v === null || !Number.isFinite(v))) continue;
    const tip = [p[0] - eta * g[0], p[1] - eta * g[1]];
    out.push(arrow(p, next, run.color, false, ''));
    out.push(arrow(p, tip, '#111111', true, '−η∇'));
    if (run.optimizer === 'momentum' && step > 0) out.push(arrow(tip, next, run.color, true, '+αΔw'));
  }
  return out;
}

export class SurfacePlot {
  constructor(el, { onClick = () => {} } = {}) {
    this.el = el;
    this.onClick = onClick;
    this.arrows = false; // draw the current step's update and gradient arrows
    this.base = null; // the contour and what is drawn under the runs
    this.drawn = null; // the promise of the first draw
  }

  /** A new surface: grid {x, y, z}, info {minima, title}. Runs are drawn by update(). */
  setSurface(grid, info) {
    const scale = contourScale(grid.z);
    const contour = {
      type: 'contour', name: 'f', x: grid.x, y: grid.y, z: scale.z,
      ncontours: 30, colorscale: 'Viridis', reversescale: false, opacity: 0.85,
      // Filled bands, not a smoothed heatmap: half the cost of every redraw (bench/README.md)
      contours: { coloring: 'fill', showlines: true }, line: { width: 0.5, color: 'rgba(255,255,255,0.35)' },
      colorbar: { thickness: 12, ...scale.colorbar },
      hovertemplate: 'x %{x:.3g}, y %{y:.3g}<extra></extra>',
    };
    const minima = info.minima?.length ? [{
      type: 'scatter', mode: 'markers', name: 'minima', x: info.minima.map((m) => m[0]), y: info.minima.map((m) => m[1]),
      marker: { symbol: 'star', size: 14, color: '#ffffff', line: { color: '#111', width: 1.5 } },
      hovertemplate: 'minimum (%{x:.4g}, %{y:.4g})<extra></extra>', showlegend: false,
    }] : [];
    this.base = { contour, minima, range: [[grid.x[0], grid.x.at(-1)], [grid.y[0], grid.y.at(-1)]], log: scale.log };
  }

  /**
   * Draw the runs: runs[k] = {label, color, hidden, points: [[x, y, loss], …]}, each with a
   * marker at min(step, last point). start: [x, y].
   *
   * Speed (bench/README.md, "The race page in Chromium"): a dot on every point of a long
   * trajectory is one SVG shape each, which Plotly restyles on every draw, so dots are
   * drawn only on short trajectories; and the step markers are layout shapes, moved by
   * relayout, which redraws neither the trajectories nor the contour.
   */
  async update(runs, step, start) {
    if (!this.base) return;
    const trajectories = runs.map((run) => ({
      type: 'scatter', mode: run.points.length <= DOTS_UP_TO ? 'lines+markers' : 'lines', name: run.label,
      x: run.points.map((p) => p[0]), y: run.points.map((p) => p[1]),
      line: { color: run.color, width: 2 }, marker: { color: run.color, size: 3 },
      visible: run.hidden ? 'legendonly' : true,
      hovertemplate: `${run.label}<br>step %{pointNumber}: (%{x:.4g}, %{y:.4g})<extra></extra>`,
    }));
    const startTrace = {
      type: 'scatter', mode: 'markers', name: 'start', x: [start[0]], y: [start[1]], showlegend: false,
      marker: { symbol: 'circle-open', size: 14, color: '#fff', line: { width: 3 } }, hoverinfo: 'skip',
    };
    const [[x0, x1], [y0, y1]] = this.base.range;
    const layout = {
      margin: { t: 10, r: 10 },
      xaxis: { title: { text: 'x' }, range: [x0, x1], constrain: 'domain' },
      yaxis: { title: { text: 'y' }, range: [y0, y1] },
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 0 },
      hovermode: 'closest',
      uirevision: 'surface', // keep the user's zoom while the race streams in
      shapes: stepMarkers(runs, step),
      annotations: this.arrows ? stepArrows(runs, step) : [],
    };
    const traces = [this.base.contour, ...this.base.minima, startTrace, ...trajectories];
    if (!this.drawn) {
      // Drawn once (update may be called again before newPlot resolves), then redrawn by react.
      this.drawn = newPlot(this.el, traces, layout, { filename: 'race' }).then(() => {
        onPlotEvent(this.el, 'plotly_click', (event) => {
          const point = event.points?.[0];
          if (point && point.data.type === 'contour') this.onClick(point.x, point.y);
        });
      });
      await this.drawn;
    } else {
      await this.drawn;
      await react(this.el, traces, layout);
    }
  }

  /**
   * Move only the step markers and arrows (scrubbing and playback): one relayout. The
   * annotations are left out unless there are arrows to draw or clear, since any change
   * to them makes Plotly redraw the whole plot (about 100 ms here, against 1 ms for shapes).
   */
  async moveMarkers(runs, step) {
    if (!this.drawn) return;
    await this.drawn;
    const update = { shapes: stepMarkers(runs, step) };
    if (this.arrows || this.el.layout.annotations?.length) update.annotations = this.arrows ? stepArrows(runs, step) : [];
    await relayout(this.el, update);
  }
}
