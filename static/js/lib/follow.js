// A student's page following a room (docs/DESIGN.md "Rooms"): each `state` event is the
// lecturer's URL, and the page shows that URL's view: in place when it is the same page and
// the page registered how (lib/urlstate.js onUrlShow), else by opening it. What the tab follows
// (the code, the last seq it showed, whether it detached) is in sessionStorage, so the page
// it opens connects again and skips the state it was opened for: a new EventSource cannot
// send Last-Event-ID, so the seq is compared here.
//
// Touching the page (a click, a key, or a wheel that a control takes, outside the banner,
// the quiz and the header's tools) detaches: the page becomes the student's own, from the
// view it shows; Re-join shows the lecturer's current one. EventSource reconnects by itself
// after a dropped stream; after an answer that is not a stream (a 503 while Redis is away)
// it gives up, so it is made anew, later each time.

import { h, replace } from './dom.js';
import { RequestError } from './http.js';
import { showInPlace } from './urlstate.js';

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
const NOT_A_TOUCH = ['Tab', 'Shift', 'Control', 'Alt', 'Meta', 'CapsLock'];
const CLIENT = 'backproplab.client';

/** A random id for this tab's answers (so a changed answer replaces the first), never who the student is. */
function clientId() {
  const fresh = () => Array.from(window.crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  try {
    const id = window.sessionStorage.getItem(CLIENT) ?? fresh();
    window.sessionStorage.setItem(CLIENT, id);
    return id;
  } catch {
    return (clientId.kept ??= fresh()); // storage refused: one id while the page lasts
  }
}

export class Follower {
  /** banner: base.html's follow banner; storage: lib/room.js's; url(): this page's room URL; request: room.js's roomRequest. */
  constructor({ banner, storage, url, request }) {
    Object.assign(this, { banner, storage, url, request });
    this.room = storage.read();
    this.source = null;
    this.mode = 'connecting'; // connecting | following | reconnecting | ended | missing
    this.failures = 0;
    this.onQuiz = () => {}; // told (type, data) for each `question` and `reveal`, and ('closed') at the end
    for (const type of ['click', 'keydown']) {
      document.addEventListener(type, (event) => this.touched(event), { capture: true });
    }
    // A wheel that a control took (the trainability map's zoom; the page's own scrolling is not taken) is a touch too.
    document.addEventListener('wheel', (event) => { if (event.defaultPrevented) this.touched(event); });
    this.draw();
    this.connect();
  }

  get role() { return 'student'; }

  /** Is the room still there to follow (detached or not)? */
  get open() {
    return !['ended', 'missing'].includes(this.mode);
  }

  get following() {
    return this.open && !this.room.detached;
  }

  connect() {
    const source = new EventSource(`/api/rooms/${encodeURIComponent(this.room.code)}/events`);
    this.source = source;
    source.addEventListener('open', () => {
      this.failures = 0;
      this.set('following');
    });
    source.addEventListener('state', (event) => this.state(JSON.parse(event.data)));
    for (const type of ['question', 'reveal']) {
      source.addEventListener(type, (event) => this.onQuiz(type, JSON.parse(event.data)));
    }
    source.addEventListener('closed', () => this.end('ended'));
    source.addEventListener('error', () => this.lost(source));
  }

  /** The lecturer's page changed: show its URL's view, once per seq. */
  state({ seq, url }) {
    if (seq <= (this.room.seq ?? 0)) return; // the view this page was opened for
    this.save({ seq });
    if (!this.room.detached) this.show(url);
  }

  /** Show the lecturer's URL: in place when it is this page and the page can, else by opening it. */
  show(url) {
    if (!url || url === this.url()) return;
    // The server takes only its own pages' paths; a page never leaves the app's origin either.
    const target = new URL(url, window.location.origin);
    if (target.origin !== window.location.origin) return;
    if (target.pathname === window.location.pathname && showInPlace(target.search)) return;
    window.location.assign(target.href);
  }

  async lost(source) {
    if (source !== this.source || !this.open) return;
    if (source.readyState !== EventSource.CLOSED) {
      this.set('reconnecting'); // EventSource tries again by itself
      return;
    }
    source.close();
    this.set('reconnecting');
    try {
      await this.request(`/${encodeURIComponent(this.room.code)}`);
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) {
        this.end(this.room.seq ? 'ended' : 'missing');
        return;
      }
    }
    const wait = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures += 1;
    window.setTimeout(() => this.connect(), wait);
  }

  /** The room is over (or never was): the page stays as it is, and is the student's. */
  end(mode) {
    this.source?.close();
    this.storage.clear();
    this.set(mode);
    this.onQuiz('closed');
  }

  /** Send this student's answer to the open question (the latest one counts); resolves to the room's count. */
  answer(question, value) {
    return this.request(`/${encodeURIComponent(this.room.code)}/answers`, {
      method: 'POST', body: { question, client: clientId(), value },
    });
  }

  touched(event) {
    if (!event.isTrusted || !this.following) return;
    if (event.type === 'keydown' && (NOT_A_TOUCH.includes(event.key) || event.repeat)) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target?.closest('[data-testid=follow-banner], .header-tools, [data-quiz]')) return; // answering is following
    this.detach();
  }

  detach() {
    this.save({ detached: true });
    this.draw();
  }

  async rejoin() {
    try {
      const info = await this.request(`/${encodeURIComponent(this.room.code)}`);
      this.save({ detached: false, seq: info.seq });
      this.draw();
      this.show(info.url);
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) this.end('ended');
    }
  }

  save(changes) {
    Object.assign(this.room, changes);
    this.storage.write(this.room);
  }

  set(mode) {
    this.mode = mode;
    this.draw();
  }

  draw() {
    const mode = this.room.detached && this.open ? 'detached' : this.mode;
    this.banner.dataset.mode = mode;
    const button = (testid, text, onclick) => h('button', { type: 'button', 'data-testid': testid, onclick }, text);
    const dismiss = button('follow-dismiss', '×', () => { this.banner.hidden = true; });
    dismiss.setAttribute('aria-label', 'Dismiss');
    const code = h('span', { class: 'follow-code' }, `room ${this.room.code}`);
    const lines = {
      connecting: [h('span', {}, 'Joining the lecture… '), code],
      following: [h('span', {}, 'Following the lecture '), code, button('detach', 'Detach', () => this.detach())],
      reconnecting: [h('span', {}, 'Following the lecture: reconnecting… '), code,
        button('detach', 'Detach', () => this.detach())],
      detached: [h('span', {}, 'Exploring on your own '), code, button('rejoin', 'Re-join', () => this.rejoin())],
      ended: [h('span', {}, 'The lecture has ended.'), dismiss],
      missing: [h('span', {}, `No room ${this.room.code}: it ended, expired, or the code is mistyped.`), dismiss],
    };
    replace(this.banner, lines[mode]);
    this.banner.hidden = false;
  }
}
