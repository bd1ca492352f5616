"""Learning-rate schedules as curves η(t), computed by the engine's own schedulers
(a function of the request: computed once and kept, see app.cache)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.cache import cached, key
from app.json_body import JSONBodyRoute
from app.responses import validated
from app.schemas.schedules import Curve, CurveRequest
from engine.schedules import schedule_curve

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/schedules", tags=["schedules"])


def curve_of(request: CurveRequest) -> bytes:
    rates = schedule_curve(schedule=request.schedule.name, lr=request.lr, params=request.schedule.params,
                           steps=request.steps, losses=request.losses)
    return validated(Curve, {"t": list(range(request.steps)), "lr": rates.tolist()})


@router.post("/curve", response_model=Curve)
async def curve(request: CurveRequest, http: Request) -> Response:
    """η(t) for t = 0 … steps − 1, the rate of update t + 1 (NewBOB's from `losses`)."""
    return await cached(http.headers, key("schedules/curve", request.model_dump_json()), lambda: curve_of(request))
