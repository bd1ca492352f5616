"""Server-sent events from a list of (event, data) pairs computed up front."""

from __future__ import annotations

from collections.abc import Iterable

from sse_starlette.sse import EventSourceResponse

from app.errors import problem
from app.responses import dumps
from engine import EvaluationError, ProgramError


def event_stream(events: Iterable[tuple[str, object]], status_code: int = 200) -> EventSourceResponse:
    """Stream events; sse-starlette stops iterating when the client disconnects."""

    async def generate():
        for event, data in events:
            yield {"event": event, "data": dumps(data).decode()}

    return EventSourceResponse(generate(), status_code=status_code, ping=15)


def error_stream(exc: Exception) -> EventSourceResponse:
    """Bad input on a stream: status 422 and one `error` event with the same detail as the POST's."""
    if isinstance(exc, (ProgramError, EvaluationError)):
        detail = exc.detail()
    else:
        detail = {"message": str(exc)}
    return event_stream([("error", {"detail": detail})], status_code=422)


__all__ = ["event_stream", "error_stream", "problem"]
