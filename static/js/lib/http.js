// JSON over fetch with the app's error format: every error body is
// {"detail": {"message", line?, column?, limit?, ...}}.

export class RequestError extends Error {
  /** detail: the API's `detail` object (always has a message); status: the HTTP status (0: no answer). */
  constructor(detail, status) {
    super(detail?.message ?? `request failed (HTTP ${status})`);
    this.name = 'RequestError';
    this.detail = { ...detail, message: this.message };
    this.status = status;
  }
}

/**
 * The RequestError for a failed response, from its JSON body when it has one. A request
 * the page cancels while the body is read stays an AbortError (see isAbort), so the page
 * ignores it rather than showing an error for a request it no longer wants.
 */
export async function errorFrom(response) {
  const payload = await response.json().catch((error) => {
    if (isAbort(error)) throw error;
    return null;
  });
  return new RequestError(payload?.detail, response.status);
}

/**
 * fetch `url` and return its parsed JSON; a 4xx/5xx throws a RequestError.
 * options: {method (default: POST with a body, else GET), body (sent as JSON), signal}.
 */
export async function requestJSON(url, { method, body, signal } = {}) {
  const init = { method: method ?? (body === undefined ? 'GET' : 'POST'), signal, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export const getJSON = (url, { signal } = {}) => requestJSON(url, { signal });

export const postJSON = (url, body, { signal } = {}) => requestJSON(url, { method: 'POST', body, signal });

/** Was this error a request the page itself cancelled (a newer one replaced it)? */
export function isAbort(error) {
  return error?.name === 'AbortError';
}
