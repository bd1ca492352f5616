"""The built-in loss surfaces, and any surface on a grid for the contour plot.

A grid (up to MAX_GRID_N² numbers) goes straight to orjson as FastJSONResponse, unvalidated;
the Grid model documents it (``responses=``) and an API test checks real answers against it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from app.responses import FastJSONResponse
from app.schemas.surfaces import DEFAULT_GRID_N, Grid, GridRequest, SurfaceInfo
from engine.limits import MAX_GRID_N
from engine.surfaces import SURFACES, grid

router = APIRouter(prefix="/api/surfaces", tags=["surfaces"])


@router.get("", response_model=list[SurfaceInfo])
def list_surfaces() -> list[dict]:
    return [s.describe() for s in SURFACES.values()]


@router.get("/{surface_id}/grid", responses={200: {"model": Grid}})
def surface_grid(
    surface_id: str, n: Annotated[int, Query(ge=2, le=MAX_GRID_N)] = DEFAULT_GRID_N
) -> FastJSONResponse:
    if surface_id not in SURFACES:
        raise HTTPException(404, {"message": f"no surface '{surface_id}'; surfaces: {', '.join(SURFACES)}"})
    surface = SURFACES[surface_id]
    return FastJSONResponse(grid(expression=surface.expression, domain=surface.domain, n=n))


@router.post("/grid", responses={200: {"model": Grid}})
def custom_grid(request: GridRequest) -> FastJSONResponse:
    return FastJSONResponse(grid(expression=request.expression, domain=request.domain.ranges(), n=request.n))
