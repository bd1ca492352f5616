// Where a custom surface's race starts unless the URL says: the first of a few points of
// its window where the engine's gradient is finite and not 0, so that no run "converges" at
// its first step on a stationary point such as (0, 0).

import { RequestError, postJSON } from '../lib/http.js';

// The candidates, as fractions of the way across the window from its bottom left.
const CANDIDATES = [[0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2], [0.35, 0.65], [0.6, 0.4]];

/** The start of `expression` in the window {x, y}: its gradient from one step of a race through the API; null if none will do. */
export async function customStart(expression, { x, y }) {
  for (const [fx, fy] of CANDIDATES) {
    const start = [x[0] + fx * (x[1] - x[0]), y[0] + fy * (y[1] - y[0])].map((v) => Number(v.toPrecision(4)));
    try {
      const body = { expression, start, steps: 1, runs: [{ optimizer: 'sgd', params: { lr: 1e-6 } }] };
      const [run] = (await postJSON('/api/optimize', body)).runs;
      const g = run.gradient[0];
      if (run.status !== 'diverged' && g && g.every(Number.isFinite) && Math.hypot(...g) > 1e-8) return start;
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
    }
  }
  return null;
}
