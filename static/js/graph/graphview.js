// The computational graph as SVG, drawn left to right like the lecture's slides.
//
// Layout comes from the engine (node.layer = column, node.row = vertical position,
// edge.points = waypoints in (layer, row) units); each gap between columns is made
// just wide enough for the labels that sit in it. Leaves are boxes with their names,
// ops are circles with their symbol and the assigned name beneath. Forward values ride
// on a node's outgoing edges (blue, above the wire); the gradient a node sends back
// along an edge rides beneath it (red); a node's own gradient sits beneath the node.

import { h, s } from '../lib/dom.js';
import { compact, isBadge } from './tensor.js';

const ROW = 132; // px between rows
const R = 27; // op circle radius
const LEAF_H = 42;
const STUB = 84; // the output's outgoing arrow
const MIN_GAP = 88; // clear space between columns
const LABEL_SIZE = 17;
const BADGE_SIZE = 14;
// Labels are 17 px at scale 1. A graph that would need less than the minimum scrolls in
// its box instead (the current node kept in view): on a projector and on a phone the
// numbers must stay readable, on a laptop a wider view of the graph is worth smaller type.
const MIN_SCALE = 0.5;
const MIN_SCALE_PRESENTER = 0.75;
const MIN_SCALE_STACKED = 0.7;
const MAX_SCALE = 1.5;
const MAX_SCALE_PRESENTER = 2.2;
const STACKED = '(max-width: 980px)'; // graph.css stacks the page's panes below this width

function textWidth(text, size) {
  return [...text].length * size * 0.56;
}

function labelWidth(value) {
  if (value === undefined) return 0;
  const text = compact(value);
  return isBadge(value) ? textWidth(text, BADGE_SIZE) + 16 : textWidth(text, LABEL_SIZE);
}

function leafText(node) {
  if (node.kind === 'const' && !node.named) {
    return node.source.length <= 8 ? node.source : `const ${node.shape.join('×')}`;
  }
  return node.id;
}

/** A node's box: its text and half width/height. */
function geometry(node) {
  if (node.kind !== 'op') {
    const text = leafText(node);
    return { text, round: false, long: false, halfW: Math.max(48, textWidth(text, 22) + 24) / 2, halfH: LEAF_H / 2 };
  }
  const text = node.label;
  const long = [...text].length > 2;
  const w = Math.max(2 * R, textWidth(text, long ? 17 : 24) + 22);
  return { text, round: true, long, halfW: w / 2, halfH: R };
}

/** x offset from the centre to the left boundary at height dy (ports spread vertically). */
function leftBoundary(g, dy) {
  if (!g.round) return g.halfW;
  const r = g.halfH;
  return g.halfW - r + Math.sqrt(Math.max(0, r * r - dy * dy));
}

function curve(points) {
  let d = `M${points[0][0]},${points[0][1]}`;
  for (let i = 1; i < points.length; i += 1) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const dx = (bx - ax) / 2;
    d += ` C${ax + dx},${ay} ${bx - dx},${by} ${bx},${by}`;
  }
  return d;
}

const midpoint = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];

export class GraphView {
  constructor(container) {
    this.el = container;
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(this.el);
    this.reset();
  }

  reset() {
    this.svg = null;
    this.nodeViews = new Map();
    this.edgeViews = [];
    this.el.replaceChildren(h('p', { class: 'placeholder' }, 'No graph yet: run a program.'));
  }

