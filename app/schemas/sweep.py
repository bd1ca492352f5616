"""Sweeps: one optimizer over a grid of two of its hyperparameters."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from app.schemas.common import Answer, Finite, Name, Strict
from app.schemas.optimize import OptimizerRun, SurfaceChoice
from engine.limits import MAX_AXIS_VALUES, MAX_SWEEP_CELL_STEPS


class Axis(Strict):
    name: Name
    values: list[Finite] = Field(min_length=1, max_length=MAX_AXIS_VALUES)


class Axes(Strict):
    x: Axis
    y: Axis

    def pairs(self) -> dict[str, tuple[str, Sequence[float]]]:
        """The engine's form: ``{"x": (name, values), "y": (name, values)}``."""
        return {"x": (self.x.name, self.x.values), "y": (self.y.name, self.y.values)}


class SweepRequest(SurfaceChoice, OptimizerRun):
    """One optimizer over a grid of two of its hyperparameters. The engine makes and checks
    each cell's run (engine.races.sweep), the two axes among them; the schema holds the
    size limit."""

    axes: Axes

    @model_validator(mode="after")
    def within_cell_steps(self) -> SweepRequest:
        cells = len(self.axes.x.values) * len(self.axes.y.values)
        if cells * self.steps > MAX_SWEEP_CELL_STEPS:
            raise PydanticCustomError(  # ctx["limit"] becomes the answer's `limit` (app.errors)
                "limit",
                "the sweep has {cells} cells × {steps} steps = {total} cell-steps; at most {most} are allowed "
                "(limit sweep_cell_steps): use fewer steps or axis values",
                {"cells": f"{cells:,}", "steps": f"{self.steps:,}", "total": f"{cells * self.steps:,}",
                 "most": f"{MAX_SWEEP_CELL_STEPS:,}", "limit": "sweep_cell_steps"},
            )
        return self


class SweepResponse(Answer):
    """A sweep's answer, ``final_loss[i][j]`` for ``y[i]``, ``x[j]`` (null where the run
    diverged). Documents the response; it is sent by orjson without validation (see
    app.routers.optimize), and an API test checks real answers against it."""

    x: list[float]
    y: list[float]
    names: dict[str, str]
    final_loss: list[list[float | None]]
    status: list[list[str]]
    stopped_at: list[list[int]]
