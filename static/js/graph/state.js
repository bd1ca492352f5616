// The stepper page's state: the one object that reads and writes the URL, so a
// bookmark restores the exact moment.
//
//   /graph?preset=colah&step=9            a preset at step 9
//   /graph?program=x%20%3D%20...&step=3   a custom program
//   &presenter=1  presenter mode;  &speed=2  play speed (steps per second)
//   &optimizer=sgd&lr=0.1&iteration=5      training: the pass after 5 updates (any hyperparameter by name)

import { formatParam, parseParam } from '../lib/params.js';
import { UrlState, field } from '../lib/urlstate.js';

export const SPEEDS = [0.5, 1, 2, 4];

export class PageState extends UrlState {
  /** limits: the server's (lib/limits.js); `iteration` counts training updates, bounded as a race's steps. */
  constructor(presets, optimizers, limits, search = window.location.search) {
    super({
      preset: field.string({ default: presets[0]?.id ?? null, choices: presets.map((p) => p.id), label: 'demo', always: true }),
      program: field.string(), // the custom program's text when preset is null
      step: field.int({ default: 0, min: 0, always: true }),
      presenter: field.bool(),
      speed: field.float({ default: 1, choices: SPEEDS, label: 'speed' }),
      optimizer: field.string({ default: 'sgd', choices: optimizers.map((o) => o.id), label: 'optimizer' }),
      iteration: field.int({ default: 0, min: 0, max: limits.max('steps'), label: 'iteration' }),
    }, search);
    Object.defineProperty(this, 'presets', { value: presets });
    Object.defineProperty(this, 'optimizers', { value: optimizers });
    this.readTraining(search);
  }

  /** The rest of a URL's state, after the fields: training's hyperparameters, and a program over a preset. */
  readTraining(search) {
    this.hyper = this.readHyper(search);
    if (this.program !== null) this.setSource({ program: this.program }); // a program wins over a preset
  }

  adopt(search) {
    super.adopt(search);
    this.readTraining(search);
  }

  /** What a trace depends on: the program and the training (a change of these needs a new request). */
  get computed() {
    return JSON.stringify([this.source, this.iteration, this.optimizer, this.hyper]);
  }

  /** The training optimizer's hyperparameters named in the URL (valid ones; a notice for the rest). */
  readHyper(search) {
    const opt = this.optimizers.find((o) => o.id === this.optimizer);
    const params = new URLSearchParams(search);
    const hyper = {};
    for (const p of opt?.params ?? []) {
      if (!params.has(p.name)) continue;
      const parsed = parseParam(p, params.get(p.name));
      if (parsed === null) this.notices.push(`${p.name} '${params.get(p.name)}' is out of range for ${opt.id}; using ${formatParam(p, p.default)}`);
      else hyper[p.name] = parsed;
    }
    return hyper;
  }

  toSearch() {
    const params = new URLSearchParams(super.toSearch());
    const opt = this.optimizers.find((o) => o.id === this.optimizer);
    for (const p of opt?.params ?? []) {
      if (p.name in this.hyper && JSON.stringify(this.hyper[p.name]) !== JSON.stringify(p.default)) {
        params.set(p.name, formatParam(p, this.hyper[p.name]));
      }
    }
    const search = params.toString();
    return search ? `?${search}` : '';
  }

  presetById(id) {
    return this.presets.find((p) => p.id === id) ?? null;
  }

  /** The request body for the trace and gradcheck endpoints. */
  get source() {
    return this.preset !== null ? { preset: this.preset } : { program: this.program };
  }

  get programText() {
    return this.preset !== null ? this.presetById(this.preset).program : this.program;
  }

  get title() {
    return this.preset !== null ? this.presetById(this.preset).title : 'Custom program';
  }

  get description() {
    return this.preset !== null ? this.presetById(this.preset).description : '';
  }

  /** The source for an editor's text: text identical to a preset's program is that preset (a shorter, nicer URL). */
  sourceFor(text) {
    const match = this.presets.find((p) => p.program === text);
    return match ? { preset: match.id } : { program: text };
  }

  setSource(source) {
    const { preset = null, program = null } = source.preset !== undefined ? source : this.sourceFor(source.program);
    this.preset = preset;
    this.program = program;
  }
}
