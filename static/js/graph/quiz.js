// "Predict the gradient" (docs/DESIGN.md "Rooms", the quiz): in a room, before a backward
// step reveals a node's gradient, the lecturer asks (Q); each student types the value
// they expect; the lecturer's page shows the room's answers as a histogram, live; the
// next step reveals the engine's value, marked on the histogram and beside each
// student's own answer. No answer is ever shown with who gave it.

import { h, replace } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { isAbort } from '../lib/http.js';
import { newPlot, purge, react } from '../lib/plot.js';
import { onRoom } from '../lib/room.js';

const POLL_MS = 1000; // the histogram's refresh while a question is open

/** A tensor's first element's index ([] for a scalar): the element a question asks. */
function firstIndex(value) {
  const index = [];
  for (let v = value; Array.isArray(v); v = v[0]) index.push(0);
  return index;
}

function elementOf(value, index) {
  return index.reduce((v, i) => v[i], value);
}

/** What a student types, as a number: a true minus, a decimal comma and spaces are fine. */
export function readAnswer(text) {
  let t = text.trim().replace(/[\u2212\u2013]/g, '-').replace(/\s+/g, '');
  if (!t.includes('.') && /^-?\d+,\d+$/.test(t)) t = t.replace(',', '.');
  const value = t === '' ? NaN : Number(t);
  return Number.isFinite(value) ? value : null;
}

/** Is a student's answer the engine's value (to the 3 significant figures a guess is written in)? */
export function matches(answer, value) {
  return answer === value || Math.abs(answer - value) <= 5e-3 * Math.abs(value);
}

export class Quiz {
  /**
   * el: the card (graph.html); trace() and step(): what the stepper shows now.
   * The card is drawn for whichever side of a room this tab is on, and stays hidden otherwise.
   */
  constructor(el, { trace, step }) {
    Object.assign(this, { el, trace, step });
    this.room = null;
    this.role = null;
    this.asked = null; // presenter: {question, index, sent, summary, revealed: null | {value}}
    this.open = null; // student: the question event, and then its reveal
    this.mine = new Map(); // student: question id → the value this tab sent
    this.poll = null;
    this.counter = 0;
    this.note = ''; // a line for the presenter, said once
    onRoom((room) => this.attach(room));
  }

  attach(room) {
    this.room = room;
    this.role = room.role;
    if (this.role === 'presenter') {
      room.onQuestion = (question, closed) => this.presenterChanged(question, closed);
    } else {
      room.onQuiz = (type, data) => this.studentHeard(type, data);
    }
    this.draw();
  }

  // --- the lecturer's side ---------------------------------------------------------------

  /** The node whose gradient the next step reveals, or null when the next step is not a backward one. */
  nextReveal() {
    const trace = this.trace();
    const next = trace?.eventAt(this.step() + 1);
    return next?.phase === 'backward' ? next.data.node : null;
  }

  /** The words of a question about `node` (element `index`): "∂e/∂b", "∂loss/∂W[0, 1]". */
  prompt(node, index) {
    const trace = this.trace();
    const element = index.length ? `[${index.join(', ')}]` : '';
    return `∂${trace.lossName}/∂${trace.names.operand(node)}${element}`;
  }

  /** Q: ask the room to predict the gradient the next step reveals. */
  ask() {
    if (this.role !== 'presenter' || this.room.ended) return false;
    const node = this.nextReveal();
    if (node === null) {
      this.say('Ask before a backward step: its gradient is what the room predicts.');
      return false;
    }
    const trace = this.trace();
    const index = firstIndex(trace.grad(node));
    this.counter += 1;
    const question = {
      id: `q${Date.now().toString(36)}${this.counter}`,
      node,
      element: index.length ? index : null,
      prompt: `Predict ${this.prompt(node, index)}`,
    };
    this.asked = { question, index, sent: false, summary: null, revealed: null };
    this.room.ask(question);
    this.draw();
    return true;
  }

  /**
   * The stepper moved to `step` (called before the page publishes it): the step that
   * shows the asked node's gradient reveals the engine's value to the room.
   */
  stepped(step) {
    if (this.role !== 'presenter') return;
    if (!this.asked) {
      this.draw(); // the Ask button names the next step's node
      return;
    }
    if (!this.asked.sent || this.asked.revealed) return;
    const trace = this.trace();
    const { node } = this.asked.question;
    if (step >= trace.gradStep(node)) this.room.revealQuestion(elementOf(trace.grad(node), this.asked.index));
  }

