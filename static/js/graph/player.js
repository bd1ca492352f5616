// Play/pause: calls tick() every 1/speed seconds until tick() returns false;
// onChange() after every play or pause (the controls redraw their button).

export class Player {
  constructor(tick, onChange = () => {}) {
    this.tick = tick;
    this.onChange = onChange;
    this.timer = null;
  }

  get playing() { return this.timer !== null; }

  play(speed = 1) {
    this.stop();
    this.timer = window.setInterval(() => {
      if (!this.tick()) this.pause();
    }, 1000 / speed);
    this.onChange();
  }

  pause() {
    const was = this.playing;
    this.stop();
    if (was) this.onChange();
  }

  stop() {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }
}
