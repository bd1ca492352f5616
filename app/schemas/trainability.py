"""The trainability map's request and answer (POST /api/trainability), and one pixel's
loss curve (POST /api/trainability/curve).

The sizes (n, steps, their product, the axes' range and span) are checked by the engine
(engine.trainability), whose errors name the map's own limits: `n` and `steps` of
GET /api/limits are the grid's and the race's, larger than a map's."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from app.schemas.common import Answer, Coordinate, Finite, Name, Params, Strict, known
from engine.limits import MAX_SEED
from engine.optimizers import OPTIMIZERS
from engine.surfaces import SURFACES

Dtype = Literal["float32", "float64"]


class MapAxis(Strict):
    """One axis of the map: log₁₀ of a rate from `lo` to `hi`; on a toy surface, `name`
    is the hyperparameter, in log₁₀ for a log-scale one and as its value otherwise."""

    name: Name | None = None
    lo: Finite
    hi: Finite

    def span(self) -> tuple[float, float]:
        return (self.lo, self.hi)


class TrainabilityRequest(Strict):
    model: Literal["tanh16", "surface"] = "tanh16"
    seed: int = Field(0, ge=0, le=MAX_SEED)
    steps: int = 500
    n: int = 128
    x: MapAxis = Field(default_factory=lambda: MapAxis(lo=-1.0, hi=4.0))
    y: MapAxis = Field(default_factory=lambda: MapAxis(lo=1.0, hi=3.0))
    # the network's precision, forced (by default float32 where it resolves the map)
    dtype: Dtype | None = None
    # model "surface": the race of `optimizer` on `surface` from `start`, `params` fixed but the axes'
    surface: Name | None = None
    start: tuple[Coordinate, Coordinate] | None = None
    optimizer: Name | None = None
    params: Params = Field(default_factory=dict)

    @model_validator(mode="after")
    def fits_the_model(self) -> TrainabilityRequest:
        if self.model == "tanh16":
            extra = [k for k in ("surface", "start", "optimizer") if getattr(self, k) is not None]
            extra += ["params"] if self.params else []
            extra += [f"{a}.name" for a in ("x", "y") if getattr(self, a).name is not None]
            if extra:
                raise ValueError(f"{', '.join(extra)}: only for \"model\": \"surface\"; the network's axes are "
                                 "log₁₀ η_W (x) and log₁₀ η_v (y)")
        else:
            if self.surface is None or self.optimizer is None or self.x.name is None or self.y.name is None:
                raise ValueError("a toy surface's map needs `surface`, `optimizer`, `x.name` and `y.name`")
            known(SURFACES, self.surface, "surface")
            known(OPTIMIZERS, self.optimizer, "optimizer")
            if self.dtype == "float32":
                raise ValueError("a toy surface's map is computed in float64, as its race is")
        return self

    def engine_arguments(self) -> dict:
        """The keyword arguments of engine.trainability's tile or surface_map."""
        if self.model == "tanh16":
            return {"seed": self.seed, "steps": self.steps, "n": self.n, "x": self.x.span(), "y": self.y.span(),
                    "dtype": self.dtype}
        return {"surface": self.surface, "optimizer": self.optimizer, "steps": self.steps, "n": self.n,
                "x": (self.x.name, self.x.lo, self.x.hi), "y": (self.y.name, self.y.lo, self.y.hi),
                "start": self.start, "params": self.params}


class Setup(Answer):
    """The network's data and initial weights (rows of X are the points, rows of W the hidden units)."""

    X: list[list[float]]
    y: list[float]
    W: list[list[float]]
    v: list[float]


class TrainabilityResponse(Answer):
    """``[i][j]`` is the pixel of ``y[i]``, ``x[j]`` (the pixel centres, in the request's
    units). ``score``: a pixel that trains, the mean of Lₜ/L₀ over its steps (on a toy
    surface, of (Lₜ − min)/(L₀ − min)); one that diverges, the step it diverged at over
    ``steps``. ``setup`` for the network, ``names`` and each run's ``status`` for a toy
    surface."""

    x: list[float]
    y: list[float]
    diverged: list[list[bool]]
    score: list[list[float]]
    dtype: Dtype
    setup: Setup | None = None
    names: dict[str, str] | None = None
    status: list[list[str]] | None = None


class CurveRequest(Strict):
    """One pixel of the network's map: its two rates (log₁₀), in the tile's precision."""

    seed: int = Field(0, ge=0, le=MAX_SEED)
    steps: int = 500
    x: Finite
    y: Finite
    dtype: Dtype = "float32"


class CurveResponse(Answer):
    """L₀, L₁, …: up to ``steps`` + 1 losses; a diverged run ends at the first loss past the
    limit (``diverged_at``, −1 if none) when that loss is finite."""

    loss: list[float]
    diverged_at: int
    dtype: Dtype
