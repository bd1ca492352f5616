// The /init page's state: the one object that reads and writes the URL (docs/DESIGN.md, "URLs").
//
//   /init?depth=50&width=2&activation=linear&init=identity&gain=2&seed=0
//
// The design's six settings are always written, in that order; `samples` (rows of the
// input batch) only when it is not the default, `hist=1,10,50` when the user chose which
// layers' activations to bin (else the page picks a few), `presenter=1` for presenter
// mode. Unknown or out-of-range values fall back to their defaults with a notice; the
// ranges are the server's limits (lib/limits.js).

import { UrlState, field } from '../lib/urlstate.js';

export const DEFAULTS = { depth: 20, width: 100, activation: 'tanh', init: 'glorot_normal', gain: 1, seed: 0, samples: 256 };
const SETTINGS = ['depth', 'width', 'activation', 'init', 'gain', 'seed', 'samples'];

export class InitState extends UrlState {
  /**
   * activations: ids (GET /api/init/activations); inits: GET /api/inits; limits: the
   * server's (lib/limits.js), which bound POST /api/init/deep.
   */
  constructor(activations, inits, limits, search = window.location.search) {
    super({
      depth: field.int({ default: DEFAULTS.depth, min: 1, max: limits.max('depth'), always: true }),
      width: field.int({ default: DEFAULTS.width, min: 1, max: limits.max('width'), always: true }),
      activation: field.string({ default: DEFAULTS.activation, choices: activations, label: 'activation', always: true }),
      init: field.string({ default: DEFAULTS.init, choices: inits.map((i) => i.id), label: 'init', always: true }),
      gain: field.float({ default: DEFAULTS.gain, min: 0, max: limits.max('gain'), always: true }),
      seed: field.int({ default: DEFAULTS.seed, min: 0, max: limits.max('seed'), always: true }),
      samples: field.int({ default: DEFAULTS.samples, min: 1, max: limits.max('samples') }),
      hist: field.list(field.int({ min: 1, max: limits.max('depth') }), { default: [], label: 'hist' }),
      presenter: field.bool(),
    }, search);
    Object.defineProperty(this, 'inits', { value: inits });
    Object.defineProperty(this, 'limits', { value: limits });
    this.checkHist();
  }

  read(search) {
    super.read(search);
    this.noticeUnknown(search);
    if (this.inits) this.checkHist();
  }

  /** The URL's histogram layers must be layers of this network: else the page picks. */
  checkHist() {
    const most = this.limits.max('histograms');
    if (this.hist.length > most || this.hist.some((l) => l > this.depth)) {
      this.notices.push(`hist '${this.hist.join(',')}' must be at most ${most} layers of 1 … ${this.depth}; `
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

/**
 * depth, width, samples and seed as params.js controls (they have no registry entry), their
 * bounds the server's `limits`; a slider ends at its limit (or at `unknown` if they could not be read).
 */
export function netParams(limits) {
  const param = (name, kind, min, { unknown, ...rest }) => ({
    name, default: DEFAULTS[name], min, max: limits.max(name), kind, slider_min: min, slider_max: limits.max(name, unknown), ...rest,
  });
  return [
    param('depth', 'int', 1, { scale: 'log', unknown: 100, description: 'L, the number of layers' }),
    param('width', 'int', 1, { scale: 'log', unknown: 256, description: 'units per layer (every W is width × width)' }),
    param('samples', 'int', 1, { scale: 'log', unknown: 256, description: 'rows of the input batch h₀' }),
    param('seed', 'int', 0, { slider_max: 99, description: 'random seed of h₀ and the weights' }),
  ];
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