  presenterChanged(question, closed) {
    if (question && this.asked?.question.id === question.id) {
      this.asked.sent = true;
      this.startPolling();
    } else if (closed && this.asked?.question.id === closed.id) {
      this.asked.revealed = { value: closed.value };
      this.stopPolling();
      this.refresh(); // the final count, with the engine's value marked
    } else if (!question && !closed) {
      this.asked = null; // the room ended
      this.stopPolling();
    }
    this.draw();
  }

  startPolling() {
    this.stopPolling();
    this.refresh();
    this.poll = window.setInterval(() => this.refresh(), POLL_MS);
  }

  stopPolling() {
    if (this.poll !== null) window.clearInterval(this.poll);
    this.poll = null;
  }

  async refresh() {
    const asked = this.asked;
    if (!asked) return;
    try {
      const summary = await this.room.answers(asked.question.id);
      if (this.asked !== asked) return;
      asked.summary = summary;
      this.draw();
    } catch (error) {
      if (!isAbort(error)) this.say(`Could not read the answers: ${error.message}`);
    }
  }

  dismiss() {
    this.asked = null;
    this.stopPolling();
    this.draw();
  }

  // --- the student's side -----------------------------------------------------------------

  studentHeard(type, data) {
    if (type === 'question') {
      if (this.open?.question.id !== data.id) this.open = { question: data, reveal: null, problem: '' };
    } else if (type === 'reveal') {
      if (this.open?.question.id === data.id) this.open.reveal = data;
    } else {
      this.open = null; // the room ended
    }
    this.draw();
  }

  async send(input) {
    const { question } = this.open;
    const value = readAnswer(input.value);
    if (value === null) {
      this.open.problem = `'${input.value}' is not a number: type one like 0.25, -3 or 1e-3`;
      this.draw();
      return;
    }
    try {
      await this.room.answer(question.id, value);
      this.mine.set(question.id, value);
      this.open.problem = '';
    } catch (error) {
      this.open.problem = error.status === 409 ? 'The answers are closed: the lecturer moved on.' : error.message;
    }
    this.draw();
  }

  // --- drawing ------------------------------------------------------------------------------

  say(text) {
    this.note = text;
    this.draw();
  }

  draw() {
    const card = this.role === 'presenter' ? this.presenterCard() : this.role === 'student' ? this.studentCard() : null;
    this.el.hidden = card === null;
    this.el.dataset.role = this.role ?? '';
    if (card === null) {
      const histogram = this.el.querySelector('[data-testid=quiz-histogram]');
      if (histogram) purge(histogram);
      replace(this.el);
      return;
    }
    // The histogram keeps its element across redraws: Plotly redraws it in place.
    const histogram = this.el.querySelector('[data-testid=quiz-histogram]');
    replace(this.el, card);
    const slot = this.el.querySelector('[data-slot=histogram]');
    if (slot && histogram) slot.replaceWith(histogram);
    else if (slot) slot.replaceWith(h('div', { class: 'quiz-histogram', 'data-testid': 'quiz-histogram' }));
    if (this.asked?.summary) this.drawAnswers();
  }

  presenterCard() {
    if (this.room.ended) return null;
    const note = this.note ? h('p', { class: 'quiz-note muted' }, this.note) : null;
    this.note = '';
    if (!this.asked) {
      const node = this.trace() ? this.nextReveal() : null;
      const ask = h('button', { type: 'button', class: 'button', 'data-testid': 'quiz-ask', disabled: node === null,
        onclick: () => this.ask() }, node === null ? 'Ask the room (Q) before a backward step'
        : `Ask the room: predict ${this.prompt(node, firstIndex(this.trace().grad(node)))}`, h('kbd', {}, 'Q'));
      return h('div', { class: 'quiz-ask-row' }, ask, note);
    }
    const { question, revealed, summary } = this.asked;
    const count = summary?.count ?? 0;
    const lines = [
      h('h2', { class: 'quiz-prompt', 'data-testid': 'quiz-prompt' }, question.prompt),
      h('p', { class: 'quiz-count' }, h('strong', { 'data-testid': 'quiz-count' }, String(count)),
        count === 1 ? ' answer' : ' answers',
        summary?.values_summary ? ` · median ${fmt(summary.values_summary.median)}` : ''),
      h('div', { 'data-slot': 'histogram' }),
    ];
    if (!revealed) {
      lines.push(h('p', { class: 'muted' }, 'The next step (→) reveals the engine\'s value.'));
    } else if (revealed.value === null) {
      lines.push(h('p', { class: 'muted', 'data-testid': 'quiz-result' }, 'Closed without a reveal.'));
    } else {
      lines.push(h('p', { class: 'quiz-engine', 'data-testid': 'quiz-result', 'data-value': String(revealed.value) },
        'The engine: ', h('strong', {}, fmt(revealed.value))));
    }
    lines.push(h('button', { type: 'button', class: 'quiz-close', 'data-testid': 'quiz-close', 'aria-label': 'Close the quiz',
      onclick: () => this.dismiss() }, '×'));
    return h('div', { class: 'quiz-body' }, lines, note);
  }

