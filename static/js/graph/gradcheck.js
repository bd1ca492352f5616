// The gradient-check badge: backprop against central finite differences.

import { fmt } from '../lib/format.js';

const OK = 1e-6;
const WARN = 1e-3;

export class GradcheckBadge {
  constructor(el) {
    this.el = el;
  }

  pending() {
    this.show('', 'gradcheck…', 'checking backprop against finite differences', 'pending');
  }

  /** result: {max_rel_error, leaves: {name: rel_error | null}, coordinates_checked, checked?, message?} */
  update(result) {
    // Nothing checkable (e.g. log within h of 0): no number to show, and never a ✓.
    if (result.max_rel_error === null || result.checked === false) {
      this.show('warn', 'gradcheck n/a', result.message ?? 'no gradient could be checked', 'unchecked');
      return;
    }
    const err = result.max_rel_error;
    const status = err <= OK ? 'ok' : err <= WARN ? 'warn' : 'bad';
    const mark = status === 'ok' ? '✓' : status === 'warn' ? '≈' : '✗';
    const leaves = Object.entries(result.leaves)
      .map(([name, e]) => `${name}: ${e === null ? 'n/a' : fmt(e, 2)}`)
      .join('\n');
    this.show(status, `${mark} gradcheck ${fmt(err, 2)}`,
      `Backprop vs central finite differences: max relative error ${fmt(err, 3)} ` +
      `over ${result.coordinates_checked} coordinates\n${leaves}`, status);
  }

  fail(detail) {
    this.show('warn', 'gradcheck unavailable', detail?.message ?? 'the gradient check failed', 'unavailable');
  }

  show(cls, text, title, status) {
    this.el.hidden = false;
    this.el.className = `badge ${cls}`.trim();
    this.el.textContent = text;
    this.el.title = title;
    this.el.dataset.status = status;
  }
}
