"""Every error of the user's is a 4xx whose body is {"detail": {"message", ...}}; a bug is
a JSON 500 whose traceback goes to the log, not to the user.

Bad input is a pydantic RequestValidationError (the schemas' bounds) or one of the
engine's own InputErrors (ProgramError, EvaluationError, ParamError, CpuTimeError, …),
each with its ``detail()``. Any other exception is a bug in backproplab, never the
user's fault: it is logged with its traceback (logger "backproplab") and answered
``500 {"detail": {"message": "internal error: …"}}``.

``install`` also gives every request one CPU budget (``RequestBudget``), so that all the
engine calls a request makes (parse, layout, trace, gradient check, …) draw from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from app.responses import FastJSONResponse
from app.schemas.errors import ErrorDetail, ErrorResponse
from engine import budget
from engine.errors import InputError

logger = logging.getLogger("backproplab")

# pydantic error types that mean "a limit was exceeded": the message names the limit.
LIMIT_ERRORS = {
    "string_too_long",
    "too_long",
    "too_short",
    "less_than_equal",
    "less_than",
    "greater_than",
    "greater_than_equal",
}
# pydantic messages a student could not act on, said plainly
PLAIN = {
    "string_unicode": "the text contains a character that is not valid Unicode (a lone surrogate, "
                      "like \\ud800); delete it",
}
# pydantic error types of a body that is not a JSON object at all
NOT_AN_OBJECT = {"model_attributes_type", "model_type", "dict_type", "missing"}


def problem(status: int, **detail) -> FastJSONResponse:
    return FastJSONResponse({"detail": detail}, status_code=status)


def validation_detail(errors: list[dict], content_type: str | None = None) -> dict:
    """The first error as ``{message, limit?, errors}``; ``content_type`` (the request's,
    when known) lets a body that is not a JSON object say what to send instead."""
    first = errors[0]
    loc = [p for p in first["loc"] if p not in ("body", "query")]
    where = ".".join(str(p) for p in loc)
    reason = PLAIN.get(first["type"]) or first["msg"].removeprefix("Value error, ")  # a validator's own message
    message = f"{where}: {reason}" if where else reason
    detail = {"message": message}
    ctx = first.get("ctx") or {}
    cause = ctx.get("error")  # an engine's InputError raised in a validator keeps its fields (owner, param)
    if isinstance(cause, InputError):
        detail.update({k: v for k, v in cause.detail().items() if k != "message"})
    limit = ctx.get("limit")  # a validator's own limit (PydanticCustomError ctx)
    if limit:
        detail["limit"] = limit
    elif first["type"] in LIMIT_ERRORS and where:
        detail["limit"] = where
        detail["message"] = f"{message} (limit {where})"
    if first["loc"] and first["loc"][0] == "body":
        hint = _body_hint(first, content_type)
        if hint:
            detail["message"] = hint
    detail["errors"] = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return detail


def _body_hint(error: dict, content_type: str | None) -> str | None:
    """What to send, when the body could not be read as a JSON object."""
    if error["type"] == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        at = error["loc"][1] + 1 if len(error["loc"]) > 1 else None  # counted from 1, as a program's columns are
        return f"the body is not valid JSON{f' (at character {at}: {reason})' if reason and at is not None else ''}"
    if tuple(error["loc"]) != ("body",) or error["type"] not in NOT_AN_OBJECT:
        return None
    if content_type is not None and not _is_json(content_type):
        shown = content_type.split(";")[0].strip() or "none"
        return (f"send the body as a JSON object with the header `Content-Type: application/json` "
                f"(this request's content type is {shown})")
    if error["type"] == "missing":
        return "the request has no body: send a JSON object with the header `Content-Type: application/json`"
    return "the body must be a JSON object, like {\"program\": \"z = x * y\"}"


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class RequestBudget:
    """A pure ASGI middleware: one CPU budget (engine.budget) per HTTP request, set in the
    request's context. Every engine call of the request, including the steps of a stream
    computed after the handler returns, draws from it; each counts the CPU of the thread
    it runs on, so the budget holds across FastAPI's thread pool."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with budget.request_scope():
            await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """The error handlers, their format in the OpenAPI schema, and the per-request CPU budget."""
    app.add_middleware(RequestBudget)
    document_errors(app)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError):
        return problem(422, **exc.detail())

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError):
        return problem(422, **validation_detail(exc.errors(), request.headers.get("content-type", "")))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and "Allow" in headers:
            allowed = [m.strip() for m in headers["Allow"].split(",")]
            if "GET" in allowed and "HEAD" not in allowed:  # app.http_edges answers HEAD as GET everywhere
                allowed.append("HEAD")
            headers["Allow"] = ", ".join(allowed)
            detail = {"message": f"{request.method} is not allowed here; {request.url.path} takes {headers['Allow']}"}
        response = problem(exc.status_code, **detail)
        response.headers.update(headers)
        return response


def extend_openapi(app: FastAPI, add: Callable[[dict], None]) -> None:
    """Let ``add(components)`` change /openapi.json's component schemas once it is made."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            add(schema.setdefault("components", {}).setdefault("schemas", {}))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def document_errors(app: FastAPI) -> None:
    """Make /openapi.json describe the 422s the app sends (``ErrorResponse``) where FastAPI
    would describe its own default, a list of pydantic errors (HTTPValidationError)."""

    def add(components: dict) -> None:
        ref = "#/components/schemas/{model}"
        components["ErrorDetail"] = ErrorDetail.model_json_schema(ref_template=ref)
        response = ErrorResponse.model_json_schema(ref_template=ref)
        response.pop("$defs", None)  # ErrorDetail is a component of its own
        components["HTTPValidationError"] = {**response, "title": "HTTPValidationError"}
        components.pop("ValidationError", None)

    extend_openapi(app, add)


class ServerErrors:
    """A bug is one JSON 500, logged once with its traceback, and the end of the matter.

    A pure ASGI middleware inside SecurityHeaders, so the 500 carries the security headers.
    Starlette's own ServerErrorMiddleware (outermost) would send its 500 without them and
    then re-raise to the server, which logs the failure a second time and drops the
    keep-alive connection: the client's next request on it would fail. An exception after
    the response has started (a stream) can only end the response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if isinstance(exc, ClientDisconnect):
                return  # the client left while its body was read: nobody to answer
            logger.error("internal error in %s %s", scope["method"], scope["path"], exc_info=exc)
            if not started:
                await problem(500, message=internal_message(exc))(scope, receive, send)


def internal_message(exc: Exception) -> str:
    return (f"internal error: {type(exc).__name__}; the server's log has the details. "
            "This is a bug in backproplab, not a mistake in your input")


__all__ = ["RequestBudget", "ServerErrors", "document_errors", "extend_openapi", "install", "internal_message", "problem", "validation_detail"]