"""The initialisation experiment: activations and gradients through a deep network."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.init import DeepRequest, DeepResponse
from engine.deepnet import deep_network

router = APIRouter(prefix="/api/init", tags=["init"])


@router.post("/deep", response_model=DeepResponse)
def deep(request: DeepRequest) -> dict:
    """Per layer: mean and spread of hₗ, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖ (see engine.deepnet)."""
    return deep_network(**request.model_dump())
