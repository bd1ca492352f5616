// The 3D view: the surface with each run's trajectory drawn on it (z = the loss, on the
// contour's log scale where the range is wide). Shown in the contour plot's place (over
// it: the contour plot keeps being drawn, and keeps its test hooks).

import { newPlot, react, theme } from '../lib/plot.js';
import { contourScale } from './surfaceplot.js';

export class Surface3D {
  constructor(el) {
    this.el = el;
    this.surface = null;
    this.drawn = null;
  }

  setSurface(grid) {
    const scale = contourScale(grid.z);
    this.scale = scale;
    this.surface = {
      type: 'surface', name: 'f', x: grid.x, y: grid.y, z: scale.z, colorscale: 'Viridis', opacity: 0.9,
      showscale: false, contours: { z: { show: true, usecolormap: true, project: { z: true } } },
      hovertemplate: 'x %{x:.3g}, y %{y:.3g}<extra></extra>',
    };
    this.drawn = null;
  }

  async update(runs, step) {
    if (!this.surface || this.el.hidden) return;
    const f = this.scale.transform;
    const lift = (p) => f(p[2]);
    const traces = [this.surface, ...runs.flatMap((run) => {
      const shown = run.points.slice(0, Math.max(1, Math.min(step, run.points.length - 1) + 1));
      return [{
        type: 'scatter3d', mode: 'lines', name: run.label, x: shown.map((p) => p[0]), y: shown.map((p) => p[1]),
        z: shown.map(lift), line: { color: run.color, width: 5 }, visible: run.hidden ? 'legendonly' : true,
      }, {
        type: 'scatter3d', mode: 'markers', name: `${run.label} marker`, showlegend: false,
        x: shown.slice(-1).map((p) => p[0]), y: shown.slice(-1).map((p) => p[1]), z: shown.slice(-1).map(lift),
        marker: { color: run.color, size: 5 }, visible: !run.hidden,
      }];
    })];
    // Tick labels smaller than the page's type: three axes' worth crowd a 3D box.
    const tickfont = { size: Math.round(theme().size * 0.7) };
    const axis = (text) => ({ title: { text }, tickfont, nticks: 5 });
    const layout = {
      margin: { t: 0, r: 0, l: 0, b: 0 },
      scene: { xaxis: axis('x'), yaxis: axis('y'), zaxis: axis(this.scale.log ? 'log₁₀ f' : 'f'),
        aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.6 } },
      legend: { orientation: 'h' },
      uirevision: 'surface3d',
    };
    if (!this.drawn) {
      this.drawn = newPlot(this.el, traces, layout, { filename: 'race-3d' });
      await this.drawn;
    } else {
      await this.drawn;
      await react(this.el, traces, layout);
    }
  }
}
