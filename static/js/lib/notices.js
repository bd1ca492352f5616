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

/**
 * A page's work in flight and what it could not honour: begin()/end() around each request
 * and draw set <body data-state="busy|ready"> (a hook for tests and screenshots), and
 * notice(…) adds lines to the notice bar, which keeps every line said so far.
 */
export class PageStatus {
  constructor(noticesEl) {
    this.notices = new Notices(noticesEl);
    this.messages = [];
    this.pending = 0;
  }

  begin() {
    this.pending += 1;
    document.body.dataset.state = 'busy';
  }

  end() {
    this.pending -= 1;
    if (this.pending === 0) document.body.dataset.state = 'ready';
  }

  notice(...texts) {
    this.messages.push(...texts);
    this.notices.update(this.messages);
  }

  /** Say only these lines: a room's next view in place has the notices its load would have. */
  replace(...texts) {
    this.messages = [];
    this.notice(...texts);
  }
}
