// The chain-rule panel: what the current step computed, with numbers.
//
// Forward step: the node's expression, its inputs' values and its value.
// Backward step for node n: the gradient arriving at n, ∂L/∂n (the output's seed, or the
// sum over n's consumers of what each sent back: the fan-out), then for each input the
// local derivative × the incoming gradient = what n sends back to it.

import { h, replace } from '../lib/dom.js';
import { fmt, term } from '../lib/format.js';
import { describeShape, isScalar, renderTensor, shapeOf, shapeText } from './tensor.js';

const INFIX = new Set(['+', '−', '×', '÷', '^']);

const v = (name) => h('var', {}, name);
const frac = (top, bottom) => h('span', { class: 'frac' },
  h('span', {}, '∂', v(top)), h('span', {}, '∂', v(bottom)));
const eq = (cls, ...parts) => h('div', { class: `eq ${cls}`.trim() }, parts);
const op = (text) => h('span', { class: 'op' }, text);
const arith = (text, role) => h('span', { class: `num ${role}` }, text);

export class ChainRulePanel {
  constructor(container) {
    this.el = container;
  }

  /** Show what step `step` of `trace` computed. info: {title, description} of the preset or program. */
  update(trace, step, info = {}) {
    const event = trace.eventAt(step);
    let parts;
    if (!event) parts = this.start(trace, info);
    else if (event.phase === 'forward') parts = this.forward(trace, event.data);
    else parts = this.backward(trace, event.data);
    if (step === trace.length) parts.push(...this.summary(trace));
    replace(this.el, parts);
  }

  start(trace, info) {
    const out = trace.output;
    return [
      h('h2', {}, h('span', { class: 'pill ready' }, 'ready'), info.title ?? 'Computational graph'),
      info.description ? h('p', {}, info.description) : null,
      h('p', { class: 'muted' },
        `Step 0 of ${trace.length}: the graph, nothing computed yet. Press → (or Space, PgDn) to run the forward `
        + `pass one node at a time (${trace.forward.length || trace.graph.nodes.length} steps); after the output, `
        + 'the backward pass walks back to the leaves, one node per step.'),
      trace.graph.seeded_with_ones
        ? h('p', {}, v(out), ` is not a scalar, so backprop starts from a gradient of ones at `, v(out),
          ': the gradient of L = sum(', v(out), ').')
        : null,
    ];
  }

  forward(trace, data) {
    const node = trace.node(data.node);
    const value = data.value;
    const head = h('h2', {}, h('span', { class: 'pill forward' }, 'forward'), v(node.id),
      h('span', { class: 'muted' }, describeShape(node.shape)));
    if (node.kind !== 'op') {
      const what = {
        input: ' is an input: data, not trained.',
        param: ' is a parameter: backprop will find the loss\'s gradient with respect to it.',
        const: ' is a constant.',
      }[node.kind];
      return [head, h('p', {}, v(node.kind === 'const' ? node.source : node.id), what),
        eq('', v(node.id), op('='), renderTensor(value, { role: 'value' })),
        h('p', { class: 'muted' }, 'Its value now travels along its outgoing edges (blue).')];
    }
    const inputs = node.inputs.map((id) => trace.node(id));
    const values = node.inputs.map((id) => trace.value(id));
    const parts = [head, h('p', {}, h('code', { class: 'source' }, `${node.id} = ${node.source}`))];
    if (node.op === 'matmul' && isScalar(value) && values.every((x) => shapeOf(x).length === 1 && x.length <= 6)) {
      // A dot product of two short vectors, written out term by term.
      const [a, b] = values;
      const terms = a.map((x, i) => `${term(x)}·${term(b[i])}`).join(' + ');
      const product = h('span', {}, displayName(inputs[0]), 'ᵀ', displayName(inputs[1]));
      parts.push(eq('', v(node.id), op('='), product, op('='),
        arith(`${terms} = ${fmt(value)}`, 'value')));
    } else if (isScalar(value) && values.every(isScalar)) {
      const names = inputs.map((n) => displayName(n));
      const numbers = values.map(term);
      const symbolic = INFIX.has(node.label) && inputs.length === 2
        ? [names[0], ` ${node.label} `, names[1]]
        : [node.label, '(', ...names.flatMap((n, i) => (i ? [', ', n] : [n])), ')'];
      const numeric = INFIX.has(node.label) && inputs.length === 2
        ? `${numbers[0]} ${node.label} ${numbers[1]}`
        : `${node.label}(${numbers.join(', ')})`;
      parts.push(eq('', v(node.id), op('='), h('span', {}, symbolic), op('='),
        arith(`${numeric} = ${fmt(value)}`, 'value')));
    } else {
      inputs.forEach((n, i) => parts.push(eq('', displayName(n), op('='), renderTensor(values[i], { role: 'value' }))));
      parts.push(eq('total', v(node.id), op('='), renderTensor(value, { role: 'value' })));
    }
    parts.push(h('p', { class: 'muted' }, 'The value travels on along the outgoing edges (blue).'));
    return parts;
  }

