// The bar under the header that tells the user what the page could not honour
// (a URL value that fell back to its default): one line each, dismissable.

import { h, replace } from './dom.js';

export class Notices {
  constructor(el) {
    this.el = el;
  }

  /** Show these messages (none: hide the bar). */
  update(messages) {
    this.el.hidden = messages.length === 0;
    replace(this.el,
      h('ul', {}, messages.map((message) => h('li', {}, message))),
      h('button', {
        type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', title: 'Dismiss',
        onclick: () => this.update([]),
      }, '×'));
  }
}
