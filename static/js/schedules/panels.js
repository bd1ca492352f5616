// One card per schedule (from GET /api/schedules): its title and id, its formula, and —
// for the selected one — a control per parameter (lib/params.js). Clicking a card's
// title selects it; every schedule's parameters are one click away.

import { h, replace } from '../lib/dom.js';
import { paramControl } from '../lib/params.js';
import { formula } from './formula.js';

export class SchedulePanels {
  /**
   * el: the list; values: {id: {name: value}} (the state's); onSelect(id);
   * onParam(id, name, value) as a control moves.
   */
  constructor(el, schedules, values, { onSelect, onParam }) {
    this.el = el;
    this.cards = new Map(); // id → {card, head, controls: {name: control}, error}
    for (const schedule of schedules) {
      const head = h('button', {
        type: 'button', class: 'card-head', 'data-testid': `select-${schedule.id}`, 'aria-pressed': 'false',
        onclick: () => { head.blur(); onSelect(schedule.id); },
      }, h('span', { class: 'card-title' }, schedule.title), h('code', { class: 'card-id' }, schedule.id));
      const controls = {};
      const body = h('div', { class: 'card-params' }, schedule.params.map((param) => {
        const control = paramControl(param, values[schedule.id][param.name],
          (value) => onParam(schedule.id, param.name, value), { schedule: schedule.id });
        controls[param.name] = control;
        return h('div', { class: 'param-row' }, control.el, h('p', { class: 'param-help' }, param.description));
      }));
      if (!schedule.params.length) body.append(h('p', { class: 'param-help' }, 'No parameters besides η₀.'));
      const error = h('p', { class: 'card-error', role: 'alert', 'data-testid': `error-${schedule.id}`, hidden: true });
      const card = h('li', { class: 'schedule-card', 'data-schedule': schedule.id },
        head, formula(schedule.formula, schedule.params.map((p) => p.name)), body, error);
      this.cards.set(schedule.id, { card, head, controls, body, error });
      el.append(card);
    }
  }

  /** Mark `id` as the selected schedule: its parameters show, the others' fold away. */
  select(id) {
    for (const [key, { card, head, body }] of this.cards) {
      const on = key === id;
      card.classList.toggle('selected', on);
      head.setAttribute('aria-pressed', String(on));
      body.hidden = !on;
    }
  }

  /** Colour each card's edge like its trace (colorway: the theme's, in the registry's order). */
  colour(colorway) {
    [...this.cards.values()].forEach(({ card }, k) => {
      if (colorway.length) card.style.setProperty('--trace', colorway[k % colorway.length]);
    });
  }

  /**
   * Bring a card into view within the list's own scroll box, never by scrolling the page:
   * where the list is part of the page (a phone), opening it must not jump past the charts.
   */
  reveal(id) {
    const card = this.cards.get(id)?.card;
    const box = card && scrollBox(card);
    if (!box) return;
    const c = card.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    if (c.top < b.top) box.scrollTop -= b.top - c.top;
    else if (c.bottom > b.bottom) box.scrollTop += Math.min(c.bottom - b.bottom, c.top - b.top);
  }

  /** Put values into a schedule's controls (after a reset to the defaults). */
  set(id, values) {
    for (const [name, control] of Object.entries(this.cards.get(id).controls)) control.set(values[name]);
  }

  /** Show why the engine refused a schedule's parameters (null: clear it). */
  error(id, message) {
    const { error } = this.cards.get(id);
    error.hidden = !message;
    replace(error, message ? `${message} — the chart keeps the last curve that worked.` : null);
  }
}

/** The nearest ancestor of `el` that scrolls by itself (not the page), or null. */
function scrollBox(el) {
  for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
    const { overflowY } = getComputedStyle(node);
    if ((overflowY === 'auto' || overflowY === 'scroll') && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
}
