// The registries' formulas (plain text such as "Δw(t) = −η d(t) + α Δw(t−1)") as MathML,
// which Chromium renders natively: no renderer to download, nothing leaves the server.
// Single letters become italic identifiers, words upright text, Unicode super- and
// subscripts (αᵗ, η₀, d(t)²) real scripts, √(…) a radical and x^(…) a power.

const NS = 'http://www.w3.org/1998/Math/MathML';
const SUP = { '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', 'ᵗ': 't', '⁺': '+', '⁻': '−', 'ᴸ': 'L' };
const SUB = { '₀': '0', '₁': '1', '₂': '2', '₃': '3', 'ᵢ': 'i', '₊': '+', 'ₗ': 'l' };
const OPERATORS = new Set('=+−-·×/←≤≥<>~,;:()[]⌊⌋|!'.split(''));
const OPEN = { '(': ')', '[': ']', '⌊': '⌋' };

function el(tag, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** Split text into tokens: words, numbers, single letters, scripts, operators, √, ^ and wide spaces. */
function tokenize(text) {
  const tokens = [];
  const pattern = /(\s{2,})|(\s)|([A-Za-z][A-Za-z_']+)|(\d+(?:\.\d+)?)|([⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ⁺⁻ᴸ]+)|([₀₁₂₃ᵢ₊ₗ]+)|(:=)|_([A-Za-z]+)|(.)/gu;
  for (const m of text.matchAll(pattern)) {
    if (m[8]) tokens.push({ kind: 'sub', text: m[8] }); // η_min
    else if (m[1]) tokens.push({ kind: 'gap' });
    else if (m[2]) continue;
    else if (m[3]) tokens.push({ kind: 'word', text: m[3] });
    else if (m[4]) tokens.push({ kind: 'number', text: m[4] });
    else if (m[5]) tokens.push({ kind: 'sup', text: [...m[5]].map((c) => SUP[c]).join('') });
    else if (m[6]) tokens.push({ kind: 'sub', text: [...m[6]].map((c) => SUB[c]).join('') });
    else if (m[7]) tokens.push({ kind: 'op', text: '≔' });
    else tokens.push({ kind: OPERATORS.has(m[9]) ? 'op' : m[9] === '√' ? 'sqrt' : m[9] === '^' ? 'power' : 'letter', text: m[9] });
  }
  return tokens;
}

function script(text) {
  if (/^\d+$/.test(text)) return el('mn', text);
  if (/^\p{L}$/u.test(text)) return el('mi', text);
  return /^\p{L}+$/u.test(text) ? el('mtext', text) : el('mo', text);
}

/** Parse tokens[i…] until `close` (or the end); returns [nodes, next index]. */
function parse(tokens, i, close = null) {
  const out = [];
  while (i < tokens.length) {
    const t = tokens[i];
    if (close && t.kind === 'op' && t.text === close) return [out, i + 1];
    i += 1;
    if (t.kind === 'gap') out.push(el('mspace', ''), el('mspace', ''));
    else if (t.kind === 'word') out.push(el('mtext', `\u00a0${t.text.replaceAll('_', '\u00a0')}\u00a0`)); // token spaces are trimmed: no-break ones are not
    else if (t.kind === 'number') out.push(el('mn', t.text));
    else if (t.kind === 'letter') out.push(el('mi', t.text));
    else if ((t.kind === 'sup' || t.kind === 'sub') && out.length) {
      out.push(el(t.kind === 'sup' ? 'msup' : 'msub', out.pop(), script(t.text)));
    } else if (t.kind === 'sqrt' || t.kind === 'power') {
      let body;
      if (tokens[i]?.kind === 'op' && OPEN[tokens[i].text]) {
        const opening = tokens[i].text;
        const [inner, next] = parse(tokens, i + 1, OPEN[opening]);
        i = next;
        body = opening === '(' ? inner : [el('mo', opening), ...inner, el('mo', OPEN[opening])];
      } else {
        // √S(t): the next atom and the call that follows it
        const [atom, next] = parse(tokens.slice(i, i + 1), 0);
        i += next;
        body = atom;
        if (tokens[i]?.kind === 'op' && tokens[i].text === '(') {
          const [args, after] = parse(tokens, i + 1, ')');
          body = [...body, el('mo', '('), ...args, el('mo', ')')];
          i = after;
        }
      }
      if (t.kind === 'sqrt') out.push(el('msqrt', ...body));
      else if (out.length) out.push(el('msup', out.pop(), el('mrow', ...body)));
    } else if (t.kind === 'op' && OPEN[t.text]) {
      const [inner, next] = parse(tokens, i, OPEN[t.text]);
      i = next;
      out.push(el('mrow', el('mo', t.text), ...inner, el('mo', OPEN[t.text])));
    } else {
      out.push(el('mo', t.text));
    }
  }
  return [out, i];
}

/** A <math> element for a formula; its text stays available as the element's label. */
export function mathml(text) {
  const [nodes] = parse(tokenize(text), 0);
  const math = el('math', el('mrow', ...nodes));
  math.setAttribute('display', 'inline');
  math.setAttribute('aria-label', text);
  return math;
}

/** A formula's statements ("a = …;  b = …") one <math> a line, in a <div class="math-lines">. */
export function mathLines(text) {
  const div = document.createElement('div');
  div.className = 'math-lines';
  for (const statement of text.split(/;\s*/).filter(Boolean)) {
    const line = document.createElement('div');
    line.append(mathml(statement.trim()));
    div.append(line);
  }
  div.title = text;
  return div;
}
