"""The app's error format, ``{"detail": {"message", …}}``, as the OpenAPI schema documents it
(app.errors puts it in place of FastAPI's default 422 schema, a list of pydantic errors)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    """``message`` always; the rest where they apply: ``limit`` (the limit exceeded), ``line``
    and ``column`` (1-based, in a program or expression), ``node`` (a graph node), ``owner``
    and ``param`` (a hyperparameter), ``errors`` (every validation error, pydantic's)."""

    model_config = ConfigDict(extra="allow")

    message: str
    limit: str | None = None
    line: int | None = None
    column: int | None = None
    node: str | None = None
    owner: str | None = None
    param: str | None = None
    errors: list[dict] | None = None


class ErrorResponse(BaseModel):
    detail: ErrorDetail
