// The /trainability page's state: the one object that reads and writes the URL (docs/DESIGN.md, "URLs").
//
//   /trainability?x=-1,4&y=1,3&seed=0&steps=500            the paper's network: log₁₀ η_W, log₁₀ η_v
//   /trainability?model=surface&surface=rosenbrock&optimizer=momentum&xname=lr&yname=momentum
//     &x=-5,-1&y=0,0.99&steps=300                           a toy surface's race (the race page's sweep links here)
//
// x and y are the view (an axis of a log-scale hyperparameter in log₁₀, another in its own
// units); `at=X,Y` is the pixel whose loss curve is open; `presenter=1`. Unknown or
// out-of-range values fall back to their defaults with a notice.

import { UrlState, field } from '../lib/urlstate.js';

export const NETWORK_VIEW = { x: [-1, 4], y: [1, 3] };
export const DEFAULT_STEPS = { tanh16: 500, surface: 300 };

export class MapState extends UrlState {
  /** limits: GET /api/limits; surfaces, optimizers: their registries' ids. */
  constructor(limits, surfaces, optimizers, search = window.location.search) {
    const span = field.list(field.float(), { default: null, length: 2 }); // bounded by checkView, from the limits
    super({
      model: field.string({ default: 'tanh16', choices: ['tanh16', 'surface'], label: 'model' }),
      surface: field.string({ default: 'rosenbrock', choices: surfaces, label: 'surface' }),
      optimizer: field.string({ default: 'momentum', choices: optimizers, label: 'optimizer' }),
      xname: field.string({ default: null, maxLength: limits.name_chars }),
      yname: field.string({ default: null, maxLength: limits.name_chars }),
      x: span,
      y: span,
      seed: field.int({ default: 0, min: 0, max: limits.seed }),
      steps: field.int({ default: null, min: 1, max: limits.trainability_steps }),
      at: field.list(field.float(), { default: null, length: 2 }),
      presenter: field.bool(),
    }, search);
    Object.defineProperty(this, 'limits', { value: limits });
    this.checkView();
  }

  read(search) {
    super.read(search);
    this.noticeUnknown(search);
    if (this.limits) this.checkView();
  }

  /** A view must be lo < hi, at least the engine's smallest span, within its log-rate range. */
  checkView() {
    for (const axis of ['x', 'y']) {
      const v = this[axis];
      if (v === null) continue;
      const bound = this.model === 'tanh16' ? this.limits.log_rate : Infinity;
      if (!(v[0] < v[1]) || v[1] - v[0] < this.limits.span || v[0] < -bound || v[1] > bound) {
        this.notices.push(`${axis} '${v.join(',')}' is not a view (lo < hi, at least ${this.limits.span} apart`
          + `${Number.isFinite(bound) ? `, within ±${bound}` : ''}); showing the whole map instead`);
        this.x = null;
        this.y = null;
        return;
      }
    }
  }

  get stepCount() {
    return this.steps ?? DEFAULT_STEPS[this.model];
  }

  toSearch() {
    // The network's URL in the design's order: x, y, seed, steps always written.
    if (this.model !== 'tanh16') return super.toSearch().replaceAll('%2C', ',');
    const params = new URLSearchParams();
    params.set('x', this.x.map(String).join(','));
    params.set('y', this.y.map(String).join(','));
    params.set('seed', String(this.seed));
    params.set('steps', String(this.stepCount));
    if (this.at) params.set('at', this.at.map(String).join(','));
    if (this.presenter) params.set('presenter', '1');
    return `?${params.toString().replaceAll('%2C', ',')}`;
  }
}
