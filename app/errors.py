"""Every error is a 4xx whose body is {"detail": {"message", ...}}: never a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from app.responses import FastJSONResponse
from engine import EvaluationError, ProgramError

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


def problem(status: int, **detail) -> FastJSONResponse:
    return FastJSONResponse({"detail": detail}, status_code=status)


def validation_detail(errors: list[dict]) -> dict:
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"] if p not in ("body", "query"))
    message = f"{where}: {first['msg']}" if where else first["msg"]
    detail = {"message": message}
    if first["type"] in LIMIT_ERRORS and where:
        detail["limit"] = where
        detail["message"] = f"{message} (limit {where})"
    detail["errors"] = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return detail


def install(app: FastAPI) -> None:
    @app.exception_handler(ProgramError)
    async def program_error(request: Request, exc: ProgramError):
        return problem(422, **exc.detail())

    @app.exception_handler(EvaluationError)
    async def evaluation_error(request: Request, exc: EvaluationError):
        return problem(422, **exc.detail())

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError):
        # The engine raises ValueError for a bad hyperparameter or schedule setting.
        return problem(422, message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError):
        return problem(422, **validation_detail(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        return problem(exc.status_code, **detail)
