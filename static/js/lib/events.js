// Server-sent events over fetch, parsed incrementally as the bytes arrive.
//
// EventSource cannot POST a body nor be told apart from a network error, so the pages
// read event streams with fetch: a POST with a JSON body (a long program never meets a
// URL-length limit) or a GET. Every event's data is JSON. An `error` event (bad input,
// status 422) or a plain JSON error answer throws a RequestError; passing an
// AbortSignal lets a newer request cancel this one (the fetch rejects with an
// AbortError: see isAbort in http.js).
//
//   for await (const { event, data } of readEvents('/api/x/stream', { body, signal })) { … }
//   await streamEvents('/api/x/stream', (event, data) => { … }, { body, signal });

import { RequestError, errorFrom } from './http.js';

/**
 * The event-stream format (https://html.spec.whatwg.org/#event-stream-interpretation),
 * fed text as it arrives: lines end in \r\n, \n or \r (a \r\n may be split across
 * chunks), `event:` names the event, `data:` lines are joined with \n, a blank line
 * dispatches, a line starting with ':' is a comment (the server's keep-alive pings).
 */
export class EventParser {
  constructor() {
    this.buffer = '';
    this.event = '';
    this.data = [];
  }

  /** Add text; returns the events it completed, as {event, data (text)}. */
  push(text) {
    this.buffer += text;
    const events = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (end < 0) break;
      // A \r at the very end may be the first half of a \r\n: wait for the next chunk.
      if (end === cr && end === this.buffer.length - 1) break;
      const next = end === cr && this.buffer[end + 1] === '\n' ? end + 2 : end + 1;
      const event = this.line(this.buffer.slice(start, end));
      if (event) events.push(event);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The stream ended: what is left is one last line and, if it has data, one last event. */
  end() {
    const events = this.push('\n');
    if (this.data.length) events.push(this.dispatch());
    this.buffer = '';
    return events;
  }

  line(line) {
    if (line === '') return this.data.length ? this.dispatch() : this.clear();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return null;
  }

  dispatch() {
    const event = { event: this.event || 'message', data: this.data.join('\n') };
    this.clear();
    return event;
  }

  clear() {
    this.event = '';
    this.data = [];
    return null;
  }
}

/**
 * Fetch an event stream and yield its events, {event, data (parsed JSON)}, as they
 * arrive. options: {body (POSTed as JSON; without it a GET), method, signal}.
 */
export async function* readEvents(url, { body, method, signal } = {}) {
  const init = {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { Accept: 'text/event-stream' },
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const type = response.headers.get('content-type') ?? '';
  // Request validation (e.g. a program over the length limit) answers plain JSON.
  if (!type.startsWith('text/event-stream')) throw await errorFrom(response);

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new EventParser();
  let error = null; // an `error` event: thrown once the stream has ended
  let done = false;
  try {
    while (!done) {
      const chunk = await reader.read();
      done = chunk.done;
      const text = done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      for (const { event, data } of done ? [...parser.push(text), ...parser.end()] : parser.push(text)) {
        const value = JSON.parse(data);
        if (event === 'error') error = value?.detail ?? value;
        else if (!error) yield { event, data: value };
      }
    }
  } finally {
    if (!done) reader.cancel().catch(() => {}); // the caller stopped early, or the request was aborted
  }
  if (error || !response.ok) throw new RequestError(error, response.status);
}

/** readEvents, calling onEvent(event, data) for each; resolves when the stream has ended. */
export async function streamEvents(url, onEvent, options = {}) {
  for await (const { event, data } of readEvents(url, options)) onEvent(event, data);
}
