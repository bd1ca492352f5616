"""Health and the lecture's preset graphs."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.graph import Health, Preset
from app.settings import settings
from engine import PRESETS

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health", response_model=Health)
def health() -> dict:
    return {"status": "ok", "version": settings.version}


@router.get("/presets", response_model=list[Preset])
def presets() -> list[dict]:
    return [vars(p) for p in PRESETS.values()]
