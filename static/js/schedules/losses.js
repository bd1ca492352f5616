// The loss curves NewBOB can react to (its rate depends on the loss, so its curve needs one):
// a built-in race, computed by the engine, and the runs of the last race the /optimizers
// page saved in localStorage. losses[k] is the loss after update k + 1.

import { postJSON } from '../lib/http.js';

export const LAST_RACE_KEY = 'backproplab.lastRace';

/** The built-in race: SGD on the quadratic bowl with minibatch-like gradient noise, so its loss stalls. */
const BUILTIN = {
  surface: 'quadratic', start: [-4.5, 2], optimizer: 'sgd', lr: 0.05, noise: { std: 4.0, seed: 1 },
};

export function builtinRequest(steps) {
  return {
    surface: BUILTIN.surface,
    start: BUILTIN.start,
    steps,
    runs: [{ optimizer: BUILTIN.optimizer, params: { lr: BUILTIN.lr } }],
    noise: BUILTIN.noise,
  };
}

/** The built-in race's losses for `steps` updates: runs[0].points[1:]'s loss column. */
export async function builtinLosses(steps, { signal } = {}) {
  const answer = await postJSON('/api/optimize', builtinRequest(steps), { signal });
  return answer.runs[0].points.slice(1).map((point) => point[2]);
}

/** What the built-in curve is, in words, and the same race as a link to /optimizers. */
export function builtinDescription(steps) {
  const { surface, start, optimizer, lr, noise } = BUILTIN;
  return {
    text: `Built-in loss: SGD (η = ${lr}) on the ${surface} surface from (${start.join(', ')}) with gradient noise `
      + `of std ${noise.std} (seed ${noise.seed}), as minibatches would give — the loss falls, then stalls in the noise.`,
    href: `/optimizers?surface=${surface}&start=${start.join(',')}&steps=${steps}&noise=${noise.std},${noise.seed}`
      + `&run=${optimizer},lr=${lr}`,
  };
}

/**
 * The last race saved by /optimizers, checked: {title, steps, runs: [{label, losses}]}, or
 * null when there is none. A run's losses are cut at the first value that is not a finite
 * number (a diverged run); runs left with no losses are dropped. Throws when the stored
 * text is not a race.
 */
export function lastRace(storage = window.localStorage) {
  let text = null;
  try {
    text = storage.getItem(LAST_RACE_KEY);
  } catch {
    return null; // storage disabled
  }
  if (text === null) return null;
  const race = JSON.parse(text);
  if (!race || !Array.isArray(race.runs)) throw new Error('it has no runs');
  const runs = [];
  race.runs.forEach((run, index) => {
    if (!run || !Array.isArray(run.losses)) return;
    const end = run.losses.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    const losses = end < 0 ? run.losses : run.losses.slice(0, end);
    if (losses.length) runs.push({ label: String(run.label ?? `run ${index + 1}`), losses });
  });
  if (!runs.length) throw new Error('none of its runs has losses');
  return { title: typeof race.title === 'string' && race.title ? race.title : 'last race', runs };
}
