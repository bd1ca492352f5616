"""Server-sent events: encoded once, sent with as few thread hops as the work allows.

The wire format is ``event: NAME\\r\\ndata: JSON\\r\\n\\r\\n`` per event (orjson writes no raw
newline, so each event's data is one line), exactly what sse-starlette writes for the
same event.

- A finished list of events (a trace) is one body: :func:`encode_events` joins them,
  and the caller sends them as a cached answer (app.cache), with no thread hop.
- A lazy stream (a race, computed as it is sent) is computed in the thread pool in
  slices: one hop computes events until about ``SLICE_SECONDS`` of CPU or
  ``SLICE_EVENTS`` events, and they go out as one write. The first hop sets the stream
  up and stops at the first event, so the page draws at once. A client that leaves
  stops the stream between slices (sse-starlette cancels the generator), so at most
  the slice in flight is computed after it left.
- The slices after the first run on at most ``SLICE_THREADS`` threads at once (per event
  loop), in turn: a hundred races started together would otherwise hold the thread pool
  with long slices, and the races behind them would wait for their first event. The
  first slice, like any request's own engine work, uses FastAPI's whole pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse
from starlette.responses import Response

from app.errors import extend_openapi, internal_message, logger
from app.responses import dumps
from engine.errors import InputError

MEDIA_TYPE = "text/event-stream"

# How /openapi.json documents a stream: 200 is text/event-stream, not JSON, and each
# event's data has a model of its own (components, listed under `x-events`). Bad input
# found by the engine is a 422 whose body is one `error` event; a request the schema
# refuses is the app's JSON 422 (app.errors documents that one).
BAD_INPUT = {422: {"description": "bad input: the app's JSON error, or one `error` event with the same detail",
                   "content": {MEDIA_TYPE: {"schema": {"type": "string"}},
                               "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}


def stream_docs(events: dict[str, type[BaseModel]],
                after: str = "`error` (ErrorResponse) if a limit is met half-way", errors: dict = BAD_INPUT) -> dict:
    """A stream's documentation: its events by name, each data's model under `x-events`;
    ``after`` ends the list in words, ``errors`` are its other answers."""
    listed = ", ".join(f"`{name}` ({model.__name__})" for name, model in events.items())
    refs = {name: {"$ref": f"#/components/schemas/{model.__name__}"} for name, model in events.items()}
    return {
        "response_class": EventSourceResponse,
        "responses": {
            200: {"description": f"events as they come: {listed}; {after}",
                  "content": {MEDIA_TYPE: {"schema": {"type": "string"}, "x-events": refs}}},
            **errors,
        },
    }


def document_events(app, models: Iterable[type[BaseModel]]) -> None:
    """Put the event models in /openapi.json's components, which no route's response names."""

    def add(components: dict) -> None:
        for model in models:
            own = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(own.pop("$defs", {}))
            components[model.__name__] = own

    extend_openapi(app, add)


SLICE_SECONDS = 0.02  # CPU time one thread hop may compute before its events are sent
SLICE_EVENTS = 64  # events one thread hop may compute before they are sent
SLICE_THREADS = 2  # threads computing slices after the first, per event loop
PING_SECONDS = 15

_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = WeakKeyDictionary()


def _slice_limiter() -> anyio.CapacityLimiter:
    """The running event loop's limiter for later slices (a limiter belongs to one loop)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(SLICE_THREADS)
    return limiter


def encode(event: str, data: object) -> bytes:
    """One event on the wire."""
    return b"event: " + event.encode() + b"\r\ndata: " + dumps(data) + b"\r\n\r\n"


def encode_events(events: Iterable[tuple[str, object]]) -> bytes:
    return b"".join(encode(event, data) for event, data in events)


def _slice(iterator: Iterator[tuple[str, object]], first: bool) -> tuple[bytes, bool]:
    """The next events, encoded, and whether the iterator is exhausted (in a worker thread)."""
    chunks = []
    deadline = time.thread_time() + SLICE_SECONDS
    try:
        for event, data in iterator:
            chunks.append(encode(event, data))
            if first or len(chunks) >= SLICE_EVENTS or time.thread_time() >= deadline:
                return b"".join(chunks), False
    except Exception as exc:
        if first:  # nothing sent yet: a 422 (InputError) or the app's JSON 500
            raise
        # The status is sent: end with an `error` event rather than a dropped connection.
        if isinstance(exc, InputError):
            detail = exc.detail()
        else:
            logger.exception("internal error in an event stream")
            detail = {"message": internal_message(exc)}
        chunks.append(encode("error", {"detail": detail}))
    return b"".join(chunks), True


def _begin(start: Callable[[], Iterable[tuple[str, object]]]) -> tuple[Iterator, bytes, bool]:
    """In a worker thread: set the stream up and compute its first event, in one hop."""
    iterator = iter(start())
    return (iterator, *_slice(iterator, first=True))


async def _rest(iterator: Iterator, chunk: bytes, done: bool):
    """The first event, then the others a slice per hop on the slice threads."""
    try:
        if chunk:
            yield chunk
        while not done:
            chunk, done = await anyio.to_thread.run_sync(_slice, iterator, False, limiter=_slice_limiter())
            if chunk:
                yield chunk
    finally:
        # Cancelled (the client left) or finished: the hop in flight has returned
        # (anyio waits for it), so the engine's generator is idle and can be closed.
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def event_stream(start: Callable[[], Iterable[tuple[str, object]]]) -> Response:
    """Stream the events of ``start()`` as they are computed (see the module's docstring).

    ``start()`` and the first event are computed in one hop, before the answer's status
    is sent: an InputError there (a bad expression, say) is a 422 with one `error` event.
    """
    try:
        iterator, chunk, done = await anyio.to_thread.run_sync(_begin, start)
    except InputError as exc:
        return error_stream(exc)
    return EventSourceResponse(_rest(iterator, chunk, done), ping=PING_SECONDS)


def error_response(detail: dict) -> Response:
    """Bad input on a stream: status 422 and one `error` event (the POST's detail)."""
    return Response(encode("error", {"detail": detail}), 422, {"Cache-Control": "no-store"}, MEDIA_TYPE)


def error_stream(exc: InputError) -> Response:
    return error_response(exc.detail())


__all__ = ["encode", "encode_events", "error_response", "error_stream", "event_stream"]
