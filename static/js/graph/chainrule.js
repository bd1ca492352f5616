// The chain-rule panel: what the current step computed, with numbers.
//
// Forward step: the node's expression, its inputs' values and its value.
// Backward step for node n: the gradient arriving at n, ∂L/∂n (the output's seed, or the
// sum over n's consumers of what each sent back: the fan-out), then for each input the
// local derivative × the incoming gradient = what n sends back to it. L is the output's
// own name (∂loss/∂w, ∂e/∂a), or L = sum(output) when the output is not a scalar; nodes
// are named as names.js says (never by the engine's made-up ids).

import { h, replace } from '../lib/dom.js';
import { fmt, term } from '../lib/format.js';
import { describeShape, isScalar, renderTensor, shapeOf, shapeText } from './tensor.js';

const INFIX = new Set(['+', '−', '×', '÷', '^']);

const v = (name) => h('var', {}, name);
const frac = (top, bottom) => h('span', { class: 'frac' }, h('span', {}, '∂', top), h('span', {}, '∂', bottom));
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
      info.description ? h('p', {}, inOwnWords(trace, info.description)) : null,
      h('p', { class: 'muted' },
        `Step 0 of ${trace.length}: the graph, nothing computed yet. Press → (or Space, PgDn) to run the forward `
        + `pass one node at a time (${trace.forward.length || trace.graph.nodes.length} steps); after the output, `
        + 'the backward pass walks back to the leaves, one node per step'
        + (trace.graph.nodes.some((n) => n.kind === 'const') ? ' (a constant has no backward step: nothing uses its gradient).' : '.')),
      trace.graph.seeded_with_ones
        ? h('p', {}, v(out), ` is not a scalar, so backprop starts from a gradient of ones at `, v(out),
          ': the gradient of L = sum(', v(out), ').')
        : null,
    ];
  }

  forward(trace, data) {
    const node = trace.node(data.node);
    const value = data.value;
    const head = h('h2', {}, h('span', { class: 'pill forward' }, 'forward'), nameEl(trace, node.id),
      h('span', { class: 'muted' }, describeShape(node.shape)));
    if (node.kind !== 'op') {
      const what = {
        input: ' is an input: data, not trained.',
        param: ' is a parameter: backprop will find the loss\'s gradient with respect to it.',
        const: ' is a constant.',
      }[node.kind];
      const bare = node.kind === 'const' && !node.named && isScalar(value); // "2 = 2" says nothing
      return [head, h('p', {}, nameEl(trace, node.id), what),
        bare ? null : eq('', nameEl(trace, node.id), op('='), renderTensor(value, { role: 'value' })),
        h('p', { class: 'muted' }, 'Its value now travels along its outgoing edges (blue).')];
    }
    const inputs = node.inputs.map((id) => trace.node(id));
    const values = node.inputs.map((id) => trace.value(id));
    const parts = [head, sourceLine(trace, node)];
    if (node.op === 'matmul' && isScalar(value) && values.every((x) => shapeOf(x).length === 1 && x.length <= 6)) {
      // A dot product of two short vectors, written out term by term.
      const [a, b] = values;
      const terms = a.map((x, i) => `${term(x)}·${term(b[i])}`).join(' + ');
      const product = h('span', {}, operandEl(trace, inputs[0].id), 'ᵀ', operandEl(trace, inputs[1].id));
      parts.push(eq('', nameEl(trace, node.id), op('='), product, op('='),
        arith(`${terms} = ${fmt(value)}`, 'value')));
    } else if (isScalar(value) && values.every(isScalar)) {
      const infix = INFIX.has(node.label) && inputs.length === 2;
      const names = inputs.map((n, k) => (infix
        ? nameEl(trace, n.id, { paren: trace.names.needsParens(node.id, k) })
        : nameEl(trace, n.id)));
      const numbers = values.map(term);
      const symbolic = INFIX.has(node.label) && inputs.length === 2
        ? [names[0], ` ${node.label} `, names[1]]
        : [node.label, '(', ...names.flatMap((n, i) => (i ? [', ', n] : [n])), ')'];
      const numeric = INFIX.has(node.label) && inputs.length === 2
        ? `${numbers[0]} ${node.label} ${numbers[1]}`
        : `${node.label}(${numbers.join(', ')})`;
      parts.push(eq('', nameEl(trace, node.id), op('='), h('span', {}, symbolic), op('='),
        arith(`${numeric} = ${fmt(value)}`, 'value')));
    } else {
      inputs.forEach((n, i) => parts.push(eq('', nameEl(trace, n.id), op('='), renderTensor(values[i], { role: 'value' }))));
      parts.push(eq('total', nameEl(trace, node.id), op('='), renderTensor(value, { role: 'value' })));
    }
    parts.push(h('p', { class: 'muted' }, 'The value travels on along the outgoing edges (blue).'));
    return parts;
  }

  backward(trace, data) {
    const node = trace.node(data.node);
    const L = trace.lossName;
    // What goes back to a constant is computed but used by nothing: the panel leaves it out.
    const shares = data.to.filter((share) => trace.node(share.input)?.kind !== 'const');
    const parts = [
      h('h2', {}, h('span', { class: 'pill backward' }, 'backward'), nameEl(trace, node.id),
        h('span', { class: 'muted' }, describeShape(node.shape))),
      node.kind === 'op' ? sourceLine(trace, node) : null,
      h('h3', {}, 'Gradient arriving at ', nameEl(trace, node.id)),
      ...this.incoming(trace, node, data, L),
    ];
    if (node.kind === 'op' && shares.length) {
      parts.push(h('h3', {}, shares.length > 1 ? 'Local gradient × incoming gradient, to each input'
        : 'Local gradient × incoming gradient, to its input'));
      shares.forEach((share) => parts.push(this.outgoing(trace, node, data, share, L)));
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
    const d = (top, bottom) => frac(nameEl(trace, top, { operand: true }), nameEl(trace, bottom, { operand: true }));
    const dL = (bottom) => frac(v(L), nameEl(trace, bottom, { operand: true }));
    const total = eq('total', dL(node.id), op('='), renderTensor(data.grad, { role: 'grad' }));
    if (node.id === trace.output) {
      if (trace.graph.seeded_with_ones) {
        return [h('p', {}, v(node.id), ' is the output and not a scalar: backprop starts from ones, the gradient of ',
          v('L'), ' = sum(', v(node.id), ').'),
        eq('total', dL(node.id), op('='), renderTensor(data.grad, { role: 'grad', uniform: true }))];
      }
      return [h('p', {}, 'Backprop starts at the output: ', frac(v(L), v(L)), ' = 1.'), total];
    }
    const received = trace.contributions(node.id);
    if (received.length === 0) {
      return [h('p', {}, 'Nothing downstream uses ', nameEl(trace, node.id), ', so its gradient is 0.'), total];
    }
    const parts = [];
    if (received.length > 1) {
      const users = [...new Set(received.map((c) => nameOf(trace, c.from)))].join(' and ');
      parts.push(h('p', {}, nameEl(trace, node.id), ` is used ${received.length} times (fan-out to ${users}), so its gradient `
        + 'is the sum of what each use sent back:'));
    }
    for (const c of received) {
      const incoming = trace.grad(c.from);
      const line = [
        h('span', { class: 'from' }, `from ${nameOf(trace, c.from)}`), d(c.from, node.id), op('·'), dL(c.from), op('='),
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
      parts.push(eq('total', dL(node.id), op('='),
        arith(`${received.map((c) => term(c.grad)).join(' + ')} = ${fmt(data.grad)}`, 'grad')));
    } else {
      if (received.length > 1) parts.push(h('p', { class: 'muted' }, 'Their sum:'));
      parts.push(total);
    }
    return parts;
  }

  outgoing(trace, node, data, share, L) {
    const input = trace.node(share.input);
    const to = () => h('span', { class: 'from' }, 'to ', nameEl(trace, input.id));
    const d = frac(nameEl(trace, node.id, { operand: true }), nameEl(trace, input.id, { operand: true }));
    const dL = (id) => frac(v(L), nameEl(trace, id, { operand: true }));
    const head = h('div', { class: 'from' }, to());
    if (share.local === null) {
      return h('div', { class: 'contrib' }, head,
        h('div', { class: 'rule' }, trace.names.rewrite(share.rule ?? '', L)),
        eq('', dL(input.id), op('+='), renderTensor(share.grad, { role: 'grad' })));
    }
    // The local derivative in symbols, e.g. "∂e/∂c = d", from the engine's op table.
    const formula = share.formula ? h('div', { class: 'rule' }, trace.names.rewrite(share.formula, L)) : null;
    if (isScalar(share.local) && isScalar(data.grad) && isScalar(share.grad)) {
      return h('div', { class: 'contrib' },
        eq('', to(), d, op('·'), dL(node.id), op('='),
          arith(`${term(share.local)} × ${term(data.grad)} = ${fmt(share.grad)}`, 'grad')),
        formula);
    }
    const reduced = shapeText(shapeOf(share.local)) !== shapeText(shapeOf(share.grad));
    return h('div', { class: 'contrib' }, head, formula,
      eq('', d, op('='), renderTensor(share.local, { role: 'local', uniform: true }),
        h('span', { class: 'muted' }, '(local, elementwise)')),
      eq('', d.cloneNode(true), op('⊙'), dL(node.id), op('='),
        reduced ? h('span', { class: 'muted' }, `summed over the broadcast axes to ${shapeText(input.shape)}:`) : null,
        renderTensor(share.grad, { role: 'grad' })));
  }

  summary(trace) {
    const L = trace.lossName;
    const leaves = Object.entries(trace.result.grads);
    return [
      h('h3', {}, 'Backprop done'),
      h('p', { class: 'muted' }, 'Output ', v(trace.output), ' = ',
        h('span', { class: 'num value' }, fmt(trace.result.loss)),
        trace.graph.seeded_with_ones ? ' (summed)' : '', '. Gradients of the leaves:'),
      // One row per leaf; its value and gradient sit side by side where they fit, else one under the other.
      h('ul', { class: 'leaves' }, leaves.map(([id, grad]) => h('li', { 'data-leaf': id },
        h('span', { class: 'leaf-name' }, frac(v(L), nameEl(trace, id, { operand: true }))),
        h('span', { class: 'leaf-part leaf-value' }, h('span', { class: 'caption' }, 'value'),
          renderTensor(trace.value(id), { role: 'value' })),
        h('span', { class: 'leaf-part leaf-grad' }, h('span', { class: 'caption' }, 'gradient'),
          renderTensor(grad, { role: 'grad' }))))),
    ];
  }
}

/** A node as the panel names it in words: its name, a constant's value, or an unnamed op's expression. */
function nameOf(trace, id) {
  return trace.names.name(id).text;
}

/**
 * A node's name as an element: a name in italics, a constant as a number, an expression
 * upright with its full text as a title when cut short. operand: in parentheses when it
 * is an expression (what follows ∂ or a product's factor).
 */
function nameEl(trace, id, { operand = false, paren = operand && trace.names.name(id).compound } = {}) {
  const node = trace.node(id);
  const { text, full } = trace.names.name(id);
  const title = full !== text ? full : null;
  if (node?.kind === 'const' && !node.named) return h('span', { class: 'num', title }, paren ? `(${text})` : text);
  if (!node || node.named || node.kind !== 'op') return v(text);
  return h('span', { class: 'expr', title }, paren ? `(${text})` : text);
}

const operandEl = (trace, id) => nameEl(trace, id, { operand: true });

/** The program text behind an op: "z = u + b"; an unnamed op's, when its name is cut short. */
function sourceLine(trace, node) {
  if (node.named) return h('p', {}, h('code', { class: 'source' }, `${node.id} = ${node.source}`));
  const { text, full } = trace.names.name(node.id);
  return full !== text ? h('p', {}, h('code', { class: 'source' }, node.source)) : null;
}

/** A preset's description with its ∂L/∂ (dL/d) written with the output's name. */
function inOwnWords(trace, text) {
  const L = trace.lossName;
  return L === 'L' ? text : text.replace(/(?:dL\/d|∂L\/∂)(?=[A-Za-z(])/g, `∂${L}/∂`);
}
