"""The trainability map: which pairs of learning rates train the paper's network (or a
toy surface's race) and which diverge, a tile at a time, and one pixel's loss curve.

A tile is a function of its request, so it is computed once and kept (app.cache): a
room that follows the lecturer's zoom asks for the same tiles."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.cache import cached, key
from app.json_body import JSONBodyRoute
from app.responses import dumps
from app.schemas.trainability import CurveRequest, CurveResponse, TrainabilityRequest, TrainabilityResponse
from engine.trainability import loss_curve, surface_map, tile

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/trainability", tags=["trainability"])


@router.post("", responses={200: {"model": TrainabilityResponse}})
async def trainability(request: TrainabilityRequest, http: Request) -> Response:
    """n × n pixels of the map (engine.trainability): the network's in a CPU budget of its
    own (limit trainability_cpu_time), a toy surface's as a sweep."""
    compute = tile if request.model == "tanh16" else surface_map
    return await cached(http.headers, key("trainability", request.model_dump_json()),
                        lambda: dumps(compute(**request.engine_arguments())))


@router.post("/curve", responses={200: {"model": CurveResponse}})
async def curve(request: CurveRequest, http: Request) -> Response:
    """One pixel's losses L₀ … L_steps, computed as its tile computes them."""
    return await cached(http.headers, key("trainability/curve", request.model_dump_json()),
                        lambda: dumps(loss_curve(request.seed, request.steps, request.x, request.y, request.dtype)))
