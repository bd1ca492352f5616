// The loss surface as a contour plot with one trajectory per run, drawn as the race's
// points arrive, a marker per run at the scrubber's step, the minima and the start.
// Test hook (docs/DESIGN.md): one contour trace, and one scatter trace per run named by its
// label whose x and y are the run's points; the step markers are layout shapes named
// "LABEL marker", the arrows annotations named "LABEL update", "LABEL −η∇", "LABEL +αΔw".
//
// The contour is drawn once per surface: Plotly replots every trace of a plot whenever
// any trace's data changes, and the contour's levels and fills are most of that cost. So
// the contour trace stays in the plot's data (with the grid's values) but hidden, and the
// picture Plotly makes of it once (plot.js's still) lies under the runs as a layout image
// pinned to the grid's corners in data units, so zooming and panning carry it along.
// Moving one run's hyperparameter then redraws the runs only.

import { fmt } from '../lib/format.js';
import { axisMapper, newPlot, onAreaClick, plotArea, react, relayout, still, theme } from '../lib/plot.js';

const DOTS_UP_TO = 400; // points per trajectory drawn with a dot on each step
const CONTOUR_LEVELS = 30;
const MAX_IMAGE_PX = 2400; // the contour's still, per side, at twice the plot area's size

/**
 * Contour levels for z: log-spaced where the range is wide (the top of the range more than
 * 100 times the 10th percentile's height above the minimum: Rosenbrock, Beale, Goldstein–
 * Price), where linear levels would put every contour in one corner.
 * Returns the values to draw and a colour bar whose ticks read in f's own units.
 */
