"""The built-in loss surfaces, and any surface on a grid for the contour plot.

A grid (up to MAX_GRID_N² numbers) goes straight to orjson, unvalidated; the Grid model
documents it (``responses=``) and an API test checks real answers against it. Every
answer here is a function of its request, so it is computed once and kept (app.cache):
a hit is answered on the event loop, with an ETag and a 304 for a GET that holds it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from app.cache import cached, key
from app.json_body import JSONBodyRoute
from app.responses import dumps, validated
from app.schemas.errors import ErrorResponse
from app.schemas.surfaces import DEFAULT_GRID_N, Grid, GridRequest, SurfaceInfo
from engine.limits import MAX_GRID_N
from engine.surfaces import SURFACES, grid

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/surfaces", tags=["surfaces"])


@router.get("", response_model=list[SurfaceInfo])
async def list_surfaces(http: Request) -> Response:
    return await cached(http.headers, key("surfaces"),
                        lambda: validated(list[SurfaceInfo], [s.describe() for s in SURFACES.values()]))


@router.get("/{surface_id}/grid",
            responses={200: {"model": Grid}, 404: {"model": ErrorResponse, "description": "no such surface"}})
async def surface_grid(
    surface_id: str, http: Request, n: Annotated[int, Query(ge=2, le=MAX_GRID_N)] = DEFAULT_GRID_N
) -> Response:
    if surface_id not in SURFACES:
        raise HTTPException(404, {"message": f"no surface '{surface_id}'; surfaces: {', '.join(SURFACES)}"})
    surface = SURFACES[surface_id]
    return await cached(http.headers, key("grid", surface_id, n),
                        lambda: dumps(grid(expression=surface.expression, domain=surface.domain, n=n)))


@router.post("/grid", responses={200: {"model": Grid}})
async def custom_grid(request: GridRequest, http: Request) -> Response:
    return await cached(http.headers, key("grid/custom", request.model_dump_json()),
                        lambda: dumps(grid(expression=request.expression, domain=request.domain.ranges(), n=request.n)))
