"""Every error of the user's is a 4xx whose body is {"detail": {"message", ...}}.

Bad input is a pydantic RequestValidationError (the schemas' bounds) or one of the
engine's own InputErrors (ProgramError, EvaluationError, ParamError, …), each with
its ``detail()``. Any other exception is a bug in backproplab and stays a 500: no
catch-all turns it into the user's fault."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from app.responses import FastJSONResponse
from engine.errors import InputError

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
    reason = first["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
    message = f"{where}: {reason}" if where else reason
    detail = {"message": message}
    if first["type"] in LIMIT_ERRORS and where:
        detail["limit"] = where
        detail["message"] = f"{message} (limit {where})"
    detail["errors"] = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return detail


def install(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError):
        return problem(422, **exc.detail())

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError):
        return problem(422, **validation_detail(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        return problem(exc.status_code, **detail)