  drawAnswers() {
    const el = this.el.querySelector('[data-testid=quiz-histogram]');
    const summary = this.asked?.summary;
    if (!el || !summary) return;
    const { edges, counts } = summary.histogram;
    const centers = counts.map((_, i) => (edges[i] + edges[i + 1]) / 2);
    const widths = counts.map((_, i) => edges[i + 1] - edges[i]);
    const value = this.asked.revealed?.value ?? null;
    const shapes = value === null ? [] : [{
      type: 'line', x0: value, x1: value, yref: 'paper', y0: 0, y1: 1, line: { color: '#c2410c', width: 4 },
    }];
    const annotations = value === null ? [] : [{
      x: value, yref: 'paper', y: 1, yanchor: 'bottom', text: `engine ${fmt(value)}`, showarrow: false,
      font: { color: '#c2410c' },
    }];
    const range = [...edges, ...(value === null ? [] : [value])];
    const layout = {
      margin: { l: 40, r: 16, t: 28, b: 36 },
      bargap: 0.05,
      // The server gives whole-number answers a bar each: then every bar gets its number.
      xaxis: { ...(range.length ? { range: padded(range) } : {}),
        ...(widths.every((w) => w === 1) && widths.length <= 15 ? { dtick: 1 } : {}) },
      yaxis: { title: { text: '' }, rangemode: 'tozero', dtick: Math.max(1, Math.ceil(Math.max(1, ...counts) / 4)) },
      shapes,
      annotations,
      showlegend: false,
    };
    const traces = [{ type: 'bar', x: centers, y: counts, width: widths, marker: { color: '#2563eb' },
      hovertemplate: '%{y} answers<extra></extra>' }];
    (el.dataset.drawn ? react : newPlot)(el, traces, layout).then(() => { el.dataset.drawn = '1'; el.dataset.count = String(summary.count); });
  }

  studentCard() {
    if (!this.open) return null;
    const { question, reveal, problem } = this.open;
    const mine = this.mine.get(question.id);
    const lines = [h('h2', { class: 'quiz-prompt', 'data-testid': 'quiz-prompt' }, question.prompt)];
    if (!reveal) {
      const input = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', 'data-testid': 'quiz-input',
        'aria-label': 'Your answer', placeholder: 'your answer', value: mine === undefined ? '' : fmt(mine).replace('−', '-') });
      const form = h('form', { class: 'quiz-form', onsubmit: (event) => { event.preventDefault(); this.send(input); } },
        input, h('button', { type: 'submit', class: 'button primary', 'data-testid': 'quiz-send' }, mine === undefined ? 'Send' : 'Change'));
      lines.push(form);
      if (mine !== undefined) lines.push(h('p', { class: 'muted', 'data-testid': 'quiz-mine' }, `Sent: ${fmt(mine)}. You may change it until the reveal.`));
    } else if (reveal.value === null) {
      lines.push(h('p', { class: 'muted', 'data-testid': 'quiz-result' }, 'The lecturer moved on without revealing it.'));
    } else {
      const right = mine !== undefined && matches(mine, reveal.value);
      lines.push(h('p', { class: 'quiz-engine', 'data-testid': 'quiz-result', 'data-value': String(reveal.value),
        'data-correct': mine === undefined ? '' : String(right) },
      'The engine: ', h('strong', {}, fmt(reveal.value)),
      mine === undefined ? ' · you did not answer' : [' · yours: ', h('strong', { class: 'mine' }, fmt(mine)), right ? ' ✓' : '']));
      lines.push(h('button', { type: 'button', class: 'quiz-close', 'data-testid': 'quiz-close', 'aria-label': 'Close',
        onclick: () => { this.open = null; this.draw(); } }, '×'));
    }
    if (problem) lines.push(h('p', { class: 'quiz-problem', role: 'alert' }, problem));
    return h('div', { class: 'quiz-body' }, lines);
  }
}

/** An axis range around `values` with a margin, never of zero width. */
function padded(values) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(lo) * 0.1, 0.5);
  return [lo - pad, hi + pad];
}
