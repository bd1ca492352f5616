"""The built-in loss surfaces, and any surface on a grid for the contour plot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from app.responses import FastJSONResponse
from app.schemas.optimize import Grid, GridRequest, SurfaceInfo
from engine.surfaces import MAX_GRID_N, SURFACES, grid

router = APIRouter(prefix="/api/surfaces", tags=["surfaces"])


@router.get("", response_model=list[SurfaceInfo])
def list_surfaces() -> list[dict]:
    return [s.describe() for s in SURFACES.values()]


@router.get("/{surface_id}/grid", response_model=Grid)
def surface_grid(surface_id: str, n: Annotated[int, Query(ge=2, le=MAX_GRID_N)] = 200):
    if surface_id not in SURFACES:
        raise HTTPException(404, {"message": f"no surface '{surface_id}'; surfaces: {', '.join(SURFACES)}"})
    surface = SURFACES[surface_id]
    return FastJSONResponse(grid(surface.expression, surface.domain, n))


@router.post("/grid", response_model=Grid)
def custom_grid(request: GridRequest):
    return FastJSONResponse(grid(request.expression, request.domain.ranges(), request.n))
