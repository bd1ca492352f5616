// Numbers and tensors as the lecture writes them: scalars as numbers, small tensors
// (≤ 6×6) as matrices in full, larger ones as a heatmap with their shape and norm.

import { h } from '../lib/dom.js';
import { fmt } from '../lib/format.js';

const MAX_FULL = 6;

export function shapeOf(value) {
  const shape = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

export function shapeText(shape) {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** "scalar", "vector of 3", "4×3 matrix", "2×3×4 tensor". */
export function describeShape(shape) {
  if (shape.length === 0) return 'scalar';
  if (shape.length === 1) return `vector of ${shape[0]}`;
  return `${shapeText(shape)} ${shape.length === 2 ? 'matrix' : 'tensor'}`;
}

function flatten(value) {
  return Array.isArray(value) ? value.flat(Infinity) : [value];
}

export function isScalar(value) {
  return typeof value === 'number';
}

function norm(value) {
  return Math.sqrt(flatten(value).reduce((acc, x) => acc + x * x, 0));
}

/** Every entry equal (and more than one of them): shown as "c everywhere". */
function uniformValue(value) {
  if (isScalar(value)) return null;
  const flat = flatten(value);
  if (flat.length < 2) return null;
  return flat.every((x) => x === flat[0]) ? flat[0] : null;
}

/** Short text for an edge label: a number, a tiny vector in full, or the shape. */
export function compact(value) {
  if (value === undefined || value === null) return '';
  if (isScalar(value)) return fmt(value);
  const inline = tinyVector(value);
  if (inline) return inline;
  const shape = shapeOf(value);
  return shape.length === 1 ? `vec ${shape[0]}` : shapeText(shape);
}

/** Is `compact(value)` a shape badge rather than numbers? */
export function isBadge(value) {
  return !(value === undefined || value === null || isScalar(value) || tinyVector(value));
}

function tinyVector(value) {
  if (shapeOf(value).length !== 1 || value.length > 3) return null;
  const text = `[${value.map((x) => fmt(x)).join(', ')}]`;
  return [...text].length <= 14 ? text : null;
}

/**
 * A DOM element showing `value`. role: 'value' (blue), 'grad' (red) or 'local' (ink).
 * Options: uniform — show "c everywhere (shape)" when every entry is the same.
 */
export function renderTensor(value, { role = 'value', uniform = false } = {}) {
  if (isScalar(value)) return h('span', { class: `num ${role}` }, fmt(value));
  const shape = shapeOf(value);
  const same = uniform ? uniformValue(value) : null;
  if (same !== null) {
    return h('span', { class: `tensor ${role}` },
      h('span', { class: `everywhere num ${role}` }, `${fmt(same)} everywhere`),
      h('span', { class: 'caption' }, `shape ${shapeText(shape)}`));
  }
  if (shape.length <= 2 && shape.every((n) => n <= MAX_FULL) && shape.every((n) => n > 0)) {
    const rows = shape.length === 1 ? [value] : value;
    return h('span', { class: `tensor ${role}` },
      h('table', { class: 'matrix' },
        h('tbody', {}, rows.map((row) => h('tr', {}, row.map((x) => h('td', {}, fmt(x))))))),
      h('span', { class: 'caption' }, describeShape(shape)));
  }
  return heatmap(value, shape, role);
}

function heatmap(value, shape, role) {
  const flat = flatten(value);
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = Math.max(1, flat.length / Math.max(1, cols));
  const canvas = h('canvas', { width: cols, height: rows, role: 'img' });
  const maxAbs = flat.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
  if (flat.length > 0) {
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(cols, rows);
    flat.forEach((x, i) => {
      const [r, g, b] = diverging(x / maxAbs);
      image.data.set([r, g, b, 255], i * 4);
    });
    ctx.putImageData(image, 0, 0);
  }
  // Scale up to fit about 280 × 150 CSS pixels, keeping square cells.
  const cell = Math.max(0.25, Math.min(16, 280 / cols, 150 / rows));
  canvas.style.width = `${Math.round(cols * cell)}px`;
  canvas.style.height = `${Math.round(rows * cell)}px`;
  const min = flat.reduce((m, x) => Math.min(m, x), Infinity);
  const max = flat.reduce((m, x) => Math.max(m, x), -Infinity);
  canvas.setAttribute('aria-label', `heatmap of a ${shapeText(shape)} tensor`);
  return h('span', { class: `tensor ${role}` }, canvas,
    h('span', { class: 'caption' },
      `shape ${shapeText(shape)} · ‖·‖ = ${fmt(norm(value))} · min ${fmt(min)} · max ${fmt(max)}`));
}

/** Blue (−1) → white (0) → red (+1). */
function diverging(t) {
  const c = Math.max(-1, Math.min(1, t));
  const [end, white] = [c < 0 ? [33, 102, 172] : [178, 24, 43], [247, 247, 247]];
  const a = Math.abs(c);
  return white.map((w, i) => Math.round(w + (end[i] - w) * a));
}
