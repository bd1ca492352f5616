// What the panel calls a node. A named assignment keeps its name and a constant is its
// value ("2"); an unnamed op (the engine's made-up ids: matmul_1, add_2) is its
// expression, composed from the graph's op and inputs as the program would write it
// (with the lecture's minus sign), e.g. "w @ x + b". Long expressions are cut to about MAX characters, inner parts first
// ("mean(…) + 0.5 * …"), with the full text kept for a title.

const MAX = 24;

// Python's precedence, so the composed text parses back to the same graph.
const ADD = 1;
const MUL = 2;
const NEG = 3;
const POW = 4;
const ATOM = 5;
const INFIX = {
  add: ['+', ADD], sub: ['−', ADD], mul: ['*', MUL], div: ['/', MUL], matmul: ['@', MUL], pow: ['**', POW],
};
const ELLIPSIS = '…'; // an inner part left out

const atom = (text) => ({ kind: 'atom', text: text.replace(/^-/, '−'), level: /^[-−]/.test(text) ? NEG : ATOM });

function render(tree, depth = Infinity) {
  if (tree.kind === 'atom') return tree.text;
  if (depth <= 0) return ELLIPSIS;
  const inner = (child, paren) => {
    const text = render(child, depth - 1);
    return paren && text !== ELLIPSIS ? `(${text})` : text;
  };
  if (tree.kind === 'infix') {
    const [symbol, p] = INFIX[tree.op];
    const [a, b] = tree.args;
    const left = inner(a, p === POW ? a.level <= p : a.level < p);
    const right = inner(b, b.level <= p); // 2 ** (p ** 2) reads better than Python's bare form
    return `${left} ${symbol} ${right}`;
  }
  if (tree.kind === 'neg') return `−${inner(tree.args[0], tree.args[0].level < NEG)}`;
  return `${tree.op}(${tree.args.map((a) => render(a, depth - 1)).join(', ')}${tree.extra})`;
}

function truncate(text) {
  return [...text].length > MAX ? `${[...text].slice(0, MAX - 1).join('')}…` : text;
}

export class Names {
  /** graph: the trace's `graph` ({nodes: [{id, op, kind, inputs, named, source}], output}). */
  constructor(graph) {
    this.nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    this.trees = new Map();
    this.cache = new Map();
  }

  /** The expression tree of a node as its consumers see it: a name, a value, or its own expression. */
  tree(id) {
    const node = this.nodes.get(id);
    if (!node) return atom(id);
    if (node.named) return atom(node.id);
    if (node.kind === 'const') return atom(node.source);
    if (node.kind !== 'op') return atom(node.id);
    if (!this.trees.has(id)) this.trees.set(id, this.compose(node));
    return this.trees.get(id);
  }

  compose(node) {
    const args = node.inputs.map((input) => this.tree(input));
    if (node.op in INFIX && args.length === 2) return { kind: 'infix', op: node.op, args, level: INFIX[node.op][1] };
    if (node.op === 'neg') return { kind: 'neg', args, level: NEG };
    if (node.op === 'identity') return args[0];
    // An axis is a node attribute the trace does not carry: read it back from the source.
    const axis = /axis\s*=\s*(-?\d+)/.exec(node.source ?? '');
    return { kind: 'call', op: node.op, args, extra: axis ? `, axis=${axis[1]}` : '', level: ATOM };
  }

  /**
   * {text, full, compound}: the short name shown, the whole expression (for a title),
   * and whether it is an expression that needs parentheses after ∂ ("∂(w @ x)").
   */
  name(id) {
    if (this.cache.has(id)) return this.cache.get(id);
    const node = this.nodes.get(id);
    let result;
    if (!node || node.named || node.kind !== 'op') {
      const text = node && node.kind === 'const' && !node.named ? atom(node.source).text : id;
      result = { text: truncate(text), full: text, compound: false };
    } else {
      const tree = this.tree(id);
      const full = render(tree);
      let text = full;
      for (let depth = 8; [...text].length > MAX && depth >= 1; depth -= 1) text = render(tree, depth);
      result = { text: truncate(text), full, compound: tree.level < ATOM };
    }
    this.cache.set(id, result);
    return result;
  }

  /** Does input k of node `id` need parentheses where the node's expression writes it ("3 * (w @ x + b)")? */
  needsParens(id, k) {
    const node = this.nodes.get(id);
    const child = this.tree(node.inputs[k]);
    const p = INFIX[node.op]?.[1] ?? (node.op === 'neg' ? NEG : ATOM);
    return k === 0 && p !== POW ? child.level < p : child.level <= p && child.level < ATOM;
  }

  /** The name as it reads inside a formula: an expression in parentheses. */
  operand(id) {
    const { text, compound } = this.name(id);
    return compound ? `(${text})` : text;
  }

  /**
   * An engine rule or formula ("dL/dW2 = Hᵀ · dL/dmatmul_2", "∂H/∂add_1 = 1 where add_1 > 0")
   * in the panel's words: ∂L/∂ with the output's name for L, and no made-up ids.
   */
  rewrite(text, L) {
    return String(text).replace(/dL\/d([A-Za-z_]\w*)|∂([A-Za-z_]\w*)\/∂([A-Za-z_]\w*)|([A-Za-z_]\w*)/g,
      (match, wrt, top, bottom, word) => {
        if (wrt !== undefined) return `∂${L}/∂${this.word(wrt)}`;
        if (top !== undefined) return `∂${this.word(top)}/∂${this.word(bottom)}`;
        return this.word(word);
      });
  }

  word(word) {
    const node = this.nodes.get(word);
    return node && !node.named && node.kind === 'op' ? this.operand(word) : word;
  }
}
