// The trace stream: POST /api/graph/trace/stream read with fetch, parsed as
// server-sent events by hand (EventSource cannot POST a body).

export class RequestError extends Error {
  constructor(detail, status) {
    super(detail?.message ?? `request failed (HTTP ${status})`);
    this.detail = detail ?? { message: this.message };
    this.status = status;
  }
}

/**
 * Fetch a trace stream: calls onEvent(name, data) for `graph`, `forward` × N,
 * `backward` × N and `done`, in order. Bad input throws a RequestError whose detail is
 * {message, line?, column?, node?} (status 422 with one `error` event).
 *
 * The body is read whole, then parsed: the server computes the trace before its first
 * event, so nothing is lost, and Chromium reports an event-stream fetch read chunk by
 * chunk as aborted (net::ERR_ABORTED) in its network log even when it completed.
 */
export async function streamTrace(body, onEvent, { signal } = {}) {
  const response = await fetch('/api/graph/trace/stream', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream')) {
    // Request validation (e.g. a program over the length limit) answers plain JSON.
    const payload = await response.json().catch(() => null);
    throw new RequestError(payload?.detail, response.status);
  }
  let error = null;
  for (const { event, data } of parseEvents(await response.text())) {
    if (event === 'error') error = data?.detail ?? data;
    else onEvent(event, data);
  }
  if (error || !response.ok) throw new RequestError(error, response.status);
}

/** POST JSON and return the parsed answer; a 4xx/5xx throws a RequestError. */
export async function postJSON(url, body, { signal } = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new RequestError(payload?.detail, response.status);
  return payload;
}

/** The {event, data} records of server-sent-events text (lines end in \r\n, \n or \r). */
export function* parseEvents(text) {
  let event = 'message';
  let data = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) yield { event, data: JSON.parse(data.join('\n')) };
      event = 'message';
      data = [];
    } else if (!line.startsWith(':')) { // ':' starts a comment (the server's keep-alive pings)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
  if (data.length) yield { event, data: JSON.parse(data.join('\n')) };
}
