// "Is it a good idea to initialise weights with zero?" shown with the engine's numbers:
// the lecture's small MLP (the `mlp` preset: 3 inputs, 4 ReLU hidden units, 3 classes)
// traced by POST /api/graph/trace with three initialisations, and each hidden unit's
// gradient, a column of ∂L/∂W₁ (its incoming weights) and its entry of ∂L/∂b₁, beside the
// others. With every weight equal each unit computes the same, so it receives the same
// gradient: the update w ← w − η·g keeps the units equal, for ever.

import { h, replace } from '../lib/dom.js';
import { fmt } from '../lib/format.js';
import { postJSON } from '../lib/http.js';

const DATA = `X = input([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0]])
T = input([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])`;

const program = (w1, w2) => `# The mlp preset with ${w1 === 'glorot(3, 4, seed=0)' ? 'its own random (Glorot) weights' : 'symmetric weights'}
${DATA}
W1 = param(${w1})
b1 = param(zeros(4))
H = relu(X @ W1 + b1)
W2 = param(${w2})
b2 = param(zeros(3))
Y = H @ W2 + b2
loss = cross_entropy(Y, T)
`;

export const SYMMETRY_CASES = [
  {
    id: 'zeros',
    title: 'W = 0',
    text: 'Every hidden unit outputs relu(0) = 0 and every weight gets gradient 0: nothing but the output bias can move.',
    program: program('zeros(3, 4)', 'zeros(4, 3)'),
  },
  {
    id: 'equal',
    title: 'All weights equal',
    text: 'W₁ = 0.1 everywhere and every hidden unit with the same outgoing weights: the units compute the same '
      + 'value, so each receives the same gradient. One update w ← w − η·g with equal g keeps them equal.',
    program: program('0.1 * ones(3, 4)', '[[0.5, -0.3, 0.2], [0.5, -0.3, 0.2], [0.5, -0.3, 0.2], [0.5, -0.3, 0.2]]'),
  },
  {
    id: 'random',
    title: 'Random (Glorot)',
    text: 'Random weights break the symmetry: each unit starts different, gets its own gradient and learns its own feature.',
    program: program('glorot(3, 4, seed=0)', 'glorot(4, 3, seed=1)'),
  },
];

/** Do the columns of `rows` (a matrix as nested lists) agree to `tol` relative to its largest entry? */
function identicalColumns(rows) {
  const scale = Math.max(...rows.flat().map(Math.abs), 1e-300);
  return rows.every((row) => row.every((v) => Math.abs(v - row[0]) <= 1e-12 * scale));
}

function table(w1, b1) {
  const units = w1[0].length;
  const scale = Math.max(...w1.flat().map(Math.abs), ...b1.map(Math.abs), 1e-300);
  const cell = (v, attrs) => {
    const strength = Math.min(1, Math.abs(v) / scale);
    const colour = v < 0 ? '29, 95, 196' : '208, 58, 15';
    return h('td', { ...attrs, 'data-value': JSON.stringify(v), style: `background: rgba(${colour}, ${(0.35 * strength).toFixed(3)})` }, fmt(v, 3));
  };
  return h('table', { class: 'grad-table' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), Array.from({ length: units }, (_, j) => h('th', { scope: 'col' }, `unit ${j + 1}`)))),
    h('tbody', {},
      w1.map((row, i) => h('tr', {}, h('th', { scope: 'row' }, `∂L/∂W₁[${i + 1}, ·]`), row.map((v, j) => cell(v, { 'data-unit': j + 1, 'data-row': i + 1 })))),
      h('tr', { class: 'bias' }, h('th', { scope: 'row' }, '∂L/∂b₁'), b1.map((v, j) => cell(v, { 'data-unit': j + 1, 'data-row': 'b' })))));
}

export class SymmetryPanel {
  constructor(el) {
    this.el = el;
  }

  /** Trace the three networks and draw each one's hidden-unit gradients. */
  async load({ signal } = {}) {
    const traces = await Promise.all(SYMMETRY_CASES.map((c) => postJSON('/api/graph/trace', { program: c.program }, { signal })));
    replace(this.el, SYMMETRY_CASES.map((c, k) => this.card(c, traces[k])));
  }

  card(c, trace) {
    const w1 = trace.grads.W1;
    const b1 = trace.grads.b1;
    const same = identicalColumns([...w1, b1]);
    const zero = [...w1.flat(), ...b1].every((v) => v === 0);
    const verdict = zero ? 'every hidden unit\'s gradient is 0'
      : same ? 'every hidden unit gets the same gradient' : 'each hidden unit gets its own gradient';
    return h('article', { class: `symmetry-case ${same ? 'same' : 'differ'}`, 'data-symmetry': c.id, 'data-identical': String(same) },
      h('h3', {}, c.title),
      h('p', { class: `badge ${same ? 'bad' : 'ok'}`, 'data-testid': `symmetry-verdict-${c.id}` }, verdict),
      table(w1, b1),
      h('p', { class: 'symmetry-text' }, c.text),
      h('details', {},
        h('summary', {}, 'program · ', h('a', { href: `/graph?program=${encodeURIComponent(c.program)}`, 'data-carry-presenter': '' }, 'step through it on /graph'),
          ' · ', h('a', { href: `/graph?program=${encodeURIComponent(c.program)}&optimizer=sgd&lr=0.5&iteration=20`, 'data-train-link': '', 'data-carry-presenter': '' },
            'after 20 SGD updates')),
        h('pre', {}, c.program)));
  }
}
