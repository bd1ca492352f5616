"""The deep-network experiment's request and answer (POST /api/init/deep), and the
activation functions' curves (GET /api/init/activations)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from app.schemas.common import Answer, Name, Strict, known
from engine.deepnet import ACTIVATIONS
from engine.inits import INITS
from engine.limits import MAX_DEPTH, MAX_HISTOGRAMS, MAX_INIT_SAMPLES, MAX_INIT_SCALE, MAX_INIT_WIDTH, MAX_SEED

Activation = Literal[ACTIVATIONS]
LayerIndex = Annotated[int, Field(ge=1, le=MAX_DEPTH)]


class DeepRequest(Strict):
    depth: int = Field(20, ge=1, le=MAX_DEPTH)
    width: int = Field(100, ge=1, le=MAX_INIT_WIDTH)
    activation: Activation = "tanh"
    init: Name = "glorot_normal"
    gain: float = Field(1.0, ge=0.0, le=MAX_INIT_SCALE, allow_inf_nan=False)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    samples: int = Field(256, ge=1, le=MAX_INIT_SAMPLES)
    # layers (1 … depth) whose activations come back as histograms
    histograms: list[LayerIndex] = Field(default_factory=list, max_length=MAX_HISTOGRAMS)

    @field_validator("init")
    @classmethod
    def known_init(cls, value: str) -> str:
        return known(INITS, value, "init")


class Layer(Answer):
    index: int
    act_mean: float | None
    act_std: float | None
    grad_norm: float | None
    weight_grad_norm: float | None


class Histogram(Answer):
    index: int
    edges: list[float]  # bin edges over the layer's finite activations (one more than counts)
    counts: list[int]
    nonfinite: int  # activations that overflowed float64, left out of the counts


class DeepResponse(Answer):
    layers: list[Layer]
    histograms: list[Histogram]


class ActivationCurve(Answer):
    id: str
    formula: str
    derivative: str
    x: list[float]
    y: list[float]
    dy: list[float]
