// The server's input limits (GET /api/limits: engine/limits.py's table, by the names its
// 422s give). Every bound a page checks is read from here, never retyped: a limit changed on
// the server moves the pages' checks with it.
//
//   const limits = await serverLimits();
//   field.int({ min: 1, max: limits.max('steps') });
//   notices.update([...limits.notices, ...state.takeNotices()]);
//
// Asked once per page (every caller shares the one request). If it fails the page still
// works: a limit reads as Infinity (or as the `unknown` value the caller gives, for a
// slider that needs an end), the server still refuses a value beyond its limit with a 422
// that names it, and `notices` says why the page did not check it first.

import { getJSON } from './http.js';

export class Limits {
  /** values: {name: number} as the server sends them, or null when they could not be read. */
  constructor(values, notices = []) {
    this.values = values;
    this.notices = notices;
  }

  /** Were the server's limits read? */
  get known() {
    return this.values !== null;
  }

  /**
   * The limit called `name`; `unknown` (default Infinity: no bound) when the server's
   * limits could not be read. A name the server does not have is a mistake in the page.
   */
  max(name, unknown = Infinity) {
    if (!this.known) return unknown;
    if (!(name in this.values)) throw new Error(`the server has no limit named '${name}'`);
    return this.values[name];
  }
}

let loading = null;

/** The server's limits (a Limits that never rejects: see the module's comment). */
export function serverLimits() {
  loading ??= getJSON('/api/limits').then(
    (values) => new Limits(values),
    (error) => new Limits(null, [
      `could not read the server's limits (${error.message}); values beyond them are refused by the server when sent`,
    ]),
  );
  return loading;
}
