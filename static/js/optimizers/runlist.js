// The list of runs: each an optimizer with a control per hyperparameter (slider + the
// exact value in a box, from the registry's metadata), a schedule with its parameters,
// its colour, hide and remove, and its status badge once it has ended.
// Test hooks: each typed box carries data-run="LABEL" and data-param="NAME";
// [data-testid=status-LABEL] exists only once that run has ended.

import { h, replace } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { paramControl } from '../lib/params.js';
import { fitFormula, formulaBlock } from './formula.js';

/** A run's status as its badge says it: "stalled at step 177, loss 2.73". */
export function statusText(status, stoppedAt, loss = null) {
  if (status === 'diverged') return `diverged at step ${stoppedAt}`;
  if (status === 'converged') return `converged at step ${stoppedAt}`;
  if (status === 'stalled') return `stalled at step ${stoppedAt}${loss === null ? '' : `, loss ${fmt(loss)}`}`;
  return `max_steps (${stoppedAt})`;
}

const STATUS_TITLES = {
  stalled: 'The gradient and the step vanished away from a minimum: a plateau where no gradient flows, a saddle point, or a local minimum above the surface\'s lowest',
  converged: 'The gradient and the step fell below 1e-8 at a minimum',
  diverged: 'A coordinate or the loss went beyond 1e6 or stopped being a number',
  max_steps: 'Ran every step',
};

export class RunList {
  /**
   * callbacks: onParams(k) a hyperparameter moved (re-run that run), onStructure(k) the
   * optimizer, schedule or label changed (re-run, and rebuild the card), onLook() colour
   * or visibility changed (redraw only), onRemove(k).
   */
  constructor(el, meta, callbacks) {
    this.el = el;
    this.meta = meta;
    this.callbacks = callbacks;
    this.badges = [];
    // Formulas are fitted to their cards once laid out, and again when the cards change width.
    let width = 0;
    new ResizeObserver(() => {
      if (this.el.clientWidth === width) return;
      width = this.el.clientWidth;
      this.fit();
    }).observe(this.el);
  }

  /** colors[k]: the colour run k is drawn in (its own, or the theme's). */
  render(runs, labels, colors) {
    this.badges = [];
    replace(this.el, runs.map((run, k) => this.card(run, k, labels[k], runs.length, colors[k])));
    this.fit();
  }

  fit() {
    for (const block of this.el.querySelectorAll('.formula-lines')) fitFormula(block);
  }

  card(run, k, label, count, drawnColor) {
    const { meta, callbacks } = this;
    const opt = meta.optimizers.find((o) => o.id === run.optimizer);
    const schedule = meta.schedules.find((s) => s.id === run.schedule);
    const color = h('input', { type: 'color', class: 'run-color', title: 'Colour', 'aria-label': `colour of ${label}` });
    color.value = drawnColor;
    color.addEventListener('input', () => { run.color = color.value; callbacks.onLook(); });
    const badge = h('span', { class: 'badge run-status', hidden: true });
    this.badges[k] = { el: badge, label };
    const name = h('input', { type: 'text', class: 'run-label', 'aria-label': 'label', value: label, spellcheck: 'false' });
    name.addEventListener('change', () => { run.label = name.value.trim() || null; callbacks.onStructure(k); });
    const hide = h('button', { type: 'button', class: 'icon-button', title: run.hidden ? 'Show' : 'Hide', 'aria-pressed': String(run.hidden) }, run.hidden ? '◌' : '●');
    hide.addEventListener('click', () => { run.hidden = !run.hidden; callbacks.onLook(); });
    const remove = h('button', { type: 'button', class: 'icon-button', title: 'Remove', 'aria-label': `remove ${label}`, disabled: count <= 1 }, '✕');
    remove.addEventListener('click', () => callbacks.onRemove(k));

    const pickOptimizer = h('select', { class: 'run-optimizer', 'aria-label': `optimizer of ${label}` },
      meta.optimizers.map((o) => h('option', { value: o.id, selected: o.id === run.optimizer }, o.title)));
    pickOptimizer.addEventListener('change', () => {
      run.optimizer = pickOptimizer.value;
      run.params = {};
      callbacks.onStructure(k);
    });
    const params = opt.params.map((p) => paramControl(p, run.params[p.name] ?? p.default, (value) => {
      run.params[p.name] = value;
      callbacks.onParams(k);
    }, { run: label }).el);

    const pickSchedule = h('select', { class: 'run-schedule', 'aria-label': `schedule of ${label}` },
      meta.schedules.map((s) => h('option', { value: s.id, selected: s.id === run.schedule }, s.title)));
    pickSchedule.addEventListener('change', () => {
      run.schedule = pickSchedule.value;
      run.scheduleParams = {};
      callbacks.onStructure(k);
    });
    const scheduleParams = schedule.id === 'constant' ? [] : schedule.params.map((p) => paramControl(p,
      run.scheduleParams[p.name] ?? p.default, (value) => {
        run.scheduleParams[p.name] = value;
        callbacks.onParams(k);
      }, { run: label, schedule: schedule.id }).el);

    return h('li', { class: `run-card${run.hidden ? ' hidden-run' : ''}`, style: `--run-color: ${drawnColor}`, 'data-label': label },
      h('div', { class: 'run-head' }, color, name, badge, hide, remove),
      h('div', { class: 'run-row' }, pickOptimizer),
      h('div', { class: 'formula', title: opt.citation }, formulaBlock(opt.formula)),
      h('div', { class: 'run-params' }, params),
      h('details', { class: 'run-schedule-box', open: schedule.id !== 'constant', ontoggle: () => this.fit() },
        h('summary', {}, 'schedule: ', pickSchedule),
        h('div', { class: 'formula' }, formulaBlock(schedule.formula)),
        h('div', { class: 'run-params' }, scheduleParams)));
  }

  /** Show run k's status (null: running, no badge); loss: its last loss (a stalled run says it). */
  setStatus(k, status, stoppedAt, loss = null) {
    const badge = this.badges[k];
    if (!badge) return;
    if (!status) {
      badge.el.hidden = true;
      badge.el.removeAttribute('data-testid');
      return;
    }
    badge.el.hidden = false;
    badge.el.dataset.testid = `status-${badge.label}`;
    badge.el.className = `badge run-status status-${status}`;
    badge.el.textContent = statusText(status, stoppedAt, loss);
    badge.el.title = STATUS_TITLES[status] ?? '';
  }
}
