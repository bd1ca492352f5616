"""Health, the input limits, the lecture's preset graphs, and the registries' metadata (optimizers,
schedules, inits): titles, formulas, citations and each hyperparameter's range and
slider scale, which build the pages' menus and sliders.

The metadata is validated against its response model once, kept as bytes (app.cache)
and answered on the event loop with an ETag, so a page load revalidates it with a 304."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.cache import cached, key
from app.responses import validated
from app.schemas.meta import Health, InitInfo, OptimizerInfo, Preset, ScheduleInfo
from app.settings import settings
from engine.inits import INITS
from engine.limits import LIMITS
from engine.optimizers import OPTIMIZERS
from engine.presets import PRESETS
from engine.schedules import SCHEDULES

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health", response_model=Health)
async def health() -> dict:
    return {"status": "ok", "version": settings.version}


@router.get("/limits", response_model=dict[str, int | float])
async def limits(http: Request) -> Response:
    """Every input limit the server enforces, by the name its 422 gives (engine.limits.LIMITS)."""
    return await cached(http.headers, key("limits"), lambda: validated(dict[str, int | float], LIMITS))


@router.get("/presets", response_model=list[Preset])
async def presets(http: Request) -> Response:
    return await cached(http.headers, key("presets"), lambda: validated(list[Preset], list(PRESETS.values())))


@router.get("/optimizers", response_model=list[OptimizerInfo])
async def list_optimizers(http: Request) -> Response:
    return await cached(http.headers, key("optimizers"),
                        lambda: validated(list[OptimizerInfo], list(OPTIMIZERS.values())))


@router.get("/schedules", response_model=list[ScheduleInfo])
async def list_schedules(http: Request) -> Response:
    return await cached(http.headers, key("schedules"),
                        lambda: validated(list[ScheduleInfo], list(SCHEDULES.values())))


@router.get("/inits", response_model=list[InitInfo])
async def list_inits(http: Request) -> Response:
    return await cached(http.headers, key("inits"), lambda: validated(list[InitInfo], list(INITS.values())))
