// The classroom (docs/DESIGN.md "Rooms"): a lecturer's page publishes its URL to a room,
// and students' pages follow it (lib/follow.js). Every page's state is its URL, so a
// room's state is just that: the path and query, without `presenter` (a phone following a
// projector wants its own type size).
//
// Which side this tab is on lives in sessionStorage, so it survives following the header's
// links. The presenter key is never put in a query string, never sent but in the
// Authorization header, and never shown: a page opened with `#room=CODE&key=KEY` (a link
// that hands the room to another tab or device) takes it into sessionStorage and clears
// the fragment from the address bar, which a projector would show to the whole hall.

import { h, replace } from './dom.js';
import { RequestError, errorFrom, isAbort } from './http.js';
import { Follower } from './follow.js';
import { serverLimits } from './limits.js';
import { onUrlSave } from './urlstate.js';

const STORAGE = 'backproplab.room';
const POLL_MS = 3000; // how often the corner reads the number of followers

// Who wants this tab's room once it exists (the stepper's quiz, graph/quiz.js): the
// presenter's PresenterRoom or the student's Follower, as it is made.
const roomListeners = new Set();
let currentRoom = null;

/** Call listener(room) with this tab's room, now if there is one and whenever one starts. */
export function onRoom(listener) {
  roomListeners.add(listener);
  if (currentRoom) listener(currentRoom);
}

function announce(room) {
  currentRoom = room;
  roomListeners.forEach((listener) => listener(room));
}

/** This tab's room: {role: 'presenter', code, key, followUrl} or {role: 'follower', code, seq, detached}. */
export const roomStorage = {
  read() {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORAGE) ?? 'null');
    } catch {
      return null; // storage refused (a private window) or unreadable: no room
    }
  },
  write(value) {
    try {
      window.sessionStorage.setItem(STORAGE, JSON.stringify(value));
    } catch { /* without storage the room lasts until the next page */ }
  },
  clear() {
    try {
      window.sessionStorage.removeItem(STORAGE);
    } catch { /* nothing kept */ }
  },
};

/** The URL a room publishes and a follower opens: path and query, without presenter mode. */
export function roomUrl(href = window.location.href) {
  const url = new URL(href, window.location.href);
  url.searchParams.delete('presenter');
  url.searchParams.delete('room');
  const search = url.searchParams.toString();
  return `${url.pathname}${search ? `?${search}` : ''}`;
}

