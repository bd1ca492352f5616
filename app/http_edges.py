"""HTTP's own rules at the edge of the app, in one pure ASGI middleware, so that no route
needs to know them:

- A body over ``MAX_BODY_BYTES`` is a 413 in the app's error format, refused from its
  Content-Length before any of it is read, or as soon as a body without one passes the
  limit (a 60 MB JSON body once held the event loop for 1.5 s while it was parsed).
- ``HEAD`` is answered as ``GET`` without the body, on every route (monitoring asks
  ``HEAD /api/health``); a stream stops after its headers.
- A query that is not UTF-8 once percent-decoded is a 400 that says so.
- ``If-None-Match`` and ``If-Modified-Since`` count only for GET and HEAD (RFC 9110
  §13.1.2: a 304 answers a GET or a HEAD), so a POST with ``If-None-Match: *`` is answered.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem
from engine.limits import MAX_BODY_BYTES

CONDITIONAL = (b"if-none-match", b"if-modified-since")


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body reader lets it through to the app's handler."""

    def __init__(self):
        super().__init__(413, {"message": f"the request body is larger than {MAX_BODY_BYTES:,} bytes "
                                          "(limit max_body_bytes)", "limit": "max_body_bytes"})


class _HeadSent(Exception):
    """Raised into a HEAD request's app once its headers are out: nothing more is wanted."""


class HttpEdges:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in CONDITIONAL]}
        not_utf8 = _not_utf8(scope.get("query_string", b""))
        if not_utf8:
            await problem(400, message=f"the URL is not valid UTF-8 (it has {not_utf8}): text in a URL is "
                                       "UTF-8, percent-encoded, as encodeURIComponent writes it")(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await _send_too_large(scope, receive, send)
            return
        receive = self._counted(receive)
        if method == "HEAD":
            await self._head(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _counted(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge()
            return message

        return counted

    async def _head(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def headers_only(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                await send(message)
            elif message["type"] == "http.response.body" and started:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                raise _HeadSent

        try:
            await self.app({**scope, "method": "GET"}, receive, headers_only)
        except Exception as exc:  # an exception group from a stream's task group holds _HeadSent
            if not (started and _holds(exc, _HeadSent)):
                raise


def _not_utf8(query: bytes) -> str | None:
    """The first bytes of a query that do not decode as UTF-8, percent-encoded, or None.
    Starlette would read them as U+FFFD, and a message would quote a "�" nobody typed."""
    raw = unquote_to_bytes(query.replace(b"+", b" "))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "".join(f"%{byte:02X}" for byte in raw[exc.start:exc.end])
    return None


def _holds(exc: BaseException, kind: type) -> bool:
    if isinstance(exc, kind):
        return True
    return isinstance(exc, BaseExceptionGroup) and any(_holds(e, kind) for e in exc.exceptions)


async def _send_too_large(scope: Scope, receive: Receive, send: Send) -> None:
    exc = BodyTooLarge()
    await problem(exc.status_code, **exc.detail)(scope, receive, send)


__all__ = ["MAX_BODY_BYTES", "BodyTooLarge", "HttpEdges"]
