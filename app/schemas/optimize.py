"""Races: which surface, where from, how long, and each run's optimizer and schedule.

Limits are Field bounds (from engine.limits), so pydantic's message names the field
and the error handler adds "(limit <field>)". Names are checked against the engine's
registries (SURFACES, OPTIMIZERS, SCHEDULES), and the message lists the valid ids.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from app.schemas.common import Answer, Coordinate, HyperparameterKeys, Name, Params, Strict, known
from engine.limits import MAX_NOISE_STD, MAX_PARAMS, MAX_PROGRAM_CHARS, MAX_RUNS, MAX_SEED, MAX_STEPS
from engine.optimizers import OPTIMIZERS
from engine.runner import Noise, Run
from engine.schedules import SCHEDULES
from engine.surfaces import SURFACES


class ScheduleSpec(BaseModel):
    """`{"name": "step", "every": 100, "gamma": 0.5}`; the parameters may also be given
    as `{"name": "step", "params": {...}}`."""

    model_config = ConfigDict(extra="allow")

    name: Name = "constant"
    params: Params = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def few_keys(cls, data: Any) -> Any:
        """Its parameters may sit beside `name`: counted before pydantic stores them all."""
        if isinstance(data, dict) and len(data) > MAX_PARAMS + 2:
            raise ValueError(f"a schedule takes at most {MAX_PARAMS} parameters")
        return data

    @field_validator("name")
    @classmethod
    def known_schedule(cls, name: str) -> str:
        return known(SCHEDULES, name, "schedule")

    @model_validator(mode="after")
    def gather_params(self) -> ScheduleSpec:
        """The parameters given beside `name` join `params` (the engine validates them all, once)."""
        extra = dict(self.model_extra or {})
        if len(extra) > MAX_PARAMS:
            raise ValueError(f"a schedule takes at most {MAX_PARAMS} parameters")
        both = set(extra) & set(self.params)
        if both:
            raise ValueError(f"schedule parameter {', '.join(sorted(both))} is given twice")
        self.params = {**self.params, **extra}
        return self


class OptimizerRun(HyperparameterKeys):
    """An optimizer, its hyperparameters and a schedule: what a race's run, a training
    request and a sweep share. The engine's Run, made once here, is the one check of the
    hyperparameters."""

    optimizer: Name
    params: Params = Field(default_factory=dict)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    _run: Run | None = PrivateAttr(None)

    @field_validator("optimizer")
    @classmethod
    def known_optimizer(cls, name: str) -> str:
        return known(OPTIMIZERS, name, "optimizer")

    def make_run(self, label: str | None = None) -> None:
        """Validate through the engine's Run and keep it (call from a model validator). The
        request keeps the values as given; the Run has the defaults filled in."""
        self._run = Run(self.optimizer, self.params, self.schedule.name, self.schedule.params, label)

    def run(self) -> Run:
        return self._run


class RunSpec(OptimizerRun):
    label: Name | None = None

    @model_validator(mode="after")
    def valid_run(self) -> RunSpec:
        self.make_run(self.label)
        return self


class NoiseSpec(Strict):
    std: float = Field(0.0, ge=0.0, le=MAX_NOISE_STD, allow_inf_nan=False)
    seed: int = Field(0, ge=0, le=MAX_SEED)

    def noise(self) -> Noise:
        return Noise(std=self.std, seed=self.seed)


class SurfaceChoice(Strict):
    """Exactly one of `surface` (a built-in id) or `expression` (in x and y)."""

    surface: Name | None = None
    expression: str | None = Field(None, max_length=MAX_PROGRAM_CHARS)
    start: tuple[Coordinate, Coordinate] | None = None
    steps: int = Field(500, ge=1, le=MAX_STEPS)
    noise: NoiseSpec | None = None

    @field_validator("surface")
    @classmethod
    def known_surface(cls, name: str | None) -> str | None:
        return None if name is None else known(SURFACES, name, "surface")

    @model_validator(mode="after")
    def one_surface(self):
        if (self.surface is None) == (self.expression is None):
            raise ValueError("give either `surface` (a built-in surface id) or `expression` (in x and y), not both")
        return self

    def expression_text(self) -> str:
        return SURFACES[self.surface].expression if self.surface else self.expression

    def start_point(self) -> tuple[float, float]:
        """The given start, else the surface's own, else (1, 1) for an expression."""
        if self.start is not None:
            return self.start
        return SURFACES[self.surface].start if self.surface else (1.0, 1.0)

    def engine_noise(self) -> Noise | None:
        return self.noise.noise() if self.noise else None


class OptimizeRequest(SurfaceChoice):
    runs: list[RunSpec] = Field(min_length=1, max_length=MAX_RUNS)


class RunResult(Answer):
    label: str
    optimizer: str
    params: dict[str, Any]
    schedule: dict[str, Any]
    points: list[tuple[float, float, float]]
    lr: list[float]
    effective_lr: list[tuple[float | None, float | None]]
    gradient: list[tuple[float | None, float | None]]  # the gradient update k + 1 stepped along (noise included)
    status: str
    stopped_at: int


class OptimizeResponse(Answer):
    """A race's answer. Documents the response; it is sent by orjson without validation
    (see app.routers.optimize), and an API test checks real answers against it."""

    runs: list[RunResult]
