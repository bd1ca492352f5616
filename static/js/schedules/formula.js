// A schedule's formula (the registry's `formula` string, e.g. "η(t) = η₀·(1 + t/r)^(−c)")
// set the way the lecture writes it: math font, variables in italics, `^(…)` and `^⌊…⌋`
// as superscripts, `η_min` with a subscript, function names (exp, cos, mod, min) upright.
// The string itself is kept in data-formula (and the title) exactly as the API sent it.

import { h } from '../lib/dom.js';

const FUNCTIONS = new Set(['exp', 'log', 'cos', 'sin', 'min', 'max', 'mod']);
// words, numbers, ^, brackets, anything else one character at a time
const TOKEN = /\s+|[\p{L}][\p{L}'’]*(?:_[\p{L}\d]+)?[\u2080-\u2089\u1d62\u208a\u208b\u2c7c]*|\d+(?:\.\d+)?|./gu;
const CLOSE = { '(': ')', '⌊': '⌋', '⌈': '⌉', '[': ']' };
// Unicode subscripts (η₀, vᵢ, bᵢ₊₁) set as <sub>: many serif fonts lack their glyphs.
const SUBSCRIPTS = { ᵢ: 'i', ⱼ: 'j', '₊': '+', '₋': '−', ...Object.fromEntries([...'₀₁₂₃₄₅₆₇₈₉'].map((c, k) => [c, String(k)])) };

/** The formula as an element; names: the schedule's parameter names (set in italics like variables). */
export function formula(text, names = []) {
  const el = h('span', { class: 'formula', 'data-formula': text, title: text });
  el.append(...render(text.match(TOKEN) ?? [], new Set(names)));
  return el;
}

function render(tokens, names) {
  const out = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    if (token === '^' && i + 1 < tokens.length) {
      // the exponent: a bracketed group (its parentheses dropped, a floor's kept) or one token
      const open = tokens[i + 1];
      let end = i + 1;
      if (CLOSE[open]) {
        let depth = 0;
        for (; end < tokens.length; end += 1) {
          if (tokens[end] === open) depth += 1;
          else if (tokens[end] === CLOSE[open] && --depth === 0) break;
        }
      }
      const group = tokens.slice(i + 1, end + 1);
      const inner = open === '(' && group.at(-1) === ')' ? group.slice(1, -1) : group;
      out.push(h('sup', {}, render(inner, names)));
      i = end;
    } else {
      out.push(word(token, names));
    }
  }
  return out;
}

function word(token, names) {
  if (/^\s+$/u.test(token)) return token;
  if (/^\d/u.test(token)) return h('span', { class: 'num' }, token);
  if (!/^\p{L}/u.test(token)) return h('span', { class: 'op' }, token);
  if (names.has(token)) return h('span', { class: 'var' }, token); // a parameter: epoch_steps, not epoch with a subscript
  const [base, sub] = token.split('_');
  const [, letters, tail] = base.match(/^(.*?)([ᵢⱼ₊₋\u2080-\u2089]*)$/u);
  const rest = [...tail].map((c) => SUBSCRIPTS[c] ?? c).join(''); // η₀, vᵢ, bᵢ₊₁
  let kind = 'text';
  if (FUNCTIONS.has(letters)) kind = 'fn';
  else if ([...letters].length === 1 || sub) kind = 'var';
  const subscript = rest + (sub ?? '');
  return h('span', { class: kind }, letters, subscript ? h('sub', { class: /^\d+$/.test(subscript) ? 'num' : null }, subscript) : null);
}
