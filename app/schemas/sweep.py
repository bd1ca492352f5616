"""Sweeps: one optimizer over a grid of two of its hyperparameters."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.schemas.common import Answer, Finite, HyperparameterKeys, Name, Params, Strict, known
from app.schemas.optimize import ScheduleSpec, SurfaceChoice
from engine.limits import MAX_AXIS_VALUES, MAX_SWEEP_CELL_STEPS
from engine.optimizers import OPTIMIZERS


class Axis(Strict):
    name: Name
    values: list[Finite] = Field(min_length=1, max_length=MAX_AXIS_VALUES)


class Axes(Strict):
    x: Axis
    y: Axis

    def pairs(self) -> dict[str, tuple[str, Sequence[float]]]:
        """The engine's form: ``{"x": (name, values), "y": (name, values)}``."""
        return {"x": (self.x.name, self.x.values), "y": (self.y.name, self.y.values)}


class SweepRequest(SurfaceChoice, HyperparameterKeys):
    optimizer: Name
    params: Params = Field(default_factory=dict)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    axes: Axes

    @field_validator("optimizer")
    @classmethod
    def known_optimizer(cls, name: str) -> str:
        return known(OPTIMIZERS, name, "optimizer")

    @model_validator(mode="after")
    def valid_axes(self) -> SweepRequest:
        opt = OPTIMIZERS[self.optimizer]
        numeric = [p.name for p in opt.params if p.kind in ("float", "int")]
        for which, axis in (("x", self.axes.x), ("y", self.axes.y)):
            if axis.name not in numeric:
                raise ValueError(
                    f"axes.{which}.name: '{axis.name}' is not a numeric hyperparameter of {self.optimizer}; "
                    f"it has {', '.join(numeric)}"
                )
            for v in axis.values:
                opt.validate_params({**self.params, axis.name: v})
        if self.axes.x.name == self.axes.y.name:
            raise ValueError(f"the two axes must be different hyperparameters, both are '{self.axes.x.name}'")
        cells = len(self.axes.x.values) * len(self.axes.y.values)
        if cells * self.steps > MAX_SWEEP_CELL_STEPS:
            raise PydanticCustomError(  # ctx["limit"] becomes the answer's `limit` (app.errors)
                "limit",
                "the sweep has {cells} cells × {steps} steps = {total} cell-steps; at most {most} are allowed "
                "(limit sweep_cell_steps): use fewer steps or axis values",
                {"cells": f"{cells:,}", "steps": f"{self.steps:,}", "total": f"{cells * self.steps:,}",
                 "most": f"{MAX_SWEEP_CELL_STEPS:,}", "limit": "sweep_cell_steps"},
            )
        self.params = opt.validate_params(self.params)
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
