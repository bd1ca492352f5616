// The lecture scenarios: a compact menu of cards (the template's a[data-scenario] links,
// each with its story in full) and, when the race on screen is one of them, that card
// marked as current and its story shown beside the race. A race is a scenario's when it
// asks the API for the same thing as the scenario's link (its view, e.g. the step or
// presenter mode, does not count), so editing a run un-marks it.

import { RaceState } from './state.js';

export class ScenarioMenu {
  /** menu: the <details> of cards; current: the box that shows the current story. */
  constructor(menu, current, meta) {
    this.menu = menu;
    this.current = current;
    this.cards = [...menu.querySelectorAll('a[data-scenario]')].map((link) => ({
      link,
      card: link.closest('.scenario'),
      title: link.textContent.trim(),
      story: link.closest('.scenario').querySelector('p')?.textContent.trim() ?? '',
      request: JSON.stringify(new RaceState(meta, new URL(link.href).search).request()),
    }));
    // Opened under its summary, as tall as the window allows; closed by a click outside or Escape.
    const summary = menu.querySelector('summary');
    menu.addEventListener('toggle', () => {
      if (!menu.open) return;
      const below = summary.getBoundingClientRect();
      const left = Math.max(8, Math.min(below.left, window.innerWidth - 8 - Math.min(760, window.innerWidth - 28)));
      menu.style.setProperty('--menu-top', `${Math.round(below.bottom + 4)}px`);
      menu.style.setProperty('--menu-left', `${Math.round(left)}px`);
      menu.style.setProperty('--menu-height', `${Math.round(window.innerHeight - below.bottom - 16)}px`);
    });
    document.addEventListener('click', (event) => {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    menu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && menu.open) {
        menu.open = false;
        summary.focus();
      }
    });
  }

  /** Mark the scenario whose race `state` asks for (if any); returns its id or null. */
  mark(state) {
    const request = JSON.stringify(state.request());
    const found = this.cards.find((c) => c.request === request) ?? null;
    for (const c of this.cards) {
      c.card.classList.toggle('current', c === found);
      if (c === found) c.link.setAttribute('aria-current', 'true');
      else c.link.removeAttribute('aria-current');
    }
    this.current.hidden = !found;
    this.current.dataset.scenario = found ? found.link.dataset.scenario : '';
    if (found) {
      this.current.querySelector('.scenario-current-title').textContent = found.title;
      this.current.querySelector('.scenario-current-story').textContent = found.story;
    }
    return found ? found.link.dataset.scenario : null;
  }
}
