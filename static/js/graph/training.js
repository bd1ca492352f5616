// Training mode: pick an optimizer and its hyperparameters, then train the program's
// params one iteration (or 10, 100) at a time. The server recomputes iteration N from
// the program's initial values (POST /api/graph/train), so the URL's &iteration=N always
// shows the same numbers; the stepper then shows that pass, fully revealed. The last
// update is written out on each param: w ← w − η·∂loss/∂w for SGD (the output's own
// name), before → after otherwise. Iterations already shown were made with the settings
// of the moment, so changing the optimizer or a hyperparameter is a new run: the page
// starts over from the program's values and the panel says so.

import { h, replace } from '../lib/dom.js';
import { fmt, term } from '../lib/format.js';
import { paramControl } from '../lib/params.js';
import { newPlot, react } from '../lib/plot.js';

const SHOWN = 4; // numbers of a param's update written out (a matrix shows its first few)

export class TrainingPanel {
  /**
   * optimizers: GET /api/optimizers; state: the page state (optimizer, hyper, iteration);
   * onTrain(iterations): the page trains and calls show(result); onChange(what): the
   * optimizer or a hyperparameter changed, `what` says which ("η (lr) changed").
   */
  constructor(el, optimizers, state, { onTrain, onChange }) {
    this.el = el;
    this.optimizers = optimizers;
    this.state = state;
    this.onTrain = onTrain;
    this.onChange = onChange;
    this.plotDrawn = null;
    this.pick = el.querySelector('[data-testid=train-optimizer]');
    this.params = el.querySelector('.train-params');
    this.counter = el.querySelector('[data-testid=iteration]');
    this.update = el.querySelector('[data-testid=last-update]');
    this.plot = el.querySelector('[data-testid=loss-history]');
    this.status = el.querySelector('.train-status');
    this.noticeEl = el.querySelector('[data-testid=train-notice]');
    replace(this.pick, optimizers.map((o) => h('option', { value: o.id }, o.title)));
    this.pick.value = state.optimizer;
    this.pick.addEventListener('change', () => {
      state.optimizer = this.pick.value;
      state.hyper = {};
      this.renderParams();
      this.onChange(`optimizer changed to ${this.optimizer.title}`);
    });
    for (const button of el.querySelectorAll('[data-train]')) {
      const n = Number(button.dataset.train);
      button.addEventListener('click', () => this.onTrain(n === 0 ? 0 : state.iteration + n));
    }
    this.renderParams();
    this.pending = null; // the result whose chart waits for the panel to open
    el.addEventListener('toggle', () => { if (el.open && this.pending) this.show(this.pending); });
  }

  get optimizer() {
    return this.optimizers.find((o) => o.id === this.state.optimizer);
  }

  /** Show the state's optimizer and hyperparameters (a URL the page took in place). */
  showSettings() {
    this.pick.value = this.state.optimizer;
    this.renderParams();
  }

  renderParams() {
    const opt = this.optimizer;
    replace(this.params, opt.params.map((p) => paramControl(p, this.state.hyper[p.name] ?? p.default, (value) => {
      this.state.hyper[p.name] = value;
      this.onChange(`${paramName(p)} changed`);
    }, { train: opt.id }).el));
  }

  /** A line under the buttons that says what the page just did on its own (null: none). */
  notice(text) {
    this.noticeEl.textContent = text ?? '';
    this.noticeEl.hidden = !text;
  }

  /**
   * Training's result: the counter, the loss chart and the last update's numbers. The
   * chart (and with it plotly.js, 4 MB) waits until the panel is open: most students
   * never open it.
   */
  async show(result) {
    this.counter.textContent = String(result.iteration);
    if (result.iteration > 0) this.notice(null);
    this.status.textContent = result.status === 'diverged' ? `diverged at iteration ${result.iteration + 1}: stopped` : '';
    this.showUpdate(result);
    this.pending = this.el.open ? null : result;
    if (!this.el.open) return;
    const trace = {
      type: 'scatter', mode: 'lines+markers', name: 'loss', x: result.losses.map((_, k) => k), y: result.losses,
      marker: { size: 4 },
    };
    const positive = result.losses.every((v) => v > 0);
    const layout = {
      margin: { t: 8, r: 8, l: 44, b: 32 }, showlegend: false,
      xaxis: { title: { text: 'iteration' } }, yaxis: { title: { text: 'loss' }, type: positive ? 'log' : 'linear' },
    };
    if (!this.plotDrawn) {
      this.plotDrawn = newPlot(this.plot, [trace], layout, { filename: 'loss-history' });
      await this.plotDrawn;
    } else {
      await this.plotDrawn;
      await react(this.plot, [trace], layout);
    }
  }

  showUpdate(result) {
    const entries = Object.entries(result.updates ?? {});
    if (!entries.length) {
      replace(this.update, h('p', { class: 'muted' }, 'Iteration 0: the program as written. Press train.'));
      return;
    }
    const sgd = this.state.optimizer === 'sgd';
    const eta = result.lr.at(-1);
    const graph = result.trace?.graph;
    const L = !graph || graph.seeded_with_ones ? 'L' : graph.output; // L = sum(output) when it is not a scalar
    replace(this.update,
      h('p', { class: 'muted' }, sgd
        ? `Update ${result.iteration}: w ← w − η·∂${L}/∂w with η = ${fmt(eta)}`
        : `Update ${result.iteration} by ${this.optimizer.title} (its own rule; η = ${fmt(eta)}): before → after`),
      h('ul', {}, entries.map(([name, u]) => {
        const before = [u.before].flat(Infinity).slice(0, SHOWN);
        const grad = [u.grad].flat(Infinity).slice(0, SHOWN);
        const after = [u.after].flat(Infinity).slice(0, SHOWN);
        const more = [u.after].flat(Infinity).length > SHOWN ? ' …' : '';
        const text = sgd
          ? before.map((b, i) => `${fmt(b)} − ${fmt(eta)}·${term(grad[i])} = ${fmt(after[i])}`).join(';  ')
          : before.map((b, i) => `${fmt(b)} → ${fmt(after[i])}`).join(';  ');
        return h('li', { 'data-update': name }, h('b', {}, name), ': ', text, more);
      })));
  }
}

/** "η (lr)": a hyperparameter by the lecture's symbol where its description starts or ends with one. */
function paramName(param) {
  const description = param.description ?? '';
  const symbol = /^([^\s,]{1,4}),/.exec(description)?.[1] ?? /\s([α-ωΑ-Ω])$/.exec(description)?.[1];
  return symbol ? `${symbol} (${param.name})` : param.name;
}
