"""Optimizers and schedules (metadata), races (JSON or a stream) and sweeps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from app.errors import validation_detail
from app.responses import FastJSONResponse
from app.schemas.optimize import (
    OptimizeRequest,
    OptimizeResponse,
    OptimizerInfo,
    ScheduleInfo,
    SweepRequest,
    SweepResponse,
)
from app.sse import error_stream, event_stream
from engine import EvaluationError, ProgramError
from engine.optimizers import OPTIMIZERS
from engine.runner import race, race_events, sweep
from engine.schedules import SCHEDULES

router = APIRouter(prefix="/api", tags=["optimize"])

MAX_REQUEST_CHARS = 100_000  # an OptimizeRequest as JSON in a URL (the body allows more)


@router.get("/optimizers", response_model=list[OptimizerInfo])
def list_optimizers() -> list[OptimizerInfo]:
    return [OptimizerInfo.of(o) for o in OPTIMIZERS.values()]


@router.get("/schedules", response_model=list[ScheduleInfo])
def list_schedules() -> list[ScheduleInfo]:
    return [ScheduleInfo.of(s) for s in SCHEDULES.values()]


def _race_args(request: OptimizeRequest) -> tuple:
    runs = [r.run() for r in request.runs]
    return request.expression_text(), request.start_point(), request.steps, runs, request.noise_spec()


@router.post("/optimize", response_model=OptimizeResponse)
def optimize(request: OptimizeRequest):
    return FastJSONResponse({"runs": race(*_race_args(request))})


def stream(request: OptimizeRequest):
    try:
        events = race_events(*_race_args(request))  # set-up errors surface here, before any event
    except (ProgramError, EvaluationError, ValueError) as exc:
        return error_stream(exc)
    return event_stream(events)


@router.get("/optimize/stream")
def get_optimize_stream(request: Annotated[str, Query(max_length=MAX_REQUEST_CHARS)]):
    try:
        body = OptimizeRequest.model_validate_json(request)
    except ValidationError as exc:
        return event_stream([("error", {"detail": validation_detail(exc.errors())})], status_code=422)
    return stream(body)


@router.post("/optimize/stream")
def post_optimize_stream(request: OptimizeRequest):
    return stream(request)


@router.post("/optimize/sweep", response_model=SweepResponse)
def optimize_sweep(request: SweepRequest):
    axes = {"x": (request.axes.x.name, request.axes.x.values), "y": (request.axes.y.name, request.axes.y.values)}
    result = sweep(
        request.expression_text(),
        request.start_point(),
        request.steps,
        request.optimizer,
        request.params,
        axes,
        request.schedule.name,
        request.schedule.params,
        request.noise_spec(),
    )
    return FastJSONResponse(result)
