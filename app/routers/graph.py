"""Trace, stream and gradient-check a program or a preset.

Every answer here depends only on its request (init helpers are seeded), so each is
computed once and kept in app.cache: the handlers are ``async`` so that a hit is
answered on the event loop, and only a miss runs the engine, in the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from app.cache import cached, key
from app.json_body import JSONBodyRoute
from app.responses import dumps, validated
from app.schemas.errors import ErrorResponse
from app.schemas.graph import GradcheckResponse, GraphRequest, TrainRequest
from app.schemas.trace import TRACE_EVENTS, Trace, TrainResponse
from app.sse import MEDIA_TYPE, encode_events, error_stream, stream_docs
from engine import PRESETS, Graph, InputError, gradcheck, parse_program, trace, trace_events
from engine.trace import to_json
from engine.training import train

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/graph", tags=["graph"],
                   responses={404: {"model": ErrorResponse, "description": "no such preset"}})


def source(request: GraphRequest) -> str:
    """The part of the cache key that names the graph (a 404 for an unknown preset, on the loop)."""
    if request.preset is not None:
        if request.preset not in PRESETS:
            raise HTTPException(404, {"message": f"no preset '{request.preset}'; presets: {', '.join(PRESETS)}"})
        return f"preset:{request.preset}"
    return f"program:{request.program}"


def build(request: GraphRequest) -> Graph:
    if request.preset is not None:
        return parse_program(PRESETS[request.preset].program)
    return parse_program(request.program)


@router.post("/trace", responses={200: {"model": Trace}})
async def post_trace(request: GraphRequest, http: Request) -> Response:
    """The trace (up to a million numbers) goes straight to orjson, unvalidated."""
    return await cached(http.headers, key("trace", source(request)), lambda: dumps(trace(build(request))))


async def stream(request: GraphRequest, http: Request) -> Response:
    """The whole event stream is computed (so errors come before any event), encoded and
    kept: a hit sends its bytes in one write (with an ETag, gzipped when accepted)."""
    try:
        return await cached(http.headers, key("trace/stream", source(request)),
                            lambda: encode_events(trace_events(build(request))), MEDIA_TYPE)
    except InputError as exc:
        return error_stream(exc)


@router.get("/trace/stream", **stream_docs(TRACE_EVENTS))
async def get_trace_stream(request: Annotated[GraphRequest, Query()], http: Request) -> Response:
    return await stream(request, http)


@router.post("/trace/stream", **stream_docs(TRACE_EVENTS))
async def post_trace_stream(request: GraphRequest, http: Request) -> Response:
    return await stream(request, http)


@router.post("/gradcheck", response_model=GradcheckResponse)
async def post_gradcheck(request: GraphRequest, http: Request) -> Response:
    return await cached(http.headers, key("gradcheck", source(request)),
                        lambda: validated(GradcheckResponse, gradcheck(build(request))))


def trained(request: TrainRequest) -> bytes:
    graph = build(request)
    result = train(graph, request.run(), iterations=request.iterations)
    result["updates"] = {name: {k: to_json(value) for k, value in update.items()}
                         for name, update in result["updates"].items()}
    return dumps({**result, "trace": trace(graph)})


@router.post("/train", responses={200: {"model": TrainResponse}})
async def post_train(request: TrainRequest, http: Request) -> Response:
    """Train, then trace the pass at the trained values: `{iteration, losses, lr, status,
    updates: {param: {before, grad, after}}, trace}` (the training mode of /graph)."""
    source(request)  # a 404 for an unknown preset
    return await cached(http.headers, key("train", request.model_dump_json()), lambda: trained(request))