export function contourScale(z) {
  const flat = z.flat().filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (!flat.length) return { z, colorbar: {}, log: false, transform: (v) => v, range: [0, 1] };
  const lo = flat[0];
  const hi = flat[flat.length - 1];
  const low = flat[Math.floor(flat.length / 10)]; // the 10th percentile
  const wide = hi - lo > 100 * (low - lo + 1e-12); // Rosenbrock, Beale, Goldstein–Price
  if (!wide) {
    return { z, colorbar: { title: { text: 'f', side: 'top' } }, log: false, transform: (v) => v, range: [lo, hi] };
  }
  const delta = Math.max((hi - lo) * 1e-7, 1e-12);
  const transform = (v) => Math.log10(Math.max(v - lo, 0) + delta);
  const logged = z.map((row) => row.map((v) => (v === null ? null : transform(v))));
  const first = Math.ceil(Math.log10(delta));
  const last = Math.floor(Math.log10(hi - lo + delta));
  const tickvals = [];
  for (let k = first; k <= last; k += Math.max(1, Math.ceil((last - first) / 8))) tickvals.push(k);
  const ticktext = tickvals.map((k) => fmt(10 ** k - delta + lo, 2));
  return {
    z: logged,
    log: true,
    transform,
    range: [transform(lo), transform(hi)],
    colorbar: { title: { text: 'f (log)', side: 'top' }, tickvals, ticktext },
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

/** Line widths by draw order: the first run on top and thinnest, each one under it wider,
 * so a path that another run retraces still shows along both its edges. */
export function pathWidth(k, scale = 1) {
  return (2 + 2.5 * Math.min(k, 3)) * scale;
}

function arrow(name, from, to, color, dash, scale) {
  return {
    name, xref: 'x', yref: 'y', axref: 'x', ayref: 'y', x: to[0], y: to[1], ax: from[0], ay: from[1],
    showarrow: true, arrowhead: 2, arrowsize: 1.2, arrowwidth: (dash ? 2 : 3) * scale, arrowcolor: color,
    text: '', opacity: 0.95,
  };
}

/** [left, top, right, bottom] of a w × h box centred at c, grown by `pad`. */
function box(c, w, h, pad = 0) {
  return [c[0] - w / 2 - pad, c[1] - h / 2 - pad, c[0] + w / 2 + pad, c[1] + h / 2 + pad];
}

function overlaps(a, b) {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * Where each arrow's label goes, in pixels: beside the middle of its arrow, on the side
 * away from `away` (the third corner of momentum's triangle), clear of the labels placed
 * before it, stepping further out until it is. labels: [{text, from, to, away}] in pixels;
 * returns their centres (null for a label that repeats one already on the same arrow).
 */
export function placeLabels(labels, size) {
  const placed = [];
  const done = [];
  return labels.map(({ text, from, to, away }) => {
    const same = done.find((d) => d.text === text && Math.hypot(d.from[0] - from[0], d.from[1] - from[1]) < 2
      && Math.hypot(d.to[0] - to[0], d.to[1] - to[1]) < 2);
    if (same) return null;
    done.push({ text, from, to });
    const w = 0.62 * size * [...text].length + 6;
    const h = 1.25 * size;
    const mid = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2];
    const length = Math.hypot(to[0] - from[0], to[1] - from[1]);
    const u = length > 1 ? [(to[0] - from[0]) / length, (to[1] - from[1]) / length] : [1, 0];
    let n = [-u[1], u[0]];
    if (away && (away[0] - mid[0]) * n[0] + (away[1] - mid[1]) * n[1] > 0) n = [-n[0], -n[1]];
    const clear = 0.5 * (w * Math.abs(n[0]) + h * Math.abs(n[1])) + 4; // the box just off the line
    for (let ring = 0; ring < 12; ring += 1) {
      for (const side of [1, -1]) {
        const d = clear + ring * 0.6 * h;
        const c = [mid[0] + side * n[0] * d, mid[1] + side * n[1] * d];
        const b = box(c, w, h, 2);
        if (!placed.some((p) => overlaps(p, b))) {
          placed.push(b);
          return c;
        }
      }
    }
    const c = [mid[0] + n[0] * clear, mid[1] + n[1] * clear];
    placed.push(box(c, w, h, 2));
    return c;
  });
}

/**
 * The arrows of step `step` for each visible run (as Plotly annotations): the update
 * p(t) → p(t + 1) in the run's colour, the gradient step −η∇ (dashed, black) and for
 * momentum the lecture's "+αΔw": Δw(t) = −η d(t) + α Δw(t−1), drawn tip to tail. With
 * `map` (data → pixels, once the plot is drawn) each of the last two gets its label,
 * large enough to read from the back of the room and placed so no two overlap.
 */
export function stepArrows(runs, step, map = null, t = theme()) {
  const scale = Math.max(1, t.size / 16);
  const size = Math.round(t.size * 1.3);
  const arrows = [];
  const labels = [];
  for (const run of runs) {
    if (run.hidden || !run.gradient || step >= run.gradient.length || step + 1 >= run.points.length) continue;
    const p = run.points[step];
    const next = run.points[step + 1];
    const g = run.gradient[step];
    const eta = run.lr[step];
    if (!g || g.some((v) => v === null || !Number.isFinite(v))) continue;
    const tip = [p[0] - eta * g[0], p[1] - eta * g[1]];
    arrows.push(arrow(`${run.label} update`, p, next, run.color, false, scale));
    arrows.push(arrow(`${run.label} −η∇`, p, tip, '#111111', true, scale));
    labels.push({ text: '−η∇', from: p, to: tip, away: next, color: '#111111' });
    if (run.optimizer === 'momentum' && step > 0) {
      arrows.push(arrow(`${run.label} +αΔw`, tip, next, run.color, true, scale));
      labels.push({ text: '+αΔw', from: tip, to: next, away: p, color: run.color });
    }
  }
  if (!map) return arrows;
  const toPx = (q) => map(q[0], q[1]);
  const centres = placeLabels(labels.map((l) => ({
    text: l.text, from: toPx(l.from), to: toPx(l.to), away: toPx(l.away),
  })), size);
  const texts = [];
  labels.forEach((l, i) => {
    const c = centres[i];
    if (!c) return;
    const [mx, my] = toPx([(l.from[0] + l.to[0]) / 2, (l.from[1] + l.to[1]) / 2]);
    texts.push({
      name: `${l.text} label`, xref: 'x', yref: 'y', x: (l.from[0] + l.to[0]) / 2, y: (l.from[1] + l.to[1]) / 2,
      xshift: c[0] - mx, yshift: my - c[1], // pixels: Plotly's yshift points up
      showarrow: false, text: l.text, xanchor: 'center', yanchor: 'middle',
      font: { color: l.color, size }, bgcolor: 'rgba(255,255,255,0.85)', borderpad: 1,
    });
  });
  return [...arrows, ...texts];
}

export class SurfacePlot {
  constructor(el, { onClick = () => {} } = {}) {
    this.el = el;
    this.onClick = onClick;
    this.arrows = false; // draw the current step's update and gradient arrows
    this.base = null; // the contour (hidden: see the top of this file), its colour scale, the minima
    this.image = null; // the contour's still, as a layout image, once made
    this.imaging = null; // the promise of that still while it is made
    this.last = null; // the runs and step of the last update
    this.drawn = null; // the promise of the first draw
  }

  /** A new surface: grid {x, y, z}, info {minima, title}. Runs are drawn by update(). */
  setSurface(grid, info) {
    const scale = contourScale(grid.z);
    const contour = {
      type: 'contour', name: 'f', x: grid.x, y: grid.y, z: scale.z,
      ncontours: CONTOUR_LEVELS, colorscale: 'Viridis', reversescale: false, opacity: 0.85,
      contours: { coloring: 'fill', showlines: true }, line: { width: 0.5, color: 'rgba(255,255,255,0.35)' },
      showscale: false, hoverinfo: 'skip', visible: false, // drawn once, as the layout image
    };
    // The colour bar, from a trace with no point (the hidden contour draws none).
    const colorScale = {
      type: 'scatter', mode: 'markers', name: 'f scale', x: [null], y: [null], showlegend: false, hoverinfo: 'skip',
      marker: {
        color: scale.range, cmin: scale.range[0], cmax: scale.range[1], colorscale: 'Viridis', opacity: 0.85,
        showscale: true, colorbar: { thickness: 12, tickfont: { size: Math.round(theme().size * 0.8) }, ...scale.colorbar },
      },
    };
    const minima = info.minima?.length ? [{
      type: 'scatter', mode: 'markers', name: 'minima', x: info.minima.map((m) => m[0]), y: info.minima.map((m) => m[1]),
      marker: { symbol: 'star', size: 14, color: '#ffffff', line: { color: '#111', width: 1.5 } },
      hovertemplate: 'minimum (%{x:.4g}, %{y:.4g})<extra></extra>', showlegend: false,
    }] : [];
    this.base = {
      contour, colorScale, minima, log: scale.log,
      range: [[grid.x[0], grid.x.at(-1)], [grid.y[0], grid.y.at(-1)]],
    };
    this.image = null;
    this.imaging = null;
  }

  /** The contour's still, made once per surface at twice the plot area's size. */
  async contourImage() {
    const [[x0, x1], [y0, y1]] = this.base.range;
    const area = plotArea(this.el);
    const width = Math.min(MAX_IMAGE_PX, Math.max(200, Math.round(2 * area.width)));
    const height = Math.min(MAX_IMAGE_PX, Math.max(200, Math.round(2 * area.height)));
    const source = await still([{ ...this.base.contour, visible: true }], {
      margin: { l: 0, r: 0, t: 0, b: 0, pad: 0 }, showlegend: false,
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
      xaxis: { visible: false, range: [x0, x1] }, yaxis: { visible: false, range: [y0, y1] },
    }, { width, height });
    return {
      source, xref: 'x', yref: 'y', x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0,
      xanchor: 'left', yanchor: 'top', sizing: 'stretch', layer: 'below', name: 'contour',
    };
  }

  layout(runs, step, map) {
    const [[x0, x1], [y0, y1]] = this.base.range;
    return {
      margin: { t: 10, r: 10 },
      xaxis: { title: { text: 'x' }, range: [x0, x1], constrain: 'domain', showgrid: false, zeroline: false },
      yaxis: { title: { text: 'y' }, range: [y0, y1], showgrid: false, zeroline: false },
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 0, traceorder: 'reversed' }, // the runs' order
      hovermode: 'closest',
      uirevision: 'surface', // keep the user's zoom while the race streams in
      images: this.image ? [this.image] : [],
      shapes: stepMarkers(runs, step),
      annotations: this.arrows ? stepArrows(runs, step, map) : [],
    };
  }

  /**
   * Draw the runs: runs[k] = {label, color, hidden, points: [[x, y, loss], …]}, each with a
   * marker at min(step, last point). start: [x, y]. The first run is drawn on top.
   *
   * Speed (bench/README.md, "The race page in Chromium"): a dot on every point of a long
   * trajectory is one SVG shape each, which Plotly restyles on every draw, so dots are
   * drawn only on short trajectories; and the step markers are layout shapes, moved by
   * relayout, which redraws neither the trajectories nor the contour.
   */
  async update(runs, step, start) {
    if (!this.base) return;
    const widthScale = Math.max(1, theme().size / 16);
    const trajectories = runs.map((run, k) => ({
      type: 'scatter', mode: run.points.length <= DOTS_UP_TO ? 'lines+markers' : 'lines', name: run.label,
      x: run.points.map((p) => p[0]), y: run.points.map((p) => p[1]),
      line: { color: run.color, width: pathWidth(k, widthScale) }, marker: { color: run.color, size: 3 + pathWidth(k) / 2 },
      visible: run.hidden ? 'legendonly' : true,
      hovertemplate: `${run.label}<br>step %{pointNumber}: (%{x:.4g}, %{y:.4g})<extra></extra>`,
    })).reverse();
    const startTrace = {
      type: 'scatter', mode: 'markers', name: 'start', x: [start[0]], y: [start[1]], showlegend: false,
      marker: { symbol: 'circle-open', size: 14, color: '#fff', line: { width: 3 } }, hoverinfo: 'skip',
    };
    const { contour, colorScale, minima } = this.base;
    const traces = [contour, colorScale, ...minima, startTrace, ...trajectories];
    if (!this.drawn) {
      // Drawn once (update may be called again before newPlot resolves), then redrawn by react.
      this.drawn = newPlot(this.el, traces, this.layout(runs, step, null), { filename: 'race' }).then(() => {
        onAreaClick(this.el, (x, y) => this.onClick(x, y));
      });
      await this.drawn;
    } else {
      await this.drawn;
      await react(this.el, traces, this.layout(runs, step, axisMapper(this.el)));
    }
    this.last = { runs, step };
    if (!this.image) await (this.imaging ??= this.placeImage(this.base));
  }

  /** Make the surface's still and lay it under the runs (once per surface). */
  async placeImage(base) {
    const image = await this.contourImage();
    if (this.base !== base) return; // another surface came meanwhile
    this.image = image;
    this.imaging = null;
    const update = { images: [image] };
    if (this.arrows) update.annotations = stepArrows(this.last.runs, this.last.step, axisMapper(this.el)); // with labels
    await relayout(this.el, update);
  }

  /**
   * Move only the step markers and arrows (scrubbing and playback): one relayout. The
   * annotations are left out unless there are arrows to draw or clear, since any change
   * to them makes Plotly redraw the whole plot.
   */
  async moveMarkers(runs, step) {
    if (!this.drawn) return;
    await this.drawn;
    const update = { shapes: stepMarkers(runs, step) };
    if (this.arrows || this.el.layout.annotations?.length) {
      update.annotations = this.arrows ? stepArrows(runs, step, axisMapper(this.el)) : [];
    }
    await relayout(this.el, update);
  }
}
