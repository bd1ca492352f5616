"""Health, the lecture's preset graphs, and the registries' metadata (optimizers,
schedules, inits): titles, formulas, citations and each hyperparameter's range and
slider scale, which build the pages' menus and sliders."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.meta import Health, InitInfo, OptimizerInfo, Preset, ScheduleInfo
from app.settings import settings
from engine.inits import INITS
from engine.optimizers import OPTIMIZERS
from engine.presets import PRESETS
from engine.schedules import SCHEDULES

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health", response_model=Health)
def health() -> dict:
    return {"status": "ok", "version": settings.version}


@router.get("/presets", response_model=list[Preset])
def presets() -> list:
    return list(PRESETS.values())


@router.get("/optimizers", response_model=list[OptimizerInfo])
def list_optimizers() -> list:
    return list(OPTIMIZERS.values())


@router.get("/schedules", response_model=list[ScheduleInfo])
def list_schedules() -> list:
    return list(SCHEDULES.values())


@router.get("/inits", response_model=list[InitInfo])
def list_inits() -> list:
    return list(INITS.values())
