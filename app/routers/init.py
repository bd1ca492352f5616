"""The initialisation experiment: activations and gradients through a deep network,
and the activation functions it can use with their derivatives. Both are functions of
the request (the weights come from its seed), so each is computed once and kept (app.cache)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.cache import cached, key
from app.json_body import JSONBodyRoute
from app.responses import validated
from app.schemas.init import ActivationCurve, DeepRequest, DeepResponse
from engine.deepnet import activation_curves, deep_network

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/init", tags=["init"])


@router.post("/deep", response_model=DeepResponse)
async def deep(request: DeepRequest, http: Request) -> Response:
    """Per layer: mean and spread of hₗ, ‖∂loss/∂hₗ‖ and ‖∂loss/∂Wₗ‖, and histograms of the
    activations of the layers asked for (see engine.deepnet)."""
    return await cached(http.headers, key("init/deep", request.model_dump_json()),
                        lambda: validated(DeepResponse, deep_network(**request.model_dump())))


@router.get("/activations", response_model=list[ActivationCurve])
async def activations(http: Request) -> Response:
    """Every activation f with f(x) and f′(x) on 201 points of [−5, 5], from the engine's
    forward and backward passes, and their formulas (the /init page's menu and gallery)."""
    return await cached(http.headers, key("init/activations"),
                        lambda: validated(list[ActivationCurve], activation_curves()))
