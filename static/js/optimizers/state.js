// The race page's state: the one object that reads and writes the URL (docs/DESIGN.md, "URLs").
//
//   /optimizers?surface=rosenbrock&start=-1.5,2&steps=500&noise=0.5,1
//     &run=sgd,lr=0.001&run=adam,lr=0.02,schedule=cosine,s.period=200,label=Adam%20cosine
//   /optimizers?expr=x**2%2B10*y**2&domain=-2,2,-2,2&start=-1.2,1.2&run=…
//
// A custom surface (`expr`) has a window, `domain=X0,X1,Y0,Y1` (default [−2, 2]², grown to
// hold a start outside it); `pace` is how many seconds the whole race plays in; `play=1`:
// it is playing from `step` (a room's followers play along; a link plays once drawn).
// A run is `OPTIMIZER,NAME=VALUE,…`: the optimizer's hyperparameters by name,
// `schedule=ID` and its parameters prefixed `s.`, a list as values joined by `|`
// (`s.boundaries=200|400`), `color=RRGGBB` and `hide=1` for how it is drawn, and
// `label=TEXT` last: the label takes the rest of the value, commas included.
// Unknown or out-of-range values fall back to defaults with a notice; the ranges are the
// server's limits (lib/limits.js), and runs beyond its `runs` limit are left out.

import { formatParam, parseParam } from '../lib/params.js';
import { UrlState, field } from '../lib/urlstate.js';

/** Seconds a whole race plays in, whatever its steps: 8 s is slow enough to talk over. */
export const PACES = [2, 4, 8, 15, 30];
export const DEFAULT_PACE = 8;
/** A custom surface's window when the URL gives none. */
export const DEFAULT_DOMAIN = [-2, 2, -2, 2];

/** The most characters of one `run=` value (a run's settings and label are far shorter). */
const RUN_CHARS = 2000;
/** The default race when the URL names none: the lecture's three classics on Rosenbrock. */
const DEFAULT_RUNS = ['sgd,lr=0.001', 'momentum,lr=0.001', 'adam,lr=0.02'];

export class RaceState extends UrlState {
  /** meta: {optimizers, schedules, surfaces, limits} (limits: lib/limits.js, the server's). */
  constructor(meta, search = window.location.search) {
    const { limits } = meta;
    const coordinate = field.float({ min: -limits.max('start'), max: limits.max('start') });
    super({
      surface: field.string({ default: 'rosenbrock', choices: meta.surfaces.map((s) => s.id), label: 'surface', always: true }),
      expr: field.string({ maxLength: limits.max('max_program_chars'), label: 'expression' }),
      start: field.list(coordinate, { default: null, length: 2, label: 'start' }),
      steps: field.int({ default: 500, min: 1, max: limits.max('steps'), label: 'steps', always: true }),
      noise: field.list(field.float({ min: 0 }), { default: null, length: 2, label: 'noise' }),
      run: field.list(field.string({ maxLength: RUN_CHARS }), { default: DEFAULT_RUNS, repeat: true, always: true }),
      step: field.int({ default: 0, min: 0, max: limits.max('steps') }),
      domain: field.list(coordinate, { default: null, length: 4, label: 'domain' }),
      pace: field.float({ default: DEFAULT_PACE, choices: PACES, label: 'pace' }),
      view: field.string({ default: 'contour', choices: ['contour', '3d'] }),
      arrows: field.bool(),
      play: field.bool(),
      presenter: field.bool(),
    }, search);
    Object.defineProperty(this, 'meta', { value: meta });
    this.checkRace();
  }

  /** Every field from `search`, then what the fields alone cannot check (once meta is there: not in super()). */
  read(search) {
    super.read(search);
    if (this.meta) this.checkRace();
  }

  /** The window and the noise as a pair, and the runs as objects; a value the URL garbles is left out with a notice. */
  checkRace() {
    const { limits } = this.meta;
    if (this.domain && !(this.domain[0] < this.domain[1] && this.domain[2] < this.domain[3])) {
      this.notices.push(`domain '${this.domain.join(',')}' needs x from < x to and y from < y to; using the default`);
      this.domain = null;
    }
    const noiseProblem = this.noise && problemOfNoise(this.noise, limits);
    if (noiseProblem) {
      this.notices.push(`noise '${this.noise.join(',')}': ${noiseProblem}; using no noise instead`);
      this.noise = null;
    }
    this.runs = [];
    for (const text of this.run) {
      try {
        this.runs.push(parseRun(text, this.meta, this.notices));
      } catch (error) {
        this.notices.push(`run '${text}': ${error.message}; leaving it out`);
      }
    }
    const most = limits.max('runs');
    if (this.runs.length > most) {
      this.notices.push(`a race holds at most ${most} runs; leaving out the last ${this.runs.length - most}`);
      this.runs.splice(most);
    }
  }

  get surfaceInfo() {
    return this.meta.surfaces.find((s) => s.id === this.surface);
  }

  /** The start: the URL's, else the surface's own (a custom surface's is chosen by the page). */
  get startPoint() {
    return this.start ?? (this.expr === null ? this.surfaceInfo.start : centre(this.bounds));
  }

  /** The plot's window {x: [lo, hi], y: [lo, hi]}: a named surface's own, a custom one's domain. */
  get bounds() {
    if (this.expr === null) return this.surfaceInfo.domain;
    let [x0, x1, y0, y1] = this.domain ?? DEFAULT_DOMAIN;
    if (!this.domain && this.start) { // a start from the URL outside the default: grow it around the start
      const half = Math.max(2, Math.abs(this.start[0]) * 1.5, Math.abs(this.start[1]) * 1.5);
      [x0, x1, y0, y1] = [-half, half, -half, half];
    }
    return { x: [x0, x1], y: [y0, y1] };
  }