  backward(trace, data) {
    const node = trace.node(data.node);
    const L = lossName(trace);
    const parts = [
      h('h2', {}, h('span', { class: 'pill backward' }, 'backward'), v(node.id),
        h('span', { class: 'muted' }, describeShape(node.shape))),
      node.kind === 'op' ? h('p', {}, h('code', { class: 'source' }, `${node.id} = ${node.source}`)) : null,
      h('h3', {}, 'Gradient arriving at ', v(node.id)),
      ...this.incoming(trace, node, data, L),
    ];
    if (node.kind === 'op' && data.to.length) {
      parts.push(h('h3', {}, 'Local gradient × incoming gradient, to each input'));
      data.to.forEach((share) => parts.push(this.outgoing(trace, node, data, share, L)));
    } else if (node.kind === 'input' || node.kind === 'param') {
      parts.push(h('p', { class: 'muted' }, node.kind === 'param'
        ? 'A parameter: this gradient is what an optimizer uses to update it.'
        : 'An input: its gradient says how the output responds to the data.'));
    } else if (node.kind === 'const') {
      parts.push(h('p', { class: 'muted' }, 'A constant: its gradient is computed but nothing uses it.'));
    }
    return parts;
  }

  incoming(trace, node, data, L) {
    const total = eq('total', frac(L, node.id), op('='), renderTensor(data.grad, { role: 'grad' }));
    if (node.id === trace.output) {
      if (trace.graph.seeded_with_ones) {
        return [h('p', {}, v(node.id), ' is the output and not a scalar: backprop starts from ones, the gradient of ',
          v('L'), ' = sum(', v(node.id), ').'),
        eq('total', frac(L, node.id), op('='), renderTensor(data.grad, { role: 'grad', uniform: true }))];
      }
      return [h('p', {}, 'Backprop starts at the output: ', frac(L, L), ' = 1.'), total];
    }
    const received = trace.contributions(node.id);
    if (received.length === 0) {
      return [h('p', {}, 'Nothing downstream uses ', v(node.id), ', so its gradient is 0.'), total];
    }
    const parts = [];
    if (received.length > 1) {
      const users = [...new Set(received.map((c) => nameOf(trace, c.from)))].join(' and ');
      parts.push(h('p', {}, v(node.id), ` is used ${received.length} times (fan-out to ${users}), so its gradient `
        + 'is the sum of what each use sent back:'));
    }
    for (const c of received) {
      const incoming = trace.grad(c.from);
      const line = [
        h('span', { class: 'from' }, `from ${nameOf(trace, c.from)}`), frac(c.from, node.id), op('·'), frac(L, c.from), op('='),
      ];
      if (c.local !== null && isScalar(c.local) && isScalar(incoming) && isScalar(c.grad)) {
        line.push(arith(`${term(c.local)} × ${term(incoming)} = ${fmt(c.grad)}`, 'grad'));
      } else {
        line.push(renderTensor(c.grad, { role: 'grad' }));
      }
      parts.push(eq('', ...line));
    }
    const scalars = received.every((c) => isScalar(c.grad)) && isScalar(data.grad);
    if (received.length > 1 && scalars) {
      parts.push(eq('total', frac(L, node.id), op('='),
        arith(`${received.map((c) => term(c.grad)).join(' + ')} = ${fmt(data.grad)}`, 'grad')));
    } else {
      if (received.length > 1) parts.push(h('p', { class: 'muted' }, 'Their sum:'));
      parts.push(total);
    }
    return parts;
  }

