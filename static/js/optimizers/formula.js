// A registry's formula laid out to fit a run card: a line per statement ("a = …;  b = …"),
// each line wrapping between its parts (clauses after ", " or a wide space), a trailing
// "(…)" note on a line of its own, and any part still wider than the card scaled down to
// fit. A formula never runs off its card (Adam's and RProp's are long).

import { h } from '../lib/dom.js';
import { mathml } from '../lib/math.js';

const OPEN = '([{⌊';
const CLOSE = ')]}⌋';

/** text split at `separator` where no bracket is open (the separator stays with the part before). */
export function splitTop(text, separator) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (OPEN.includes(c)) depth += 1;
    else if (CLOSE.includes(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i + separator.trimEnd().length).trim());
      start = i + separator.length;
      i = start - 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

/** Whether text is one bracketed note "( … )", its first bracket closing at its end. */
function bracketed(text) {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (OPEN.includes(text[i])) depth += 1;
    else if (CLOSE.includes(text[i]) && --depth === 0) return i === text.length - 1;
  }
  return false;
}

function part(text, before = '', after = '') {
  return h('span', { class: 'formula-part' }, before, mathml(text), after);
}

/** The formula's lines: a statement a line (parts at ", " and wide spaces), a trailing note "(…)" apart. */
export function formulaBlock(text) {
  const lines = [];
  for (const statement of splitTop(text, ';')) {
    const pieces = splitTop(statement.replace(/;$/, ''), '  ');
    const notes = pieces.filter(bracketed);
    const parts = pieces.filter((piece) => !bracketed(piece)).flatMap((piece) => splitTop(piece, ', '));
    if (parts.length) lines.push(h('div', { class: 'formula-line' }, parts.map((p) => part(p))));
    for (const note of notes) { // its brackets as text: MathML would close an unmatched one by itself
      const sentences = splitTop(note.slice(1, -1), ';');
      sentences.forEach((sentence, i) => {
        const bits = splitTop(sentence, ', ');
        lines.push(h('div', { class: 'formula-line formula-note' }, bits.map((bit, j) => part(bit,
          i === 0 && j === 0 ? '(' : '', i === sentences.length - 1 && j === bits.length - 1 ? ')' : ''))));
      });
    }
  }
  const block = h('div', { class: 'formula-lines' }, lines);
  block.title = text;
  return block;
}

/** Scale down each part of `block` that is wider than its line (call once it is laid out). */
export function fitFormula(block) {
  for (const part of block.querySelectorAll('.formula-part')) {
    part.style.removeProperty('--fit');
    const room = part.parentElement.clientWidth;
    const need = part.scrollWidth;
    if (room > 0 && need > room) part.style.setProperty('--fit', String(Math.max(0.5, (room - 1) / need).toFixed(3)));
  }
}
