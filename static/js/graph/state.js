// The stepper page's state: the one object that reads and writes the URL
// (like TensorFlow Playground's state.ts), so a bookmark restores the exact moment.
//
//   /graph?preset=colah&step=9            a preset at step 9
//   /graph?program=x%20%3D%20...&step=3   a custom program
//   &presenter=1  presenter mode;  &speed=2  play speed (steps per second)

export const SPEEDS = [0.5, 1, 2, 4];

export class PageState {
  constructor(presets) {
    this.presets = presets;
    this.preset = presets[0]?.id ?? null; // a preset id, or null for a custom program
    this.program = null; // the custom program's text when preset is null
    this.step = 0;
    this.presenter = false;
    this.speed = 1;
    this.problems = []; // what the URL asked for that could not be honoured
  }

  static fromURL(search, presets) {
    const state = new PageState(presets);
    const params = new URLSearchParams(search);
    if (params.has('program')) {
      state.setSource({ program: params.get('program') });
    } else if (params.has('preset')) {
      const id = params.get('preset');
      if (state.presetById(id)) state.preset = id;
      else state.problems.push(`there is no demo '${id}'; showing '${state.preset}' instead`);
    }
    const step = Number.parseInt(params.get('step') ?? '0', 10);
    state.step = Number.isFinite(step) && step > 0 ? step : 0;
    state.presenter = ['1', 'true', 'on'].includes(params.get('presenter'));
    const speed = Number(params.get('speed'));
    if (SPEEDS.includes(speed)) state.speed = speed;
    return state;
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

  /** Text identical to a preset's program is that preset (a shorter, nicer URL). */
  static sourceFor(text, presets) {
    const match = presets.find((p) => p.program === text);
    return match ? { preset: match.id } : { program: text };
  }

  setSource(source) {
    if (source.preset !== undefined) {
      this.preset = source.preset;
      this.program = null;
    } else {
      const match = this.presets.find((p) => p.program === source.program);
      this.preset = match ? match.id : null;
      this.program = match ? null : source.program;
    }
  }

  toSearch() {
    const params = new URLSearchParams();
    if (this.preset !== null) params.set('preset', this.preset);
    else params.set('program', this.program ?? '');
    params.set('step', String(this.step));
    if (this.presenter) params.set('presenter', '1');
    if (this.speed !== 1) params.set('speed', String(this.speed));
    return `?${params}`;
  }

  /** Write the state into the address bar without adding a history entry per step. */
  save() {
    const search = this.toSearch();
    if (search !== window.location.search) {
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}`);
    }
  }
}