  outgoing(trace, node, data, share, L) {
    const input = trace.node(share.input);
    const head = h('div', { class: 'from' }, 'to ', v(nameOf(trace, input.id)));
    if (share.local === null) {
      return h('div', { class: 'contrib' }, head,
        h('div', { class: 'rule' }, share.rule ?? ''),
        eq('', frac(L, input.id), op('+='), renderTensor(share.grad, { role: 'grad' })));
    }
    // The local derivative in symbols, e.g. "∂e/∂c = d", from the engine's op table.
    const formula = share.formula ? h('div', { class: 'rule' }, share.formula) : null;
    if (isScalar(share.local) && isScalar(data.grad) && isScalar(share.grad)) {
      return h('div', { class: 'contrib' },
        eq('', h('span', { class: 'from' }, 'to ', v(nameOf(trace, input.id))),
          frac(node.id, input.id), op('·'), frac(L, node.id), op('='),
          arith(`${term(share.local)} × ${term(data.grad)} = ${fmt(share.grad)}`, 'grad')),
        formula);
    }
    const reduced = shapeText(shapeOf(share.local)) !== shapeText(shapeOf(share.grad));
    return h('div', { class: 'contrib' }, head, formula,
      eq('', frac(node.id, input.id), op('='), renderTensor(share.local, { role: 'local', uniform: true }),
        h('span', { class: 'muted' }, '(local, elementwise)')),
      eq('', frac(node.id, input.id), op('⊙'), frac(L, node.id), op('='),
        reduced ? h('span', { class: 'muted' }, `summed over the broadcast axes to ${shapeText(input.shape)}:`) : null,
        renderTensor(share.grad, { role: 'grad' })));
  }

  summary(trace) {
    const L = lossName(trace);
    const leaves = Object.entries(trace.result.grads);
    return [
      h('h3', {}, 'Backprop done'),
      h('p', { class: 'muted' }, 'Output ', v(trace.output), ' = ',
        h('span', { class: 'num value' }, fmt(trace.result.loss)),
        trace.graph.seeded_with_ones ? ' (summed)' : '', '. Gradients of the leaves:'),
      h('table', { class: 'summary' },
        h('thead', {}, h('tr', {}, h('th', {}, 'leaf'), h('th', {}, 'value'), h('th', {}, 'gradient'))),
        h('tbody', {}, leaves.map(([id, grad]) => h('tr', {},
          h('td', {}, frac(L, id)),
          h('td', {}, renderTensor(trace.value(id), { role: 'value' })),
          h('td', {}, renderTensor(grad, { role: 'grad' })))))),
    ];
  }
}

function lossName(trace) {
  return trace.graph.seeded_with_ones ? 'L' : trace.output;
}

/** A node as the panel names it in words: its name, or for an anonymous op its source, e.g. `X @ W1`. */
function nameOf(trace, id) {
  const node = trace.node(id);
  return node && node.kind === 'op' && node.named === false && node.source ? node.source : id;
}

function displayName(node) {
  if (node.kind === 'const') return h('span', { class: 'num' }, node.source);
  return v(node.id);
}