  /** Draw the graph of a complete trace, nothing revealed yet (labels are laid out, hidden). */
  setGraph(trace) {
    this.reset();
    const { graph } = trace;
    const geo = new Map(graph.nodes.map((n) => [n.id, geometry(n)]));

    // Edges, each knowing which input of its target it feeds (the k-th edge into a node).
    const seen = new Map();
    const edges = graph.edges.map((edge, i) => {
      const k = seen.get(edge.target) ?? 0;
      seen.set(edge.target, k + 1);
      // What goes back into a constant is used by nothing: its edge carries no gradient label.
      const grad = trace.node(edge.source)?.kind === 'const' ? undefined : trace.sent(edge.target, k)?.grad;
      return { ...edge, i, k, value: trace.value(edge.source), grad };
    });
    const consumers = new Map(graph.nodes.map((n) => [n.id, 0]));
    edges.forEach((e) => consumers.set(e.source, consumers.get(e.source) + 1));

    // Column x positions: each gap fits its widest label plus the nodes on either side.
    const layers = Math.max(...graph.nodes.map((n) => n.layer)) + 1;
    const half = Array(layers).fill(0);
    graph.nodes.forEach((n) => { half[n.layer] = Math.max(half[n.layer], geo.get(n.id).halfW); });
    const label = Array(layers).fill(0);
    for (const e of edges) {
      const from = e.points[0][0];
      const to = e.points[e.points.length - 1][0];
      label[from] = Math.max(label[from], labelWidth(e.value));
      label[to - 1] = Math.max(label[to - 1], labelWidth(e.grad));
    }
    const xs = [0];
    for (let l = 0; l + 1 < layers; l += 1) {
      xs.push(xs[l] + half[l] + half[l + 1] + Math.max(MIN_GAP, label[l] + 36));
    }
    const pos = new Map(graph.nodes.map((n) => [n.id, [xs[n.layer], n.row * ROW]]));
    const at = ([layer, row]) => [xs[layer], row * ROW];

    // Incoming ports: spread the edges entering a node, ordered by where they come from.
    const port = new Map();
    for (const node of graph.nodes) {
      const into = edges.filter((e) => e.target === node.id)
        .sort((a, b) => a.points[a.points.length - 2][1] - b.points[b.points.length - 2][1] || a.i - b.i);
      const g = geo.get(node.id);
      const gap = into.length > 1 ? Math.min(15, (g.halfH * 1.2) / (into.length - 1)) : 0;
      into.forEach((e, j) => port.set(e.i, (j - (into.length - 1) / 2) * gap));
    }

    const bounds = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
    const grow = (x, y) => {
      bounds.x0 = Math.min(bounds.x0, x); bounds.x1 = Math.max(bounds.x1, x);
      bounds.y0 = Math.min(bounds.y0, y); bounds.y1 = Math.max(bounds.y1, y);
    };
    const edgeLayer = s('g', { class: 'edges' });
    const nodeLayer = s('g', { class: 'nodes' });

    for (const e of edges) {
      const [sx, sy] = pos.get(e.source);
      const [tx, ty] = pos.get(e.target);
      const dy = port.get(e.i);
      const start = [sx + geo.get(e.source).halfW, sy];
      const end = [tx - leftBoundary(geo.get(e.target), dy) - 1, ty + dy];
      const points = [start, ...e.points.slice(1, -1).map(at), end];
      const view = this.edgeView(points, midpoint(points[0], points[1]),
        midpoint(points[points.length - 2], points[points.length - 1]),
        { 'data-source': e.source, 'data-target': e.target }, e.value, e.grad);
      edgeLayer.append(view.g);
      this.edgeViews.push({ ...view, source: e.source, target: e.target, forwardOf: e.source, backwardOf: e.target });
      grow(view.valueAt[0], view.valueAt[1] - 24);
      grow(view.gradAt[0], view.gradAt[1] + 32);
    }

    for (const node of graph.nodes) {
      const [x, y] = pos.get(node.id);
      const g = geo.get(node.id);
      const view = this.nodeView(node, g, x, y, trace.grad(node.id));
      nodeLayer.append(view.g);
      this.nodeViews.set(node.id, view);
      // A node's own gradient is written under it and may be wider than the node.
      const grad = trace.grad(node.id);
      const half = Math.max(g.halfW + 8, grad === undefined ? 0 : textWidth(`∂ ${compact(grad)}`, 16) / 2 + 4);
      grow(x - half, y - g.halfH - 8);
      grow(x + half, y + view.bottom);
      if (consumers.get(node.id) === 0) {
        // The output (or an unused node): an arrow out to the right carries its value and seed.
        const start = [x + g.halfW, y];
        const end = [x + g.halfW + STUB, y];
        const value = trace.value(node.id);
        const stub = this.edgeView([start, end], midpoint(start, end), midpoint(start, end),
          { 'data-source': node.id, 'data-output': node.id === graph.output ? 'true' : null },
          value, trace.grad(node.id));
        stub.g.classList.add('stub');
        edgeLayer.append(stub.g);
        this.edgeViews.push({ ...stub, forwardOf: node.id, backwardOf: node.id });
        grow(end[0] + 6, y);
        grow(stub.valueAt[0] + labelWidth(value) / 2, y - 24);
      }
    }

    const pad = 18;
    this.box = {
      x: bounds.x0 - pad, y: bounds.y0 - pad, w: bounds.x1 - bounds.x0 + 2 * pad, h: bounds.y1 - bounds.y0 + 2 * pad,
    };
    this.svg = s('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `${this.box.x} ${this.box.y} ${this.box.w} ${this.box.h}`,
      role: 'img',
      'aria-label': `computational graph with ${graph.nodes.length} nodes`,
    }, this.defs(), edgeLayer, nodeLayer);
    this.el.replaceChildren(this.svg);
    this.fit();
  }

  defs() {
    const marker = (id, cls, reverse) => s('marker', {
      id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 11, markerHeight: 11,
      markerUnits: 'userSpaceOnUse', orient: reverse ? 'auto-start-reverse' : 'auto',
    }, s('path', { d: 'M0,0.8 L10,5 L0,9.2 z', class: cls }));
    return s('defs', {},
      marker('arrow', 'marker-arrow'),
      marker('arrow-value', 'marker-value'),
      marker('arrow-grad', 'marker-grad', true));
  }

  edgeView(points, valueAt, gradAt, attrs, value, grad) {
    const g = s('g', { class: 'edge', ...attrs },
      s('path', { class: 'wire', d: curve(points) }),
      edgeLabel('value-label', valueAt, -9, value),
      edgeLabel('grad-label', gradAt, 22, grad));
    return { g, valueAt, gradAt };
  }

  nodeView(node, geo, x, y, grad) {
    const named = node.kind === 'op' && node.named; // anonymous ops (add_1) show no name
    const shape = (cls, grow) => s('rect', {
      class: cls,
      x: -geo.halfW - grow,
      y: -geo.halfH - grow,
      width: 2 * (geo.halfW + grow),
      height: 2 * (geo.halfH + grow),
      rx: geo.round ? geo.halfH + grow : (node.kind === 'param' ? 12 : 4) + grow,
    });
    const nameY = geo.halfH + 22;
    const gradY = named ? nameY + 21 : geo.halfH + 26;
    const title = node.kind === 'op'
      ? (node.named ? `${node.id} = ${node.source}` : node.source)
      : `${node.named ? `${node.id} = ` : ''}${node.source} (${node.kind})`;
    const g = s('g', {
      class: `node kind-${node.kind}`, 'data-node-id': node.id, 'data-op': node.op, transform: `translate(${x},${y})`,
    },
    s('title', {}, `${title}, shape ${node.shape.length ? node.shape.join('×') : 'scalar'}`),
    shape('focus-ring', 7),
    shape('shape', 0),
    s('text', { class: `symbol${geo.long ? ' long' : ''}` }, geo.text),
    named ? s('text', { class: 'name halo-text', y: nameY }, node.id) : null,
    s('text', { class: 'grad-label halo-text', y: gradY }, grad === undefined ? '' : `∂ ${compact(grad)}`));
    return { g, bottom: gradY + 6 };
  }

  /**
   * Size the drawing to its container: fit, but never tiny nor huge. Stacked (a phone),
   * the page scrolls down, so only the width counts and the box takes the drawing's height.
   */
  fit() {
    if (!this.svg) return;
    const stacked = window.matchMedia(STACKED).matches;
    const presenter = document.documentElement.classList.contains('presenter');
    const w = this.el.clientWidth - 16;
    const h = stacked ? Infinity : this.el.clientHeight - 16;
    if (w <= 0 || h <= 0) return;
    const max = presenter ? MAX_SCALE_PRESENTER : MAX_SCALE;
    const min = Math.max(MIN_SCALE, presenter ? MIN_SCALE_PRESENTER : 0, stacked ? MIN_SCALE_STACKED : 0);
    const scale = Math.max(min, Math.min(max, w / this.box.w, h / this.box.h));
    this.svg.setAttribute('width', String(Math.floor(this.box.w * scale)));
    this.svg.setAttribute('height', String(Math.floor(this.box.h * scale)));
  }

  /** A graph too wide for its box scrolls: keep the current node in view. */
  reveal(el) {
    const box = el.getBoundingClientRect();
    const view = this.el.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right || box.top < view.top || box.bottom > view.bottom) {
      this.el.scrollBy({
        left: box.left + box.width / 2 - (view.left + view.width / 2),
        top: box.top + box.height / 2 - (view.top + view.height / 2),
      });
    }
  }

  /** Show what step `step` of `trace` has revealed. */
  update(trace, step) {
    if (!this.svg) return;
    const event = trace.eventAt(step);
    const current = event?.data.node ?? null;
    for (const [id, view] of this.nodeViews) {
      const g = view.g;
      const hasValue = trace.valueStep(id) <= step;
      const hasGrad = trace.gradStep(id) <= step;
      g.classList.toggle('revealed', hasValue);
      g.classList.toggle('has-grad', hasGrad);
      setData(g, 'value', hasValue ? trace.value(id) : undefined);
      setData(g, 'grad', hasGrad ? trace.grad(id) : undefined);
      const isCurrent = id === current;
      if (isCurrent) g.dataset.current = 'true';
      else g.removeAttribute('data-current');
      g.classList.toggle('current', isCurrent);
      g.classList.toggle('forward', isCurrent && event.phase === 'forward');
      g.classList.toggle('backward', isCurrent && event.phase === 'backward');
      if (isCurrent) this.reveal(g);
    }
    for (const view of this.edgeViews) {
      view.g.classList.toggle('has-value', trace.valueStep(view.forwardOf) <= step);
      view.g.classList.toggle('has-grad', trace.gradStep(view.backwardOf) <= step);
      view.g.classList.toggle('active-forward', event?.phase === 'forward' && current === view.forwardOf);
      view.g.classList.toggle('active-backward', event?.phase === 'backward' && current === view.backwardOf);
      // The contributions the current backward node sums up (its fan-out) come in on its outgoing edges.
      view.g.classList.toggle('gathering', event?.phase === 'backward' && current === view.forwardOf
        && view.forwardOf !== view.backwardOf);
    }
  }
}

function edgeLabel(cls, [x, y], dy, value) {
  const group = s('g', { class: cls, transform: `translate(${x},${y + dy})` });
  if (value === undefined) return group;
  const text = compact(value);
  if (isBadge(value)) {
    const w = textWidth(text, BADGE_SIZE) + 14;
    group.classList.add('is-badge');
    group.append(s('rect', { class: 'badge-box', x: -w / 2, y: -14, width: w, height: 20, rx: 10 }));
  }
  group.append(s('text', { class: 'halo-text' }, text));
  return group;
}

function setData(el, key, value) {
  if (value === undefined) el.removeAttribute(`data-${key}`);
  else el.setAttribute(`data-${key}`, JSON.stringify(value));
}
