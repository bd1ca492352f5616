"""Requests for the graph endpoints: a program text or a preset id, never both."""

from __future__ import annotations

from pydantic import Field, model_validator

from app.schemas.common import Answer, Name, Strict
from app.schemas.optimize import OptimizerRun
from engine.limits import MAX_PROGRAM_CHARS, MAX_STEPS


class GraphRequest(Strict):
    program: str | None = Field(default=None, max_length=MAX_PROGRAM_CHARS)
    preset: Name | None = None

    @model_validator(mode="after")
    def one_source(self) -> GraphRequest:
        if (self.program is None) == (self.preset is None):
            raise ValueError("give either `program` (program text) or `preset` (a preset id), not both")
        return self


class GradcheckResponse(Answer):
    """``max_rel_error`` is null, ``checked`` false and ``message`` says why when no leaf could
    be checked (its differences not finite, or no CPU time left): never a 0 that reads as a pass."""

    max_rel_error: float | None
    checked: bool
    leaves: dict[str, float | None]
    coordinates_checked: int
    message: str | None = None


class TrainRequest(GraphRequest, OptimizerRun):
    """Train the program's params: `iterations` updates of one optimizer from its initial values."""

    optimizer: Name = "sgd"
    iterations: int = Field(1, ge=0, le=MAX_STEPS)

    @model_validator(mode="after")
    def valid_run(self) -> TrainRequest:
        self.make_run()
        return self
