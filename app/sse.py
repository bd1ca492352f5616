"""Server-sent events from an iterable of (event, data) pairs."""

from __future__ import annotations

from collections.abc import Iterable

from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from app.responses import dumps
from engine.errors import InputError


def event_stream(events: Iterable[tuple[str, object]], status_code: int = 200) -> EventSourceResponse:
    """Stream events as they are computed.

    Each next event is computed in the thread pool, so the event loop stays free to
    notice a client that disconnects: sse-starlette then stops this generator, and no
    further event (no further optimisation step) is computed.
    """
    iterator = iter(events)

    async def generate():
        while (item := await run_in_threadpool(next, iterator, None)) is not None:
            event, data = item
            yield {"event": event, "data": dumps(data).decode()}

    return EventSourceResponse(generate(), status_code=status_code, ping=15)


def error_stream(exc: InputError) -> EventSourceResponse:
    """Bad input on a stream: status 422 and one `error` event with the same detail as the POST's."""
    return event_stream([("error", {"detail": exc.detail()})], status_code=422)


__all__ = ["error_stream", "event_stream"]
