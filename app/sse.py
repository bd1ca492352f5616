"""Server-sent events: encoded once, sent with as few thread hops as the work allows.

The wire format is ``event: NAME\\r\\ndata: JSON\\r\\n\\r\\n`` per event (orjson writes no raw
newline, so each event's data is one line), exactly what sse-starlette writes for the
same event.

- A finished list of events (a trace) is one body: :func:`encode_events` joins them,
  and the caller sends them as a cached answer (app.cache), with no thread hop.
- A lazy stream (a race, computed as it is sent) is computed in the thread pool in
  slices: one hop computes events until about ``SLICE_SECONDS`` of work or
  ``SLICE_EVENTS`` events, and they go out as one write. The first slice stops at the
  first event, so the page draws at once. A client that leaves stops the stream between
  slices (sse-starlette cancels the generator), so at most one slice more is computed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.responses import dumps
from engine.errors import InputError

MEDIA_TYPE = "text/event-stream"
SLICE_SECONDS = 0.02  # wall time one thread hop may compute before its events are sent
SLICE_EVENTS = 64  # events one thread hop may compute before they are sent
PING_SECONDS = 15


def encode(event: str, data: object) -> bytes:
    """One event on the wire."""
    return b"event: " + event.encode() + b"\r\ndata: " + dumps(data) + b"\r\n\r\n"


def encode_events(events: Iterable[tuple[str, object]]) -> bytes:
    return b"".join(encode(event, data) for event, data in events)


def _slice(iterator: Iterator[tuple[str, object]], first: bool) -> tuple[bytes, bool]:
    """The next events, encoded, and whether the iterator is exhausted (in a worker thread)."""
    chunks = []
    deadline = time.perf_counter() + SLICE_SECONDS
    for event, data in iterator:
        chunks.append(encode(event, data))
        if first or len(chunks) >= SLICE_EVENTS or time.perf_counter() >= deadline:
            return b"".join(chunks), False
    return b"".join(chunks), True


def event_stream(events: Iterable[tuple[str, object]], status_code: int = 200) -> EventSourceResponse:
    """Stream events as they are computed, a slice per thread hop (see the module's docstring)."""
    iterator = iter(events)

    async def generate():
        first, done = True, False
        try:
            while not done:
                chunk, done = await run_in_threadpool(_slice, iterator, first)
                first = False
                if chunk:
                    yield chunk
        finally:
            # Cancelled (the client left) or finished: the hop in flight has returned
            # (anyio waits for it), so the engine's generator is idle and can be closed.
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    return EventSourceResponse(generate(), status_code=status_code, ping=PING_SECONDS)


def error_response(detail: dict) -> Response:
    """Bad input on a stream: status 422 and one `error` event (the POST's detail)."""
    return Response(encode("error", {"detail": detail}), 422, {"Cache-Control": "no-store"}, MEDIA_TYPE)


def error_stream(exc: InputError) -> Response:
    return error_response(exc.detail())


__all__ = ["encode", "encode_events", "error_response", "error_stream", "event_stream"]
