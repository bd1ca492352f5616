// A page's state in its URL (like TensorFlow Playground's state.ts): typed fields with
// defaults, read from location.search and written back with history.replaceState, so a
// bookmark or a link in the lecture notes reopens the exact view.
//
//   const state = new UrlState({
//     step: field.int({ default: 0, min: 0, always: true }),
//     presenter: field.bool(),
//     speed: field.float({ default: 1, choices: [0.5, 1, 2, 4] }),
//     start: field.list(field.float(), { default: [-1.5, 2], length: 2 }),
//   });
//   state.step += 1; state.save();
//
// Each field is a property of the state. A value that is unknown, malformed or out of
// range falls back to the field's default and adds a sentence to `state.notices`,
// which the page shows (never a blank page). Fields are written in the order given;
// a value equal to its default is left out unless the field is `always` written, and
// null is always left out.

const TRUE = ['1', 'true', 'on', 'yes'];
const FALSE = ['0', 'false', 'off', 'no'];

/** Thrown by a field's parse: why the text is not a value of the field. */
class Invalid extends Error {}

function choice(value, choices, label) {
  if (choices && !choices.includes(value)) {
    throw new Invalid(choices.length <= 6 ? `is not one of ${choices.join(', ')}` : `is not a known ${label}`);
  }
  return value;
}

function number(text, { integer, min, max, choices }) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Invalid(`is not a number`);
  if (integer && !Number.isInteger(value)) throw new Invalid('is not a whole number');
  if (min !== undefined && value < min) throw new Invalid(`is below the minimum ${min}`);
  if (max !== undefined && value > max) throw new Invalid(`is above the maximum ${max}`);
  return choice(value, choices, 'value');
}

/**
 * Field types. Options common to all: default, always (written even when equal to
 * the default), label (names the field in a notice, e.g. "demo").
 */
export const field = {
  /** choices: the allowed values; maxLength. */
  string: ({ default: def = null, choices, maxLength, ...rest } = {}) => ({
    ...rest,
    default: def,
    parse(text) {
      if (maxLength !== undefined && text.length > maxLength) throw new Invalid(`is longer than ${maxLength} characters`);
      return choice(text, choices, rest.label ?? 'value');
    },
    format: String,
  }),
  int: ({ default: def = 0, min, max, choices, ...rest } = {}) => ({
    ...rest,
    default: def,
    parse: (text) => number(text, { integer: true, min, max, choices }),
    format: String,
  }),
  float: ({ default: def = 0, min, max, choices, ...rest } = {}) => ({
    ...rest,
    default: def,
    parse: (text) => number(text, { min, max, choices }),
    format: String,
  }),
  bool: ({ default: def = false, ...rest } = {}) => ({
    ...rest,
    default: def,
    parse(text) {
      const lower = text.trim().toLowerCase();
      if (TRUE.includes(lower) || lower === '') return true; // `&presenter` alone means on
      if (FALSE.includes(lower)) return false;
      throw new Invalid('is neither 1 nor 0');
    },
    format: (value) => (value ? '1' : '0'),
  }),
  /**
   * A list of `item` values: in one parameter joined by `separator` ("start=1.5,-2"),
   * or with repeat: true one parameter per entry ("run=…&run=…"). length: exact count.
   */
  list: (item, { default: def = [], separator = ',', length, repeat = false, ...rest } = {}) => ({
    ...rest,
    default: def,
    repeat,
    parse(texts) {
      const parts = repeat ? texts : texts.split(separator);
      if (length !== undefined && parts.length !== length) throw new Invalid(`does not have ${length} entries`);
      return parts.map((part) => item.parse(part));
    },
    format: (values) => (repeat ? values.map((v) => item.format(v)) : values.map((v) => item.format(v)).join(separator)),
  }),
};

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Who is told when a page writes a new state into its URL: a room's presenter page
// publishes it (lib/room.js). Every page writes its URL here, so this is the one hook.
const saveListeners = new Set();
const EVERY_PAGE = new Set(['room']); // query names no page's state holds: lib/room.js reads them

/** Call listener() after every save that changed the address bar. */
export function onUrlSave(listener) {
  saveListeners.add(listener);
}

// How a page shows another URL of its own without reloading (a room's follower, lib/follow.js):
// the page registers a handler that takes the new query string and returns true when it
// applies it in place (it may finish asynchronously), false when only a reload can show it.
let showHandler = null;

/** handler(search) → boolean: this page can show `search` in place, and is doing so. */
export function onUrlShow(handler) {
  showHandler = handler;
}

/** Show `search` on this page in place if the page can; false: open it instead. */
export function showInPlace(search) {
  return showHandler ? showHandler(search) === true : false;
}

export class UrlState {
  /** fields: {name: field}; search: the query to read (default: the address bar's). */
  constructor(fields, search = window.location.search) {
    Object.defineProperty(this, 'fields', { value: fields, enumerable: false });
    this.notices = [];
    this.read(search);
  }

  /**
   * A notice for every name in `search` that is none of this state's fields (nor `room`,
   * which every page takes: lib/room.js follows it).
   */
  noticeUnknown(search) {
    for (const name of new Set(new URLSearchParams(search).keys())) {
      if (!(name in this.fields) && !EVERY_PAGE.has(name)) this.notices.push(`unknown setting '${name}'; ignoring it`);
    }
  }

  /** Set every field from a query string, falling back (with a notice) where it cannot. */
  read(search) {
    const params = new URLSearchParams(search);
    for (const [name, spec] of Object.entries(this.fields)) {
      this[name] = structuredClone(spec.default);
      if (!params.has(name)) continue;
      const raw = spec.repeat ? params.getAll(name) : params.get(name);
      try {
        this[name] = spec.parse(raw);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        const shown = spec.repeat ? raw.join(`&${name}=`) : raw;
        const fallback = spec.default === null ? 'leaving it out' : `using ${spec.format(spec.default)} instead`;
        this.notices.push(`${spec.label ?? name} '${shown}' ${error.message}; ${fallback}`);
      }
    }
  }

  /** Show another URL of this page in place (a room's follower): every field read anew, presenter mode kept. */
  adopt(search) {
    const { presenter } = this;
    this.read(search);
    if ('presenter' in this.fields) this.presenter = presenter;
  }

  /** Hand the notices to whoever shows them (each is shown once). */
  takeNotices() {
    return this.notices.splice(0);
  }

  toSearch() {
    const params = new URLSearchParams();
    for (const [name, spec] of Object.entries(this.fields)) {
      const value = this[name];
      if (value === null || value === undefined) continue;
      if (!spec.always && same(value, spec.default)) continue;
      const text = spec.format(value);
      if (spec.repeat) text.forEach((t) => params.append(name, t));
      else params.set(name, text);
    }
    const search = params.toString();
    return search ? `?${search}` : '';
  }

  /** Write the state into the address bar, without adding a history entry. */
  save() {
    const search = this.toSearch();
    if (search !== window.location.search) {
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}${window.location.hash}`);
      saveListeners.forEach((listener) => listener());
    }
  }
}
