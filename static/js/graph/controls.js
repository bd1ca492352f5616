// Stepping controls: ⏮ ◀ play ▶ ⏭, a speed choice, a scrubber and the step readout.

export class Controls {
  constructor(container, { onGo, onTogglePlay, onSpeed }) {
    this.buttons = Object.fromEntries(
      [...container.querySelectorAll('button[data-action]')].map((b) => [b.dataset.action, b]),
    );
    this.speed = container.querySelector('[data-testid=speed]');
    this.scrubber = container.querySelector('[data-testid=scrubber]');
    this.stepText = container.querySelector('[data-testid=step]');
    this.phaseText = container.querySelector('[data-testid=phase]');
    this.playText = container.querySelector('.play-text');
    for (const [action, button] of Object.entries(this.buttons)) {
      button.addEventListener('click', () => (action === 'play' ? onTogglePlay() : onGo(action)));
    }
    this.speed.addEventListener('change', () => {
      onSpeed(Number(this.speed.value));
      this.speed.blur();
    });
    this.scrubber.addEventListener('input', () => onGo(Number(this.scrubber.value)));
    this.scrubber.addEventListener('change', () => this.scrubber.blur()); // keys step the graph again
  }

  /** view: {step, total, phase ('ready', 'forward' or 'backward'), playing, speed, ready (a trace to step through)} */
  update({ step, total, phase, playing, speed, ready }) {
    this.stepText.textContent = `${step} / ${total}`;
    this.phaseText.textContent = phase;
    this.phaseText.className = `phase ${phase}`;
    this.scrubber.max = String(total);
    this.scrubber.value = String(step);
    this.scrubber.disabled = !ready;
    this.buttons.first.disabled = !ready || step === 0;
    this.buttons.prev.disabled = !ready || step === 0;
    this.buttons.next.disabled = !ready || step >= total;
    this.buttons.last.disabled = !ready || step >= total;
    this.buttons.play.disabled = !ready || total === 0;
    this.buttons.play.classList.toggle('playing', playing);
    this.buttons.play.setAttribute('aria-pressed', String(playing));
    this.buttons.play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    this.playText.textContent = playing ? 'Pause' : 'Play';
    this.speed.value = String(speed);
  }

  reset() {
    this.update({ step: 0, total: 0, phase: 'ready', playing: false, speed: 1, ready: false });
  }
}
