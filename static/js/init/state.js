// The /init page's state: the one object that reads and writes the URL (DESIGN.md, "URLs").
//
//   /init?depth=50&width=2&activation=linear&init=identity&gain=2&seed=0
//
// The design's six settings are always written, in that order; `samples` (rows of the
// input batch) only when it is not the default, `hist=1,10,50` when the user chose which
// layers' activations to bin (else the page picks a few), `presenter=1` for presenter
// mode. Unknown or out-of-range values fall back to their defaults with a notice.

import { UrlState, field } from '../lib/urlstate.js';

// POST /api/init/deep's bounds and defaults (app/schemas/init.py; the API answers 422 beyond them).
export const LIMITS = { depth: 200, width: 512, samples: 1024, seed: 2 ** 32 - 1, gain: 1e6, histograms: 8 };
export const DEFAULTS = { depth: 20, width: 100, activation: 'tanh', init: 'glorot_normal', gain: 1, seed: 0, samples: 256 };
const SETTINGS = ['depth', 'width', 'activation', 'init', 'gain', 'seed', 'samples'];

export class InitState extends UrlState {
  /** activations: ids (GET /api/init/activations); inits: GET /api/inits. */
  constructor(activations, inits, search = window.location.search) {
    super({
      depth: field.int({ default: DEFAULTS.depth, min: 1, max: LIMITS.depth, always: true }),
      width: field.int({ default: DEFAULTS.width, min: 1, max: LIMITS.width, always: true }),
      activation: field.string({ default: DEFAULTS.activation, choices: activations, label: 'activation', always: true }),
      init: field.string({ default: DEFAULTS.init, choices: inits.map((i) => i.id), label: 'init', always: true }),
      gain: field.float({ default: DEFAULTS.gain, min: 0, max: LIMITS.gain, always: true }),
      seed: field.int({ default: DEFAULTS.seed, min: 0, max: LIMITS.seed, always: true }),
      samples: field.int({ default: DEFAULTS.samples, min: 1, max: LIMITS.samples }),
      hist: field.list(field.int({ min: 1, max: LIMITS.depth }), { default: [], label: 'hist' }),
      presenter: field.bool(),
    }, search);
    Object.defineProperty(this, 'inits', { value: inits });
    this.checkHist();
  }

  read(search) {
    super.read(search);
    const known = new Set(Object.keys(this.fields));
    for (const name of new URLSearchParams(search).keys()) {
      if (!known.has(name)) this.notices.push(`unknown setting '${name}'; ignoring it`);
    }
    if (this.inits) this.checkHist();
  }

  /** The URL's histogram layers must be layers of this network: else the page picks. */
  checkHist() {
    if (this.hist.length > LIMITS.histograms || this.hist.some((l) => l > this.depth)) {
      this.notices.push(`hist '${this.hist.join(',')}' must be at most ${LIMITS.histograms} layers of 1 … ${this.depth}; `
        + 'showing a few layers of the page\'s choice instead');
      this.hist = [];
    }
  }

  /** The selected init's metadata. */
  get initInfo() {
    return this.inits.find((i) => i.id === this.init);
  }

  /** The layers whose activations are binned: the URL's, else the first, a third, two thirds and the last. */
  get histogramLayers() {
    if (this.hist.length) return [...new Set(this.hist)].sort((a, b) => a - b);
    const L = this.depth;
    return [...new Set([1, Math.round(L / 3), Math.round((2 * L) / 3), L])].filter((l) => l >= 1).sort((a, b) => a - b);
  }

  /** The settings only (what a case link sets), as {name: value}. */
  settings() {
    return Object.fromEntries(SETTINGS.map((name) => [name, this[name]]));
  }

  /** Back to the defaults of every setting (the view's fields stay). */
  resetSettings() {
    Object.assign(this, DEFAULTS);
    this.hist = [];
  }

  /** The body of POST /api/init/deep. */
  request() {
    return { ...this.settings(), histograms: this.histogramLayers };
  }
}

/** The URL of these settings in the design's format (a case link). */
export function initHref(settings) {
  const params = new URLSearchParams();
  for (const name of SETTINGS) {
    if (settings[name] !== undefined && (name !== 'samples' || settings[name] !== DEFAULTS.samples)) {
      params.set(name, String(settings[name]));
    }
  }
  return `/init?${params}`;
}
