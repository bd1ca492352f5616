// One pixel's loss curve (POST /api/trainability/curve): Lₜ against t on a log scale, for the
// pixel a click picked, computed as its tile computes it.
//
//   const curve = new CurvePanel(panel, { title, plot });
//   await curve.update({ seed, steps, x, y, dtype }, label);   curve.reset();

import { fmt } from '../lib/format.js';
import { isAbort, postJSON } from '../lib/http.js';
import { newPlot, purge } from '../lib/plot.js';

export class CurvePanel {
  constructor(panel, { title, plot }) {
    this.panel = panel;
    this.title = title;
    this.plot = plot;
    this.controller = null;
  }

  /** Ask for the pixel's losses and draw them; `label` says which pixel (its rates). */
  async update(request, label) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.panel.hidden = false;
    this.title.textContent = label;
    try {
      const answer = await postJSON('/api/trainability/curve', request, { signal: controller.signal });
      if (controller.signal.aborted) return;
      const t = answer.loss.map((_, k) => k);
      const fate = answer.diverged_at >= 0 ? `diverges at step ${answer.diverged_at}` : `trains: L${sub(request.steps)} = ${fmt(answer.loss.at(-1), 3)}`;
      this.title.textContent = `${label} · ${fate}`;
      this.plot.dataset.points = String(answer.loss.length);
      const positive = answer.loss.filter((v) => v > 0);
      const decades = Math.log10(Math.max(...positive) / Math.min(...positive));
      await newPlot(this.plot, [{ type: 'scatter', mode: 'lines', x: t, y: answer.loss, name: 'L', hovertemplate: 't = %{x}<br>L = %{y:.4g}<extra></extra>' }], {
        xaxis: { title: { text: 'step t' } },
        // a small chart: at most about four decade labels
        yaxis: { title: { text: 'Lₜ' }, type: 'log', exponentformat: 'power', dtick: Math.max(1, Math.ceil(decades / 4)) },
        margin: { t: 8, r: 8 },
        showlegend: false,
      }, { filename: 'trainability-loss-curve' });
    } catch (error) {
      if (isAbort(error)) return;
      this.title.textContent = `${label}: ${error.message}`;
    } finally {
      if (this.controller === controller) this.controller = null;
    }
  }

  reset() {
    this.controller?.abort();
    this.panel.hidden = true;
    purge(this.plot);
  }
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';

function sub(n) {
  return String(n).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]);
}
