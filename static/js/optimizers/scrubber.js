// The step scrubber every chart of the race shares: a slider over 0 … the longest run's
// updates, the "k / N" readout, play/pause and the pace (seconds the whole race plays in,
// whatever its steps: a slow frame skips steps rather than slowing the race down).
//
//   const scrubber = new Scrubber(root, { paces, pace, onStep, onPace, onPlay, onStop });
//   scrubber.update(step, last);   scrubber.toggle(step);   scrubber.stop();   scrubber.setPace(s);
//
// <body data-played="MS"> is set when a playback reaches the end: how long it took (a test hook).

import { h } from '../lib/dom.js';

export class Scrubber {
  /**
   * root: the [data-testid=scrubber] box. options: paces (the pace menu, seconds), pace
   * (the chosen one); onStep(step, { scrubbed }) the playback, or the user's slider
   * (scrubbed), moved to `step` (not clamped: the page clamps it and calls update);
   * onPace(seconds); onPlay(from) a playback started at step `from`; onStop() a playback
   * paused or ended.
   */
  constructor(root, { paces, pace, onStep, onPace, onPlay = () => {}, onStop }) {
    this.slider = root.querySelector('[data-testid=step-slider]');
    this.label = root.querySelector('[data-testid=step]');
    this.button = root.querySelector('[data-testid=play]');
    this.paceMenu = root.querySelector('[data-testid=speed]');
    this.callbacks = { onStep, onPace, onPlay, onStop };
    this.pace = pace;
    this.playing = false;
    this.frame = 0;
    this.paceMenu.replaceChildren(...paces.map((s) => h('option', { value: s, selected: s === pace }, `${s} s a race`)));
    this.paceMenu.addEventListener('change', () => {
      this.pace = Number(this.paceMenu.value);
      onPace(this.pace);
    });
    this.slider.addEventListener('input', () => {
      this.stop();
      onStep(Number(this.slider.value), { scrubbed: true });
    });
    this.button.addEventListener('click', () => this.toggle(Number(this.slider.value)));
  }

  /** The last step: the longest run's number of updates. */
  get last() {
    return Number(this.slider.max);
  }

  /** Show `step` of a race whose longest run made `last` updates. */
  update(step, last = this.last) {
    this.slider.max = String(last);
    this.slider.value = String(step);
    this.label.textContent = `${step} / ${last}`;
  }

  /** Show another pace (from the URL), without telling onPace. */
  setPace(pace) {
    this.pace = pace;
    this.paceMenu.value = String(pace);
  }

  showPlaying(playing) {
    this.playing = playing;
    this.button.dataset.playing = String(playing);
    this.button.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  }

  /** End a playback (onStop is told only if one was under way). */
  stop() {
    const was = this.playing;
    this.showPlaying(false);
    cancelAnimationFrame(this.frame);
    if (was) this.callbacks.onStop();
  }

  /** Pause, or play from `from` to the last step in `pace` seconds (from the start if at the end). */
  toggle(from) {
    if (this.playing) { this.stop(); return; }
    const { onStep } = this.callbacks;
    let start = from;
    if (start >= this.last) {
      start = 0;
      onStep(0, { scrubbed: false });
    }
    delete document.body.dataset.played;
    this.showPlaying(true);
    this.callbacks.onPlay(start);
    const perMs = this.last / (this.pace * 1000);
    let began = null;
    let shown = start;
    const tick = (now) => {
      if (!this.playing) return;
      began ??= now;
      const step = start + Math.floor((now - began) * perMs);
      if (step !== shown) {
        shown = step;
        onStep(step, { scrubbed: false });
      }
      if (step >= this.last) {
        this.stop();
        document.body.dataset.played = String(Math.round(now - began));
        return;
      }
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }
}
