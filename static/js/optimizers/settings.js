// The race's settings beside it: the surface (a named one, or a custom f(x, y) with its
// window), the start, the steps and the gradient noise. A typed value is checked against the
// server's limits (meta.limits) and an invalid box is marked, never sent.
//
//   const settings = new RaceSettings(root, meta, { onSurface, onExpression, onStart, onDomain, onSteps, onNoise });
//   settings.update(state);   settings.showSurface(state, info);   settings.showError(detail);

import { h } from '../lib/dom.js';

/** The number typed in `input` if it is one within the bounds (else null, and the box is marked). */
function readNumber(input, { integer = false, min = -Infinity, max = Infinity } = {}) {
  const v = Number(input.value);
  const ok = input.value.trim() !== '' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max;
  input.classList.toggle('invalid', !ok);
  return ok ? v : null;
}

export class RaceSettings {
  /**
   * root: the element holding the settings' inputs (found by data-testid). meta: {surfaces,
   * limits}. callbacks: onSurface(id, typed) a surface was picked ('' for a custom one, with
   * the expression box's text); onExpression(text); onStart([x, y]); onDomain([x0, x1, y0, y1]);
   * onSteps(n); onNoise(null | [std, seed]).
   */
  constructor(root, meta, callbacks) {
    const $ = (testid) => root.querySelector(`[data-testid=${testid}]`);
    this.ui = {
      surface: $('surface'),
      expression: $('expression'),
      expressionBox: root.querySelector('.custom-expression'),
      error: $('expression-error'),
      note: $('surface-note'),
      domain: $('domain'),
      domainBoxes: ['x0', 'x1', 'y0', 'y1'].map((k) => $(`domain-${k}`)),
      startX: $('start-x'),
      startY: $('start-y'),
      steps: $('steps'),
      noiseStd: $('noise-std'),
      noiseSeed: $('noise-seed'),
    };
    this.limits = meta.limits;
    this.callbacks = callbacks;
    this.ui.surface.replaceChildren(
      ...meta.surfaces.map((s) => h('option', { value: s.id }, s.title)),
      h('option', { value: '' }, 'Custom f(x, y)…'));
    this.wire();
  }

  wire() {
    const { ui, callbacks, limits } = this;
    const coordinate = { min: -limits.max('start'), max: limits.max('start') };
    ui.surface.addEventListener('change', () => callbacks.onSurface(ui.surface.value, ui.expression.value));
    ui.expression.addEventListener('change', () => callbacks.onExpression(ui.expression.value.trim()));
    const onStart = () => {
      const x = readNumber(ui.startX, coordinate);
      const y = readNumber(ui.startY, coordinate);
      if (x !== null && y !== null) callbacks.onStart([x, y]);
    };
    ui.startX.addEventListener('change', onStart);
    ui.startY.addEventListener('change', onStart);
    const onDomain = () => {
      const v = ui.domainBoxes.map((box) => readNumber(box, coordinate));
      if (v.includes(null)) return;
      const [xOk, yOk] = [v[0] < v[1], v[2] < v[3]]; // "from" below "to"
      [xOk, xOk, yOk, yOk].forEach((ok, i) => ui.domainBoxes[i].classList.toggle('invalid', !ok));
      if (xOk && yOk) callbacks.onDomain(v);
    };
    ui.domainBoxes.forEach((box) => box.addEventListener('change', onDomain));
    ui.steps.addEventListener('change', () => {
      const v = readNumber(ui.steps, { integer: true, min: 1, max: limits.max('steps') });
      if (v !== null) callbacks.onSteps(v);
    });
    const onNoise = () => {
      const std = readNumber(ui.noiseStd, { min: 0, max: limits.max('noise.std') });
      const seed = readNumber(ui.noiseSeed, { integer: true, min: 0, max: limits.max('seed') });
      if (std !== null && seed !== null) callbacks.onNoise(std > 0 ? [std, seed] : null);
    };
    ui.noiseStd.addEventListener('change', onNoise);
    ui.noiseSeed.addEventListener('change', onNoise);
  }

  /** Show the state's start, steps, noise and window in their boxes. */
  update(state) {
    const { ui } = this;
    const [x, y] = state.startPoint;
    ui.startX.value = String(x);
    ui.startY.value = String(y);
    ui.steps.value = String(state.steps);
    ui.noiseStd.value = String(state.noise?.[0] ?? 0);
    ui.noiseSeed.value = String(state.noise?.[1] ?? 0);
    const bounds = state.bounds;
    [...bounds.x, ...bounds.y].forEach((v, i) => {
      ui.domainBoxes[i].value = String(v);
      ui.domainBoxes[i].classList.remove('invalid');
    });
  }

  /** Show which surface the state has chosen (the custom one's box and window only for it). */
  showChoice(state) {
    const { ui } = this;
    ui.surface.value = state.expr !== null ? '' : state.surface;
    ui.expressionBox.hidden = state.expr === null;
    if (state.expr !== null) ui.expression.value = state.expr;
    this.showError(null);
  }

  /** Say what the surface is: its formula and story (a model surface's program too), or f(x, y) = … */
  showSurface(state, info) {
    const { ui } = this;
    ui.note.replaceChildren(state.expr !== null ? `f(x, y) = ${state.expr}` : `${info.formula}. ${info.description}`);
    ui.domain.hidden = state.expr === null;
    if (info.program) { // a model surface: the program whose loss it is, over x = w and y = b
      ui.note.append(h('details', {}, h('summary', {}, 'the model as a program (x = w, y = b)'),
        h('pre', { class: 'model-program', 'data-testid': 'model-program' }, info.program)));
    }
  }

  /** An error of the surface or the race (the API's detail; its line and column when it has them), or none. */
  showError(detail) {
    const { error } = this.ui;
    error.hidden = !detail;
    if (detail) error.textContent = detail.line ? `line ${detail.line}, column ${detail.column}: ${detail.message}` : detail.message;
  }
}
