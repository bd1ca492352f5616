// The race's runs as the engine computes them: the whole race streamed (POST
// /api/optimize/stream, drawn as it arrives) and one run computed again alone (POST
// /api/optimize) when its hyperparameters move. `data[k]` is what has arrived of run k,
// aligned with state.runs.
//
//   const race = new Race(state, { onStart, onProgress, onStatus, onFinished, onFailed });
//   race.runAll();   race.rerun(k);   race.add(run);   race.remove(k);   race.cancel();

import { readEvents } from '../lib/events.js';
import { isAbort, postJSON } from '../lib/http.js';
import { labels } from './state.js';

/** A run before anything of it has arrived. */
export function emptyRun() {
  return { points: [], lr: [], effective: [], gradient: [], status: null, stoppedAt: null };
}

export class Race {
  /**
   * state: the page's RaceState. callbacks: onStart() a request began; onProgress() points
   * arrived; onStatus(k) run k ended; onFinished() every request has answered; onFailed(error).
   */
  constructor(state, { onStart, onProgress, onStatus, onFinished, onFailed }) {
    this.state = state;
    this.callbacks = { onStart, onProgress, onStatus, onFinished, onFailed };
    this.data = state.runs.map(emptyRun);
    this.full = null; // the AbortController of the whole race in flight
    this.single = new Map(); // run k → the AbortController of its own request
  }

  /** Each run's label as the API is sent it (its own, else its optimizer's title, numbered on repeats). */
  labels() {
    return labels(this.state.runs, this.state.meta);
  }

  /** The OptimizeRequest of the runs `indices` (all by default), each with its label. */
  request(indices = this.state.runs.map((_, k) => k)) {
    const names = this.labels();
    const body = this.state.request(indices.map((k) => this.state.runs[k]));
    body.runs.forEach((run, i) => { run.label = names[indices[i]]; });
    return body;
  }

  add(run) {
    this.state.runs.push(run);
    this.data.push(emptyRun());
  }

  remove(k) {
    this.single.get(k)?.abort();
    this.state.runs.splice(k, 1);
    this.data.splice(k, 1);
  }

  /** Drop every request in flight and what has arrived: the state's runs were replaced (a room's follower). */
  cancel() {
    this.full?.abort();
    this.full = null;
    for (const c of this.single.values()) c.abort();
    this.single.clear();
    this.data = this.state.runs.map(emptyRun);
  }

  /** Is a request in flight (its answer still to be drawn)? */
  get busy() {
    return this.full !== null || this.single.size > 0;
  }

  /** Stream the runs `indices` into data[indices[i]]; resolves when the stream ends. */
  async stream(indices, controller) {
    const body = this.request(indices);
    indices.forEach((k) => { this.data[k] = emptyRun(); this.callbacks.onStatus(k); });
    for await (const { event, data: msg } of readEvents('/api/optimize/stream', { body, signal: controller.signal })) {
      if (event === 'step') {
        const d = this.data[indices[msg.run]];
        d.points.push(...msg.points);
        d.lr.push(...msg.lr);
        d.effective.push(...msg.effective_lr);
        d.gradient.push(...msg.gradient);
        this.callbacks.onProgress();
      } else if (event === 'end') {
        const k = indices[msg.run];
        this.data[k].status = msg.status;
        this.data[k].stoppedAt = msg.stopped_at;
        this.callbacks.onStatus(k);
      }
    }
  }

  /** Run every run again (a newer race, or a run's own request, is cancelled). */
  async runAll() {
    this.full?.abort();
    for (const c of this.single.values()) c.abort();
    this.single.clear();
    const controller = (this.full = new AbortController());
    this.callbacks.onStart({ full: true });
    this.data = this.state.runs.map(emptyRun);
    try {
      await this.stream(this.state.runs.map((_, k) => k), controller);
      if (this.full !== controller) return;
      this.full = null;
      this.callbacks.onFinished();
    } catch (error) {
      if (isAbort(error)) return;
      if (this.full === controller) this.full = null;
      this.callbacks.onFailed(error);
    }
  }

  /** Run k again alone (a slider moved): the others keep their trajectories. */
  async rerun(k) {
    if (this.full) { this.runAll(); return; } // a whole race is still streaming: start it again
    this.single.get(k)?.abort();
    const controller = new AbortController();
    this.single.set(k, controller);
    this.callbacks.onStart({ full: false });
    try {
      // One run is computed in a few tens of milliseconds: ask for it whole (one answer) and
      // draw it once, rather than stream it and redraw every trajectory 2–3 times on the way.
      const [run] = (await postJSON('/api/optimize', this.request([k]), { signal: controller.signal })).runs;
      if (this.single.get(k) !== controller) return;
      this.data[k] = {
        points: run.points, lr: run.lr, effective: run.effective_lr, gradient: run.gradient,
        status: run.status, stoppedAt: run.stopped_at,
      };
      this.callbacks.onStatus(k);
      this.single.delete(k);
      if (!this.single.size) this.callbacks.onFinished();
    } catch (error) {
      if (isAbort(error)) return;
      this.single.delete(k);
      this.callbacks.onFailed(error);
    }
  }
}
