// Every activation function with its derivative, as the engine computes them
// (GET /api/init/activations: f from its forward pass, f′ from its backward pass), one
// small chart per function with both formulas. The chosen activation's card is marked;
// a click on a card's name chooses it.

import { h, replace } from '../lib/dom.js';
import { mathLines } from '../lib/math.js';
import { react } from '../lib/plot.js';

export class Gallery {
  constructor(el, curves, { onPick }) {
    this.el = el;
    this.curves = curves;
    this.cards = new Map();
    replace(el, curves.map((c) => {
      const plot = h('div', { class: 'gallery-plot', 'data-testid': `activation-${c.id}`, role: 'img', 'aria-label': `${c.id} and its derivative` });
      const pick = h('button', { type: 'button', class: 'gallery-pick', 'data-activation': c.id, title: `Use ${c.id} in the network` }, c.id);
      pick.addEventListener('click', () => { onPick(c.id); pick.blur(); });
      const card = h('figure', { class: 'gallery-card', 'data-card': c.id },
        h('figcaption', {}, pick, h('div', { class: 'gallery-formulas' }, mathLines(c.formula), mathLines(c.derivative))),
        plot);
      this.cards.set(c.id, { card, plot, curve: c });
      return card;
    }));
  }

  async draw() {
    await Promise.all([...this.cards.values()].map(({ plot, curve }) => react(plot, [
      { type: 'scatter', mode: 'lines', name: curve.id, x: curve.x, y: curve.y, line: { width: 2.5 }, hovertemplate: 'f(%{x:.2f}) = %{y:.4g}<extra></extra>' },
      { type: 'scatter', mode: 'lines', name: `${curve.id}′`, x: curve.x, y: curve.dy, line: { width: 2, dash: 'dash' }, hovertemplate: 'f′(%{x:.2f}) = %{y:.4g}<extra></extra>' },
    ], {
      showlegend: false,
      margin: { t: 6, r: 6, b: 24, l: 30 },
      xaxis: { range: [-5, 5], dtick: 2.5, zeroline: true },
      yaxis: { range: [-1.6, 3.2], dtick: 1, zeroline: true },
    })));
    this.el.dataset.drawn = 'true';
  }

  /** Mark the network's activation. */
  select(id) {
    for (const [key, { card }] of this.cards) card.classList.toggle('selected', key === id);
  }
}
