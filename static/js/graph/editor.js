// The program editor: a monospace textarea with a line-number gutter, Ctrl+Enter
// runs, and an error box under it that points at the line and column.

import { h, replace } from '../lib/dom.js';

export class Editor {
  constructor(container, errorBox, { onRun }) {
    this.textarea = container.querySelector('textarea');
    this.gutter = container.querySelector('.editor-gutter');
    this.errorBox = errorBox;
    this.badLine = null;
    this.textarea.addEventListener('input', () => this.update());
    this.textarea.addEventListener('scroll', () => { this.gutter.scrollTop = this.textarea.scrollTop; });
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        onRun();
      } else if (event.key === 'Escape') {
        this.textarea.blur(); // hand the keyboard back to the stepper
      }
    });
  }

  get value() { return this.textarea.value; }

  set value(text) {
    this.textarea.value = text;
    this.update();
  }

  /** Redraw the gutter: one number per line, the erroneous one marked. */
  update() {
    const count = this.textarea.value.split('\n').length;
    const lines = [];
    for (let i = 1; i <= count; i += 1) {
      lines.push(i === this.badLine ? h('span', { class: 'bad' }, String(i)) : String(i), i < count ? '\n' : '');
    }
    replace(this.gutter, lines);
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  clearError() {
    this.badLine = null;
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    this.update();
  }

  /** detail: {message, line?, column?, node?} from the API, or {message} for other failures. */
  showError(detail, note = '') {
    const text = this.textarea.value;
    const lines = text.split('\n');
    let { line, column } = detail;
    if (!line && detail.node) {
      // An evaluation error names the node: point at the line that assigns it.
      const index = lines.findIndex((l) => new RegExp(`^\\s*${escapeRegExp(detail.node)}\\s*=`).test(l));
      if (index >= 0) line = index + 1;
    }
    const where = line ? `Line ${line}${column ? `, column ${column}` : ''}` : 'Error';
    const source = line ? lines[line - 1] ?? '' : null;
    this.badLine = line ?? null;
    replace(this.errorBox,
      h('div', {}, h('span', { class: 'where' }, `${where}: `), detail.message ?? 'something went wrong'),
      source !== null ? h('pre', {}, `${source}\n${column ? `${' '.repeat(Math.max(0, column - 1))}^` : ''}`) : null,
      note ? h('div', { class: 'note' }, note) : null,
    );
    this.errorBox.hidden = false;
    this.update();
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
