// Presenter mode (large type, high contrast: the `presenter` class on <html>, whose CSS
// variables in base.css do the rest) and full screen, behind the two buttons that
// base.html puts in every page's header. The page's state owns whether presenter mode
// is on (it lives in the URL): onChange(on) tells it when the user toggles.
//
// While it is on, the links to other pages carry `presenter=1` (every page's state
// reads it), so the lecturer does not lose it by following the header: the header's
// links, and any link marked `data-carry-presenter` (the landing page's cards).

import { wireRoom } from './room.js';

/** The links that carry presenter mode to the page they open. */
export const CARRIED_LINKS = '.site-header a[href], a[data-carry-presenter]';

/**
 * A link's address with `presenter=1` added (on) or as the page wrote it (off). The
 * written address is kept in data-plain-href, so toggling never rewrites it twice.
 */
export function carryPresenter(link, on) {
  const plain = (link.dataset.plainHref ??= link.getAttribute('href'));
  const url = new URL(plain, window.location.href);
  if (url.origin !== window.location.origin) return;
  url.searchParams.delete('presenter');
  if (on) url.searchParams.append('presenter', '1');
  link.setAttribute('href', on ? `${url.pathname}${url.search}${url.hash}` : plain);
}

export class Presenter {
  constructor({ toggle, fullscreen, onChange = () => {} }) {
    this.toggleButton = toggle;
    this.onChange = onChange;
    // A link drawn after the last toggle (a page's own, marked data-carry-presenter)
    // still carries the mode: its address is brought up to date as it is followed.
    for (const type of ['click', 'auxclick', 'contextmenu']) {
      document.addEventListener(type, (event) => {
        const link = event.target instanceof Element ? event.target.closest(CARRIED_LINKS) : null;
        if (link) carryPresenter(link, this.on);
      }, { capture: true });
    }
    toggle.addEventListener('click', () => {
      this.toggle();
      toggle.blur(); // the keys go back to the page
    });
    fullscreen.hidden = !document.fullscreenEnabled; // e.g. Safari on a phone: no full screen for pages
    fullscreen.addEventListener('click', () => {
      toggleFullscreen();
      fullscreen.blur();
    });
  }

  get on() {
    return document.documentElement.classList.contains('presenter');
  }

  /**
   * The header's two buttons (base.html) wired to a page state's `presenter` field, which
   * lives in its URL: on at once if the URL says so, written back whenever it toggles.
   * onToggle(on) is the page's own reaction (e.g. re-fitting a drawing).
   */
  static forPage(state, onToggle = () => {}) {
    const presenter = new Presenter({
      toggle: document.querySelector('[data-testid=presenter-toggle]'),
      fullscreen: document.querySelector('[data-testid=fullscreen]'),
      onChange(on) {
        state.presenter = on;
        state.save();
        onToggle(on);
      },
    });
    presenter.set(state.presenter);
    wireRoom(); // the header's other tool: every page that has presenter mode can start or follow a room
    return presenter;
  }

  /** Toggle as the header's button does (a key may ask): onChange is told. */
  toggle() {
    this.set(!this.on);
    this.onChange(this.on);
  }

  /** Switch presenter mode on or off (without calling onChange: the caller knows). */
  set(on) {
    document.documentElement.classList.toggle('presenter', on);
    this.toggleButton.setAttribute('aria-pressed', String(on));
    document.querySelectorAll(CARRIED_LINKS).forEach((link) => carryPresenter(link, on));
  }
}

/** Full screen on or off. The browser may refuse (no user gesture): then nothing happens. */
export function toggleFullscreen() {
  const request = document.fullscreenElement
    ? document.exitFullscreen()
    : document.documentElement.requestFullscreen();
  request.catch(() => {});
}