  /** The OptimizeRequest for these runs (all of them by default). */
  request(runs = this.runs) {
    const body = this.expr !== null ? { expression: this.expr } : { surface: this.surface };
    body.start = this.startPoint;
    body.steps = this.steps;
    body.runs = runs.map((run) => ({
      optimizer: run.optimizer,
      params: run.params,
      schedule: { name: run.schedule, ...run.scheduleParams },
      label: run.label,
    }));
    if (this.noise && this.noise[0] > 0) body.noise = { std: this.noise[0], seed: this.noise[1] };
    return body;
  }

  save() {
    this.run = this.runs.map((run) => formatRun(run, this.meta));
    super.save();
  }
}

/** Why the URL's noise `[std, seed]` cannot be sent (null: it can). */
function problemOfNoise([std, seed], limits) {
  if (std > limits.max('noise.std')) return `std ${std} is above the maximum ${limits.max('noise.std')}`;
  if (!Number.isInteger(seed)) return `seed ${seed} is not a whole number`;
  if (seed > limits.max('seed')) return `seed ${seed} is above the maximum ${limits.max('seed')}`;
  return null;
}

function centre({ x, y }) {
  return [(x[0] + x[1]) / 2, (y[0] + y[1]) / 2];
}

function value(text) {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.includes('|')) return text.split('|').map(Number);
  return Number(text);
}

/** Check a parsed value against its param; fall back to the default with a notice. */
function checked(param, raw, owner, notices) {
  const parsed = parseParam(param, typeof raw === 'boolean' ? raw : formatParam(param, raw));
  if (parsed === null || (param.kind === 'bool' && typeof raw !== 'boolean')) {
    notices.push(`${owner}: ${param.name} '${Array.isArray(raw) ? raw.join('|') : raw}' is out of range; using ${formatParam(param, param.default)}`);
    return param.default;
  }
  return parsed;
}

/** A run's text in the URL → {optimizer, params, schedule, scheduleParams, label, color, hidden}. */
export function parseRun(text, meta, notices = []) {
  let head = text;
  let label = null;
  const at = text.startsWith('label=') ? 0 : text.indexOf(',label=');
  if (at >= 0) {
    label = text.slice(at + (at === 0 ? 6 : 7)) || null;
    head = text.slice(0, at);
  }
  const [optimizer, ...pairs] = head.split(',');
  const opt = meta.optimizers.find((o) => o.id === optimizer);
  if (!opt) throw new Error(`unknown optimizer '${optimizer}'`);
  const run = { optimizer, params: {}, schedule: 'constant', scheduleParams: {}, label, color: null, hidden: false };
  const scheduleRaw = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const [name, raw] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (name === 'schedule') run.schedule = raw;
    else if (name === 'color' && /^[0-9a-fA-F]{6}$/.test(raw)) run.color = `#${raw.toLowerCase()}`;
    else if (name === 'hide') run.hidden = raw === '1' || raw === 'true';
    else if (name.startsWith('s.')) scheduleRaw[name.slice(2)] = value(raw);
    else {
      const param = opt.params.find((p) => p.name === name);
      if (!param) notices.push(`${optimizer}: '${name}' is not one of its hyperparameters (${opt.params.map((p) => p.name).join(', ')}); ignoring it`);
      else run.params[name] = checked(param, value(raw), optimizer, notices);
    }
  }
  const schedule = meta.schedules.find((s) => s.id === run.schedule);
  if (!schedule) {
    notices.push(`${optimizer}: unknown schedule '${run.schedule}'; using constant`);
    run.schedule = 'constant';
  } else {
    for (const [name, raw] of Object.entries(scheduleRaw)) {
      const param = schedule.params.find((p) => p.name === name);
      if (!param) notices.push(`${schedule.id}: '${name}' is not one of its parameters; ignoring it`);
      else run.scheduleParams[name] = checked(param, raw, schedule.id, notices);
    }
  }
  return run;
}

/** A run as the URL writes it: only what differs from the defaults, the label last. */
export function formatRun(run, meta) {
  const opt = meta.optimizers.find((o) => o.id === run.optimizer);
  const parts = [run.optimizer];
  for (const p of opt.params) {
    if (p.name in run.params && JSON.stringify(run.params[p.name]) !== JSON.stringify(p.default)) {
      parts.push(`${p.name}=${formatParam(p, run.params[p.name])}`);
    }
  }
  if (run.schedule !== 'constant' || Object.keys(run.scheduleParams).length) {
    parts.push(`schedule=${run.schedule}`);
    const schedule = meta.schedules.find((s) => s.id === run.schedule);
    for (const p of schedule.params) {
      if (p.name in run.scheduleParams) parts.push(`s.${p.name}=${formatParam(p, run.scheduleParams[p.name])}`);
    }
  }
  if (run.color) parts.push(`color=${run.color.slice(1)}`);
  if (run.hidden) parts.push('hide=1');
  if (run.label) parts.push(`label=${run.label}`);
  return parts.join(',');
}

/** Each run's label: its own, else its optimizer's title, numbered on repeats (as the API does). */
export function labels(runs, meta) {
  const seen = new Map();
  return runs.map((run) => {
    const base = run.label || meta.optimizers.find((o) => o.id === run.optimizer).title;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} ${n}`;
  });
}
