"""The surface endpoints: the built-in surfaces' metadata and a grid request."""

from __future__ import annotations

from pydantic import Field, model_validator

from app.schemas.common import Answer, Coordinate, Strict
from engine.limits import MAX_GRID_N, MAX_PROGRAM_CHARS

DEFAULT_GRID_N = 200  # points per side of a contour plot's grid when n is not given


class Domain(Strict):
    x: tuple[Coordinate, Coordinate]
    y: tuple[Coordinate, Coordinate]

    @model_validator(mode="after")
    def increasing(self) -> Domain:
        for name, (lo, hi) in (("x", self.x), ("y", self.y)):
            if not lo < hi:
                raise ValueError(f"domain.{name} must be [low, high] with low < high, got [{lo:g}, {hi:g}]")
        return self

    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.x, self.y)


class GridRequest(Strict):
    expression: str = Field(max_length=MAX_PROGRAM_CHARS)
    domain: Domain
    n: int = Field(DEFAULT_GRID_N, ge=2, le=MAX_GRID_N)


class SurfaceInfo(Answer):
    id: str
    title: str
    expression: str
    formula: str
    domain: dict[str, tuple[float, float]]
    minima: list[tuple[float, float]]
    minimum_value: float | None
    start: tuple[float, float]
    description: str
    program: str | None = None  # a model surface's program: its loss over two scalar params (x, y)


class Grid(Answer):
    """A grid's answer, ``z[i][j] = f(x[j], y[i])`` (null where f is not finite). Documents
    the response; it is sent by orjson without validation (see app.routers.surfaces)."""

    x: list[float]
    y: list[float]
    z: list[list[float | None]]
