"""A schedule's curve η(t) (POST /api/schedules/curve), for the /schedules page."""

from __future__ import annotations

from pydantic import Field

from app.schemas.common import Answer, Finite, Strict
from app.schemas.optimize import ScheduleSpec
from engine.limits import MAX_LR, MAX_STEPS


class CurveRequest(Strict):
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    lr: float = Field(0.1, ge=0.0, le=MAX_LR, allow_inf_nan=False)
    steps: int = Field(1000, ge=1, le=MAX_STEPS)
    losses: list[Finite] | None = Field(None, max_length=MAX_STEPS)  # NewBOB reads them: loss after update t + 1


class Curve(Answer):
    t: list[int]
    lr: list[float]
