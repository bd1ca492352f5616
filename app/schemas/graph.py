"""Requests for the graph endpoints: a program text or a preset id, never both."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from app.schemas.common import Name
from engine.limits import MAX_PROGRAM_CHARS


class GraphRequest(BaseModel):
    program: str | None = Field(default=None, max_length=MAX_PROGRAM_CHARS)
    preset: Name | None = None

    @model_validator(mode="after")
    def one_source(self) -> GraphRequest:
        if (self.program is None) == (self.preset is None):
            raise ValueError("give either `program` (program text) or `preset` (a preset id), not both")
        return self


class GradcheckResponse(BaseModel):
    max_rel_error: float
    leaves: dict[str, float | None]
    coordinates_checked: int
