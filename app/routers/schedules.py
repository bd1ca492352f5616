"""Learning-rate schedules as curves η(t), computed by the engine's own schedulers."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.schedules import Curve, CurveRequest
from engine.schedules import schedule_curve

router = APIRouter(prefix="/api/schedules", tags=["schedules"])


@router.post("/curve", response_model=Curve)
def curve(request: CurveRequest) -> dict:
    """η(t) for t = 0 … steps − 1, the rate of update t + 1 (NewBOB's from `losses`)."""
    rates = schedule_curve(schedule=request.schedule.name, lr=request.lr, params=request.schedule.params,
                           steps=request.steps, losses=request.losses)
    return {"t": list(range(request.steps)), "lr": rates.tolist()}
