"""Trace, stream and gradient-check a program or a preset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from app.responses import FastJSONResponse
from app.schemas.graph import GradcheckResponse, GraphRequest, TrainRequest
from app.sse import error_stream, event_stream
from engine import PRESETS, Graph, InputError, gradcheck, parse_program, trace, trace_events
from engine.trace import to_json
from engine.training import train

router = APIRouter(prefix="/api/graph", tags=["graph"])


def build(request: GraphRequest) -> Graph:
    if request.preset is not None:
        if request.preset not in PRESETS:
            raise HTTPException(404, {"message": f"no preset '{request.preset}'; presets: {', '.join(PRESETS)}"})
        return parse_program(PRESETS[request.preset].program)
    return parse_program(request.program)


@router.post("/trace")
def post_trace(request: GraphRequest) -> FastJSONResponse:
    """The trace (up to a million numbers) goes straight to orjson, unvalidated."""
    return FastJSONResponse(trace(build(request)))


def stream(request: GraphRequest):
    try:
        events = list(trace_events(build(request)))  # compute fully, so errors come before any event
    except InputError as exc:
        return error_stream(exc)
    return event_stream(events)


@router.get("/trace/stream")
def get_trace_stream(request: Annotated[GraphRequest, Query()]):
    return stream(request)


@router.post("/trace/stream")
def post_trace_stream(request: GraphRequest):
    return stream(request)


@router.post("/gradcheck", response_model=GradcheckResponse)
def post_gradcheck(request: GraphRequest) -> dict:
    return gradcheck(build(request))


@router.post("/train")
def post_train(request: TrainRequest) -> FastJSONResponse:
    """Train, then trace the pass at the trained values: `{iteration, losses, lr, status,
    updates: {param: {before, grad, after}}, trace}` (the training mode of /graph)."""
    graph = build(request)
    result = train(graph, optimizer=request.optimizer, params=request.params, schedule=request.schedule.name,
                   schedule_params=request.schedule.params, iterations=request.iterations)
    result["updates"] = {name: {key: to_json(value) for key, value in update.items()}
                         for name, update in result["updates"].items()}
    return FastJSONResponse({**result, "trace": trace(graph)})