/** A room request; a 4xx or 5xx throws a RequestError. */
export async function roomRequest(path, { method = 'GET', key, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/rooms${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
    keepalive: method !== 'GET', // a publish or an answer sent as the page navigates still arrives
  });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** What the address bar says on arrival, before the page rewrites its URL: `?room=` and `#room=…&key=…`. */
function arrival() {
  const query = new URLSearchParams(window.location.search);
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const follow = query.get('room');
  const handed = fragment.get('key') && fragment.get('room') ? { code: fragment.get('room'), key: fragment.get('key') } : null;
  if (follow !== null || handed) {
    query.delete('room');
    const search = query.toString();
    const hash = handed ? '' : window.location.hash;
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${search ? `?${search}` : ''}${hash}`);
  }
  return { follow, handed };
}

const ARRIVAL = arrival(); // read as the module loads: before any page's state saves its URL

/** The presenter's corner: the code, the follow URL and its QR code, the followers, and the end. */
class PresenterRoom {
  constructor({ bar, button, room, followable }) {
    Object.assign(this, { bar, button, room, followable });
    this.published = null;
    this.timer = null;
    this.sending = false;
    this.dirty = false; // the URL changed while a publish was waiting or in flight
    this.lastSent = -Infinity;
    this.interval = Infinity; // until the server's publish interval is known: nothing is sent before
    this.ended = false;
    this.quiz = null; // {question} or {reveal} to send with the next publish
    this.question = null; // the question open in the room, as this page asked it
    this.onQuestion = () => {}; // told (question or null, reveal or null) when the open question changes
    serverLimits().then((limits) => {
      this.interval = limits.max('publish_interval', 0) * 1000; // unknown: the server still coalesces
      this.schedule();
    });
    this.draw();
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || this.qr.hidden) return;
      event.stopPropagation(); // Esc closes the QR code, nothing else
      this.showQr(false);
    }, { capture: true });
    onUrlSave(() => this.schedule());
    this.poll = window.setInterval(() => this.refresh(), POLL_MS);
    this.refresh();
  }

  get role() { return 'presenter'; }

  /** Publish the page's URL soon: at most one request in flight, one per publish interval. */
  schedule() {
    if (this.ended || !this.followable || this.timer !== null || this.sending || this.interval === Infinity) {
      this.dirty = true;
      return;
    }
    const wait = Math.max(0, this.lastSent + this.interval - performance.now());
    this.timer = window.setTimeout(() => this.flush(), wait);
  }

  async flush() {
    this.timer = null;
    this.dirty = false;
    const url = roomUrl();
    const quiz = this.quiz;
    if ((url === this.published && !quiz) || this.ended) return;
    this.quiz = null;
    this.sending = true;
    this.lastSent = performance.now();
    try {
      await roomRequest(`/${this.room.code}/state`, { method: 'PUT', key: this.room.key, body: { url, ...quiz } });
      this.published = url;
      this.say('');
      this.quizSent(quiz);
    } catch (error) {
      this.failed(error);
    } finally {
      this.sending = false;
    }
    if (this.dirty) this.schedule();
  }

  /**
   * Ask the room a question (DESIGN's quiz): it goes out with the page's URL at once. The
   * next publish closes it: with `reveal` if the page gave one (revealQuestion), else the
   * students hear the lecturer moved on.
   */
  ask(question) {
    this.quiz = { question };
    this.schedule();
  }

  /** Close the open question with the engine's value, on the publish this change makes. */
  revealQuestion(value) {
    if (this.question) this.quiz = { reveal: { id: this.question.id, value } };
  }

  quizSent(quiz) {
    if (quiz?.question) {
      this.question = quiz.question;
      this.onQuestion(this.question, null);
    } else if (this.question) { // any other publish closes the open question
      const closed = this.question;
      this.question = null;
      this.onQuestion(null, { id: closed.id, value: quiz?.reveal?.value ?? null });
    }
  }

  /** The room's answers to question `id`: {count, values_summary, histogram}. */
  answers(id) {
    return roomRequest(`/${this.room.code}/answers?question=${encodeURIComponent(id)}`, { key: this.room.key });
  }

  /** The number of followers (and whether the room still exists). */
  async refresh() {
    try {
      const info = await roomRequest(`/${this.room.code}`);
      this.followers.textContent = info.followers === 1 ? '1 following' : `${info.followers} following`;
      this.followers.dataset.count = String(info.followers);
    } catch (error) {
      this.failed(error);
    }
  }

  failed(error) {
    if (isAbort(error)) return;
    if (error instanceof RequestError && error.status === 404) {
      this.stop('This room has ended (it expired or was ended elsewhere).');
    } else {
      this.say(error instanceof RequestError && error.status === 422
        ? `This view is not published: ${error.message}`
        : `Students may not see this view: ${error.message}`);
    }
  }

  say(text) {
    this.status.textContent = text;
    this.status.hidden = text === '';
  }

  draw() {
    const { code, followUrl } = this.room;
    this.followers = h('span', { class: 'room-followers', 'data-testid': 'room-followers' }, '…');
    this.status = h('span', { class: 'room-status', 'data-testid': 'room-status', hidden: true });
    this.qr = h('div', { class: 'room-qr', 'data-testid': 'room-qr', hidden: true, onclick: () => this.showQr(false) },
      h('img', { src: `/api/rooms/${code}/qr.svg`, alt: `QR code of ${followUrl}`, width: 400, height: 400 }),
      h('p', {}, h('span', { class: 'room-qr-url' }, followUrl),
        h('span', { 'data-testid': 'room-join-hint' }, 'or open ', h('b', {}, followUrl.replace(/\/?\?room=.*$/, '/join')),
          ' and type ', h('b', {}, code)),
        h('span', { class: 'room-qr-close' }, 'Click or press Esc to close')));
    replace(this.bar,
      h('span', { class: 'room-label' }, 'Room'),
      h('strong', { class: 'room-code-value', 'data-testid': 'room-code-value' }, code),
      h('span', { class: 'room-follow' }, h('span', { class: 'room-follow-lead' }, 'Students open '),
        h('a', { href: followUrl, 'data-testid': 'room-follow-url', target: '_blank', rel: 'noreferrer' },
          followUrl.replace(/^https?:\/\//, ''))),
      this.followers,
      this.status,
      h('span', { class: 'room-actions' },
        h('button', { type: 'button', 'data-testid': 'room-qr-toggle', onclick: () => this.showQr(true) }, 'QR code'),
        h('button', { type: 'button', 'data-testid': 'room-end', onclick: () => this.end() }, 'End the room')),
      this.qr);
    this.bar.hidden = false;
    this.button.setAttribute('aria-pressed', 'true');
    this.button.title = `Room ${code}: show its QR code`;
  }

  showQr(on) {
    this.qr.hidden = !on;
  }

  async end() {
    try {
      await roomRequest(`/${this.room.code}`, { method: 'DELETE', key: this.room.key });
    } catch (error) {
      if (!(error instanceof RequestError && error.status === 404)) {
        this.say(`Could not end the room: ${error.message}`);
        return;
      }
    }
    this.stop('');
  }

  /** The room is over: forget it, and leave the page as it is. */
  stop(text) {
    this.ended = true;
    window.clearInterval(this.poll);
    window.clearTimeout(this.timer);
    roomStorage.clear();
    this.question = null;
    this.onQuestion(null, null);
    this.button.setAttribute('aria-pressed', 'false');
    this.button.title = 'Start a room: students\' pages follow this one';
    if (text) {
      replace(this.bar, h('span', { class: 'room-status' }, text),
        h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: () => { this.bar.hidden = true; } }, '×'));
    } else {
      this.bar.hidden = true;
    }
  }
}

/**
 * Wire the header's room button and the room bars (base.html) once per page: a room this
 * tab presents or follows carries on here, `?room=CODE` starts following, and the button
 * starts a room.
 */
export function wireRoom() {
  const button = document.querySelector('[data-testid=room-start]');
  const bar = document.querySelector('[data-testid=room-code]');
  const banner = document.querySelector('[data-testid=follow-banner]');
  if (!button || !bar || !banner) return null;
  const followable = document.body.dataset.roomPage !== 'no';

  if (ARRIVAL.handed) {
    const code = ARRIVAL.handed.code.trim().toUpperCase();
    roomStorage.write({ role: 'presenter', code, key: ARRIVAL.handed.key, followUrl: `${window.location.origin}/?room=${code}` });
  }
  if (ARRIVAL.follow !== null) roomStorage.write({ role: 'follower', code: ARRIVAL.follow.trim().toUpperCase(), seq: 0, detached: false });

  const stored = roomStorage.read();
  let presenter = null;
  if (stored?.role === 'presenter' && stored.code && stored.key) {
    presenter = new PresenterRoom({ bar, button, room: stored, followable });
    announce(presenter);
  } else if (stored?.role === 'follower' && stored.code) {
    button.hidden = true; // a student's page drives no room of its own while it follows one
    const follower = new Follower({ banner, storage: roomStorage, url: roomUrl, request: roomRequest });
    announce(follower);
    return follower;
  }

  button.addEventListener('click', async () => {
    button.blur();
    if (presenter && !presenter.ended) {
      presenter.showQr(true);
      return;
    }
    button.disabled = true;
    try {
      const made = await roomRequest('', { method: 'POST', body: {} });
      const room = { role: 'presenter', code: made.code, key: made.presenter_key, followUrl: made.follow_url };
      roomStorage.write(room);
      presenter = new PresenterRoom({ bar, button, room, followable });
      announce(presenter);
      presenter.showQr(true);
    } catch (error) {
      replace(bar, h('span', { class: 'room-status', 'data-testid': 'room-status' }, `Could not start a room: ${error.message}`),
        h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: () => { bar.hidden = true; } }, '×'));
      bar.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return presenter;
}
