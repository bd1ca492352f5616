// The trace of one run, as it arrives from the stream, and what each step reveals.
//
// Step numbering: with F forward events and B backward events, N = F + B.
//   step 0          the graph is drawn, nothing computed yet;
//   step k ≤ F      forward event k has run: nodes forward[0..k-1] show their values,
//                   forward[k-1].node is the current node;
//   step F + j      backward event j has run (j = 1..B): every value, and the gradients
//                   of backward[0..j-1]; backward[j-1].node is the current node.
// Stepping back from k to k − 1 hides exactly what step k revealed.
//
// A constant's backward event is not a step: nothing uses a constant's gradient, so the
// stepper goes straight from its consumer to the next node (the API's trace keeps it).

import { Names } from './names.js';

export class Trace {
  constructor(graph) {
    this.graph = graph;
    this.nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    this.names = new Names(graph);
    this.forward = [];
    this.backward = [];
    this.result = null; // the `done` event: {grads, loss}
    this.forwardIndex = new Map();
    this.backwardIndex = new Map();
    this.received = new Map(graph.nodes.map((n) => [n.id, []])); // node → contributions from its consumers
  }

  add(kind, data) {
    if (kind === 'forward') {
      this.forwardIndex.set(data.node, this.forward.length);
      this.forward.push(data);
    } else if (kind === 'backward') {
      if (this.nodes.get(data.node)?.kind === 'const' && data.node !== this.graph.output) return;
      const index = this.backward.length;
      this.backwardIndex.set(data.node, index);
      this.backward.push(data);
      data.to.forEach((share, k) => {
        this.received.get(share.input)?.push({ from: data.node, k, index, ...share });
      });
    } else if (kind === 'done') {
      this.result = data;
    }
  }

  get complete() { return this.result !== null; }
  get length() { return this.forward.length + this.backward.length; }
  get output() { return this.graph.output; }
  /** What ∂·/∂x differentiates: the output by its name, or L = sum(output) when it is not a scalar. */
  get lossName() { return this.graph.seeded_with_ones ? 'L' : this.graph.output; }

  node(id) { return this.nodes.get(id); }

  /** {phase, index, data} of the event that step `step` ran, or null at step 0. */
  eventAt(step) {
    if (step < 1 || step > this.length) return null;
    if (step <= this.forward.length) return { phase: 'forward', index: step - 1, data: this.forward[step - 1] };
    const index = step - this.forward.length - 1;
    return { phase: 'backward', index, data: this.backward[index] };
  }

  phaseAt(step) {
    return this.eventAt(step)?.phase ?? 'ready';
  }

  /** The step at which a node's value appears (Infinity: not yet streamed). */
  valueStep(id) {
    const i = this.forwardIndex.get(id);
    return i === undefined ? Infinity : i + 1;
  }

  /** The step at which a node's own backward event runs. */
  gradStep(id) {
    const i = this.backwardIndex.get(id);
    return i === undefined ? Infinity : this.forward.length + i + 1;
  }

  value(id) {
    const i = this.forwardIndex.get(id);
    return i === undefined ? undefined : this.forward[i].value;
  }

  grad(id) {
    const i = this.backwardIndex.get(id);
    return i === undefined ? undefined : this.backward[i].grad;
  }

  /** What node `target` sent back to its k-th input, or undefined before its backward event. */
  sent(target, k) {
    const i = this.backwardIndex.get(target);
    return i === undefined ? undefined : this.backward[i].to[k];
  }

  /** Contributions to a node's gradient from the backward events of its consumers, in order. */
  contributions(id) {
    return this.received.get(id) ?? [];
  }
}
