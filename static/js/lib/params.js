// A hyperparameter's control, built from the registry's metadata (GET /api/optimizers,
// /api/schedules, /api/inits): a slider (log scale where the metadata says so) and a
// box holding the exact value in the parameter's own units. A bool is a checkbox, a
// list a box of numbers separated by "|". A value the box cannot take is refused with
// the reason written beside it ("lr must be between 0 and 10"), not only in a tooltip.
//
//   const control = paramControl(param, value, (value) => …, { run: 'Adam' });
//   container.append(control.el);   control.set(0.01);

import { h } from './dom.js';
import { fmt } from './format.js';

const STEPS = 1000; // slider positions

/** Position 0…STEPS of `value` on the param's slider, and back. */
export function sliderScale(param) {
  const lo = param.slider_min ?? param.min;
  const hi = param.slider_max ?? param.max;
  if (param.scale === 'log') {
    const a = Math.log(lo);
    const b = Math.log(hi);
    return {
      toPosition: (v) => Math.round(((Math.log(Math.min(Math.max(v, lo), hi)) - a) / (b - a)) * STEPS),
      toValue: (p) => Math.exp(a + (p / STEPS) * (b - a)),
    };
  }
  return {
    toPosition: (v) => Math.round(((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * STEPS),
    toValue: (p) => lo + (p / STEPS) * (hi - lo),
  };
}

/** A slider's value rounded to what a person would type: 3 significant digits, whole for ints. */
function tidy(param, value) {
  if (param.kind === 'int') return Math.round(value);
  return Number(value.toPrecision(3));
}

/** Parse what the user typed; null if it is not a valid value of the param. */
export function parseParam(param, text) {
  if (param.kind === 'bool') return typeof text === 'boolean' ? text : ['1', 'true', 'on'].includes(String(text));
  if (param.kind === 'list') {
    const parts = String(text).split(/[|,;\s]+/).filter(Boolean).map(Number);
    return parts.length && parts.every(Number.isFinite) ? parts : null;
  }
  const value = Number(text);
  if (String(text).trim() === '' || !Number.isFinite(value)) return null;
  if (param.kind === 'int' && !Number.isInteger(value)) return null;
  if (value < param.min || value > param.max) return null;
  return value;
}

/** Why `text` is not a value of the param (for a value parseParam refuses). */
export function paramProblem(param, text) {
  if (param.kind === 'list') return `${param.name} must be numbers separated by |`;
  const range = `between ${fmt(param.min)} and ${fmt(param.max)}`;
  const value = Number(text);
  if (String(text).trim() === '' || !Number.isFinite(value)) return `${param.name} must be a number ${range}`;
  if (param.kind === 'int' && !Number.isInteger(value)) return `${param.name} must be a whole number ${range}`;
  return `${param.name} must be ${range}`;
}

export function formatParam(param, value) {
  if (param.kind === 'list') return value.join('|');
  if (param.kind === 'bool') return value ? 'true' : 'false';
  return number(value);
}

/** A number as a person types it: exact, and in exponent form when tiny ("1e-6", not "0.000001"). */
function number(value) {
  return value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential() : String(value);
}

/**
 * The control of one param. onInput(value) fires as the user moves the slider or types
 * a valid value (an invalid one marks the box, says why in a line below it, and fires
 * nothing). dataset: attributes for the typed box (e.g. {run: label} gives data-run),
 * which the slider does not carry.
 */
export function paramControl(param, value, onInput, dataset = {}) {
  const data = Object.fromEntries(Object.entries(dataset).map(([k, v]) => [`data-${k}`, v]));
  const id = `p-${Math.random().toString(36).slice(2, 9)}`;
  const label = h('label', { for: id, title: param.description }, param.name);
  if (param.kind === 'bool') {
    const box = h('input', { id, type: 'checkbox', 'data-param': param.name, ...data });
    box.checked = Boolean(value);
    box.addEventListener('input', () => onInput(box.checked));
    return { el: h('div', { class: 'param param-bool' }, box, label), set: (v) => { box.checked = Boolean(v); } };
  }
  const box = h('input', {
    id, type: 'text', inputmode: 'decimal', class: 'param-box', 'data-param': param.name, ...data,
    'aria-label': `${param.name}: ${param.description}`, spellcheck: 'false',
  });
  box.value = formatParam(param, value);
  const problem = h('span', { id: `${id}-problem`, class: 'param-problem', 'aria-live': 'polite', hidden: true });
  const showProblem = (text) => {
    const invalid = text !== null;
    box.classList.toggle('invalid', invalid);
    box.setAttribute('aria-invalid', String(invalid));
    if (invalid) box.setAttribute('aria-describedby', problem.id);
    else box.removeAttribute('aria-describedby');
    box.title = text ?? '';
    problem.textContent = text ?? '';
    problem.hidden = !invalid;
  };
  let slider = null;
  let scale = null;
  if (param.kind !== 'list') {
    scale = sliderScale(param);
    slider = h('input', { type: 'range', min: 0, max: STEPS, step: 1, class: 'param-slider', 'aria-label': `${param.name} slider`, tabindex: -1 });
    slider.value = scale.toPosition(value);
    slider.addEventListener('input', () => {
      const v = tidy(param, scale.toValue(Number(slider.value)));
      box.value = formatParam(param, v);
      showProblem(null);
      onInput(v);
    });
  }
  box.addEventListener('input', () => {
    const v = parseParam(param, box.value);
    showProblem(v === null ? paramProblem(param, box.value) : null);
    if (v === null) return;
    if (slider) slider.value = scale.toPosition(v);
    onInput(v);
  });
  const el = h('div', { class: `param${param.scale === 'log' ? ' param-log' : ''}` }, label, slider, box, problem);
  return {
    el,
    set(v) {
      box.value = formatParam(param, v);
      showProblem(null);
      if (slider) slider.value = scale.toPosition(v);
    },
  };
}
