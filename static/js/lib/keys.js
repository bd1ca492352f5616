// Keyboard shortcuts as a small registry: bind keys to actions, and render the list of
// shortcuts the page shows from the same entries (the list cannot go stale).
// Presenter clickers send PageDown/PageUp. While the user types in a text field,
// a select or a slider, the keys are theirs.
//
//   const keys = new Keys();
//   keys.bind(['ArrowRight', ' ', 'PageDown'], 'next', () => go('next'));
//   keys.note(['Ctrl+Enter'], 'run');   // handled elsewhere (the editor), listed here
//   keys.render(document.querySelector('[data-component=keys]'));

const NAMES = {
  ArrowRight: '→', ArrowLeft: '←', ArrowUp: '↑', ArrowDown: '↓', ' ': 'Space',
  PageDown: 'PgDn', PageUp: 'PgUp', Escape: 'Esc',
};

/** How a key is written on the page: "→", "Space", "PgDn", "P". */
export function keyName(key) {
  return NAMES[key] ?? (key.length === 1 ? key.toUpperCase() : key);
}

/** Is the user typing somewhere (a text field, a select, a slider)? Then keys are theirs. */
export function typing(target) {
  if (!(target instanceof Element)) return false;
  return target.isContentEditable || ['TEXTAREA', 'INPUT', 'SELECT'].includes(target.tagName);
}

export class Keys {
  constructor(root = document) {
    this.entries = []; // {keys, help, run?}, in the order they are listed
    this.actions = new Map(); // key → handler
    root.addEventListener('keydown', (event) => this.handle(event));
  }

  /** Bind keys (KeyboardEvent.key values; a letter matches either case) to a handler. */
  bind(keys, help, run) {
    for (const key of keys) this.actions.set(key.length === 1 ? key.toLowerCase() : key, run);
    this.entries.push({ keys, help });
    return this;
  }

  /** List a shortcut that something else handles (e.g. Ctrl+Enter in the editor). */
  note(keys, help) {
    this.entries.push({ keys, help });
    return this;
  }

  handle(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key ?? ''; // Chromium's autofill sends keydown events without a key
    const run = this.actions.get(key.length === 1 ? key.toLowerCase() : key);
    if (!run) return;
    // Also stops a focused button from "clicking" on Space, which would act twice.
    event.preventDefault();
    run(event);
  }

  /** Write the shortcut list into `el`: "→ / Space / PgDn next · ← / PgUp back · …". */
  render(el) {
    el.textContent = this.entries
      .map(({ keys, help }) => `${keys.map(keyName).join(' / ')} ${help}`)
      .join(' · ');
    return el;
  }
}
