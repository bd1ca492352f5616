"""The initialisation experiment: activations and gradients through a deep network,
and the activation functions it can use with their derivatives."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.init import ActivationCurve, DeepRequest, DeepResponse
from engine.deepnet import activation_curves, deep_network

router = APIRouter(prefix="/api/init", tags=["init"])


@router.post("/deep", response_model=DeepResponse)
def deep(request: DeepRequest) -> dict:
    """Per layer: mean and spread of hₗ, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖, and histograms of the
    activations of the layers asked for (see engine.deepnet)."""
    return deep_network(**request.model_dump())


@router.get("/activations", response_model=list[ActivationCurve])
def activations() -> list:
    """Every activation f with f(x) and f′(x) on 201 points of [−5, 5], from the engine's
    forward and backward passes, and their formulas (the /init page's menu and gallery)."""
    return activation_curves()
