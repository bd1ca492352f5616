"""Races (JSON or a stream) and sweeps.

The answers are large (a race at the run and step limits is megabytes of numbers), so they
go straight to orjson: validating them against OptimizeResponse and SweepResponse would
cost more than computing the race. Those models document the answers in the OpenAPI
schema (``responses=``), and an API test checks real answers against them.

A race and a sweep are functions of their request (the noise is seeded), so their JSON
answers are computed once and kept (app.cache): a lecture's scenario link, opened by a
whole room, runs once. The stream is computed as it is sent, in slices (app.sse).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.cache import cached, key
from app.errors import validation_detail
from app.json_body import JSONBodyRoute
from app.race_stream import race_events
from app.responses import dumps
from app.schemas.optimize import OptimizeRequest, OptimizeResponse
from app.schemas.sweep import SweepRequest, SweepResponse
from app.schemas.trace import RACE_EVENTS
from app.sse import error_response, event_stream, stream_docs
from engine.limits import MAX_REQUEST_CHARS
from engine.races import race, sweep

router = APIRouter(route_class=JSONBodyRoute, prefix="/api", tags=["optimize"])


def race_arguments(request: OptimizeRequest) -> dict:
    """The keyword arguments of engine.races' race and app.race_stream's race_events."""
    return {
        "expression": request.expression_text(),
        "start": request.start_point(),
        "steps": request.steps,
        "runs": [r.run() for r in request.runs],
        "noise": request.engine_noise(),
    }


@router.post("/optimize", responses={200: {"model": OptimizeResponse}})
async def optimize(request: OptimizeRequest, http: Request) -> Response:
    return await cached(http.headers, key("optimize", request.model_dump_json()),
                        lambda: dumps({"runs": race(**race_arguments(request))}))


async def stream(request: OptimizeRequest) -> Response:
    """Set-up errors (a bad expression, parameter or start) come before any event."""
    return await event_stream(lambda: race_events(**race_arguments(request)))


@router.get("/optimize/stream", **stream_docs(RACE_EVENTS))
async def get_optimize_stream(request: Annotated[str, Query(max_length=MAX_REQUEST_CHARS)]) -> Response:
    try:
        body = OptimizeRequest.model_validate_json(request)
    except ValidationError as exc:
        return error_response(validation_detail(exc.errors()))
    return await stream(body)


@router.post("/optimize/stream", **stream_docs(RACE_EVENTS))
async def post_optimize_stream(request: OptimizeRequest) -> Response:
    return await stream(request)


def swept(request: SweepRequest) -> bytes:
    return dumps(sweep(
        expression=request.expression_text(),
        start=request.start_point(),
        steps=request.steps,
        optimizer=request.optimizer,
        params=request.params,
        axes=request.axes.pairs(),
        schedule=request.schedule.name,
        schedule_params=request.schedule.params,
        noise=request.engine_noise(),
    ))


@router.post("/optimize/sweep", responses={200: {"model": SweepResponse}})
async def optimize_sweep(request: SweepRequest, http: Request) -> Response:
    return await cached(http.headers, key("optimize/sweep", request.model_dump_json()), lambda: swept(request))
