// The schedules page's state: the one object that reads and writes the URL (docs/DESIGN.md, "URLs").
//
//   /schedules?schedule=step&lr=0.1&steps=500&every=100&gamma=0.5&warmup=0
//
// `schedule` is the selected schedule, `lr` its η₀ (shared by every curve), `steps` how
// many updates are drawn, then the selected schedule's parameters by name (a list as
// values joined by `|`: `boundaries=200|400`); `&log=1` draws η on a log scale and
// `&presenter=1` turns presenter mode on. Unknown or out-of-range values fall back to
// their defaults with a notice (η₀'s and steps' ranges are the server's limits,
// lib/limits.js). The other schedules' parameters live in the page only.

import { formatParam, parseParam } from '../lib/params.js';
import { UrlState, field } from '../lib/urlstate.js';

/**
 * η₀ and steps as the params.js controls want them (the registry has no entry for them);
 * their bounds are the curve request's, the server's limits `lr` and `steps`.
 */
export function commonParams(limits) {
  return [
    {
      name: 'lr', default: 0.1, min: 0, max: limits.max('lr'), kind: 'float', scale: 'log',
      slider_min: 1e-4, slider_max: limits.max('lr', 1), description: 'η₀ = η(0), the initial learning rate (the optimizer\'s lr)',
    },
    {
      name: 'steps', default: 500, min: 1, max: limits.max('steps'), kind: 'int', scale: 'log',
      slider_min: 10, slider_max: limits.max('steps', 5000), description: 'updates drawn: t = 0 … steps − 1',
    },
  ];
}

const TRUE = ['1', 'true', 'on', 'yes'];
const FALSE = ['0', 'false', 'off', 'no'];
const VIEW = ['log', 'presenter']; // written after the schedule's parameters

/** A URL value of a schedule parameter, or null when it is not a valid value of it. */
function parseValue(param, text) {
  if (param.kind === 'bool') {
    const lower = text.trim().toLowerCase();
    return TRUE.includes(lower) ? true : FALSE.includes(lower) ? false : null;
  }
  const value = parseParam(param, text);
  // A list's entries are checked against the range here; the engine checks the rest (order, counts).
  if (param.kind === 'list' && value?.some((v) => v < param.min || v > param.max)) return null;
  return value;
}

export class ScheduleState extends UrlState {
  /** schedules: GET /api/schedules; common: commonParams(the server's limits). */
  constructor(schedules, common, search = window.location.search) {
    const [lr, steps] = common;
    super({
      schedule: field.string({ default: schedules[0].id, choices: schedules.map((s) => s.id), label: 'schedule', always: true }),
      lr: field.float({ default: lr.default, min: lr.min, max: lr.max, label: 'lr (η₀)', always: true }),
      steps: field.int({ default: steps.default, min: steps.min, max: steps.max, label: 'steps', always: true }),
      log: field.bool(),
      presenter: field.bool(),
    }, search);
    Object.defineProperty(this, 'schedules', { value: schedules });
    // Every schedule's parameter values, by schedule id then name: the defaults, and the URL's for the selected one.
    this.values = Object.fromEntries(schedules.map((s) => [s.id, defaults(s)]));
    this.readParams(new URLSearchParams(search));
  }

  /** Every field from `search`, then the selected schedule's parameters (not in super(): the constructor reads them). */
  read(search) {
    super.read(search);
    if (!this.schedules) return;
    this.values[this.schedule] = defaults(this.info);
    this.readParams(new URLSearchParams(search));
  }

  // adopt(search), UrlState's, shows a room's next view in place: the other schedules'
  // parameters, which no URL holds, keep what the page shows.

  readParams(query) {
    const info = this.info;
    const known = new Set(Object.keys(this.fields));
    for (const [name, text] of query) {
      if (known.has(name)) continue;
      const param = info.params.find((p) => p.name === name);
      if (!param) {
        const owners = this.schedules.filter((s) => s.params.some((p) => p.name === name)).map((s) => s.id);
        this.notices.push(owners.length
          ? `'${name}' is a parameter of ${owners.join(', ')}, not of ${info.id} (${names(info)}); ignoring it`
          : `unknown setting '${name}'; ignoring it`);
        continue;
      }
      const value = parseValue(param, text);
      if (value === null) {
        const range = param.kind === 'bool' ? 'is neither 1 nor 0'
          : `is not ${param.kind === 'list' ? 'a list of numbers' : param.kind === 'int' ? 'a whole number' : 'a number'} `
            + `between ${param.min} and ${param.max}`;
        this.notices.push(`${info.id}: ${name} '${text}' ${range}; using ${formatParam(param, param.default)} instead`);
      } else {
        this.values[info.id][name] = value;
      }
    }
  }

  /** The selected schedule's metadata. */
  get info() {
    return this.byId(this.schedule);
  }

  byId(id) {
    return this.schedules.find((s) => s.id === id);
  }

  /** Back to the defaults of one schedule's parameters. */
  reset(id) {
    this.values[id] = defaults(this.byId(id));
  }

  /** The body of POST /api/schedules/curve for schedule `id` (losses: NewBOB's, or null). */
  request(id, losses = null) {
    const body = { schedule: { name: id, ...this.values[id] }, lr: this.lr, steps: this.steps };
    if (losses) body.losses = losses.slice(0, this.steps);
    return body;
  }

  toSearch() {
    const head = new URLSearchParams(super.toSearch());
    const tail = new URLSearchParams();
    for (const name of VIEW) {
      if (head.has(name)) tail.set(name, head.get(name));
      head.delete(name);
    }
    for (const param of this.info.params) head.set(param.name, formatParam(param, this.values[this.schedule][param.name]));
    const search = [head.toString(), tail.toString()].filter(Boolean).join('&')
      .replace(/%7C/gi, '|').replace(/%2C/gi, ','); // lists stay readable in a slide
    return search ? `?${search}` : '';
  }
}

function defaults(schedule) {
  return Object.fromEntries(schedule.params.map((p) => [p.name, structuredClone(p.default)]));
}

function names(schedule) {
  return schedule.params.map((p) => p.name).join(', ') || 'no parameters';
}
