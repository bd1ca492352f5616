"""Requests and responses of the surface and optimizer endpoints, with every limit.

Limits are Field bounds, so pydantic's message names the field and the error
handler adds "(limit <field>)". Names are checked against the engine's registries
(SURFACES, OPTIMIZERS, SCHEDULES), and the message lists the valid ids.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.optimizers import OPTIMIZERS
from engine.program import MAX_PROGRAM_CHARS
from engine.runner import MAX_STEPS, Noise, Run
from engine.schedules import SCHEDULES
from engine.surfaces import MAX_GRID_N, SURFACES

MAX_RUNS = 12
MAX_COORDINATE = 1e6  # the runner's divergence bound: a start must be inside it
MAX_NOISE_STD = 1e3
MAX_AXIS_VALUES = 32
MAX_SWEEP_CELL_STEPS = 1_000_000  # cells × steps: keeps a sweep well inside the 2 s CPU budget
MAX_PARAMS = 16
MAX_LIST = 1_000

Finite = Annotated[float, Field(allow_inf_nan=False)]
Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_COORDINATE, le=MAX_COORDINATE)]
ParamValue = bool | int | Finite | Annotated[list[Finite], Field(max_length=MAX_LIST)]
Params = Annotated[dict[Annotated[str, Field(max_length=64)], ParamValue], Field(max_length=MAX_PARAMS)]


def _known(registry: dict, name: str, what: str) -> str:
    if name not in registry:
        raise ValueError(f"unknown {what} '{name}'; {what}s: {', '.join(registry)}")
    return name


class Strict(BaseModel):
    """Unknown keys are an error (a typo like `step` must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


# --- surfaces ---------------------------------------------------------------------


class Domain(Strict):
    x: tuple[Coordinate, Coordinate]
    y: tuple[Coordinate, Coordinate]

    @model_validator(mode="after")
    def increasing(self) -> Domain:
        for name, (lo, hi) in (("x", self.x), ("y", self.y)):
            if not lo < hi:
                raise ValueError(f"domain.{name} must be [low, high] with low < high, got [{lo:g}, {hi:g}]")
        return self

    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.x, self.y)


class GridRequest(Strict):
    expression: str = Field(max_length=MAX_PROGRAM_CHARS)
    domain: Domain
    n: int = Field(200, ge=2, le=MAX_GRID_N)


class SurfaceInfo(BaseModel):
    id: str
    title: str
    expression: str
    formula: str
    domain: dict[str, tuple[float, float]]
    minima: list[tuple[float, float]]
    minimum_value: float | None
    start: tuple[float, float]
    description: str


class Grid(BaseModel):
    x: list[float]
    y: list[float]
    z: list[list[float | None]]


# --- optimizers and schedules ------------------------------------------------------


class ParamInfo(BaseModel):
    name: str
    default: Any
    min: float | None
    max: float | None
    description: str
    kind: str

    @classmethod
    def of(cls, p) -> ParamInfo:
        default = list(p.default) if isinstance(p.default, tuple) else p.default
        return cls(name=p.name, default=default, min=p.min, max=p.max, description=p.description, kind=p.kind)


class OptimizerInfo(BaseModel):
    id: str
    title: str
    formula: str
    citation: str
    params: list[ParamInfo]

    @classmethod
    def of(cls, o) -> OptimizerInfo:
        params = [ParamInfo.of(p) for p in o.params]
        return cls(id=o.id, title=o.title, formula=o.formula, citation=o.citation, params=params)


class ScheduleInfo(BaseModel):
    id: str
    title: str
    formula: str
    params: list[ParamInfo]

    @classmethod
    def of(cls, s) -> ScheduleInfo:
        return cls(id=s.id, title=s.title, formula=s.formula, params=[ParamInfo.of(p) for p in s.params])


# --- optimisation requests ----------------------------------------------------------


class ScheduleSpec(BaseModel):
    """`{"name": "step", "every": 100, "gamma": 0.5}`; the parameters may also be given
    as `{"name": "step", "params": {...}}`."""

    model_config = ConfigDict(extra="allow")

    name: str = Field("constant", max_length=32)
    params: Params = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def known(cls, name: str) -> str:
        return _known(SCHEDULES, name, "schedule")

    @model_validator(mode="after")
    def valid_params(self) -> ScheduleSpec:
        extra = dict(self.model_extra or {})
        if len(extra) > MAX_PARAMS:
            raise ValueError(f"a schedule takes at most {MAX_PARAMS} parameters")
        both = set(extra) & set(self.params)
        if both:
            raise ValueError(f"schedule parameter {', '.join(sorted(both))} is given twice")
        self.params = SCHEDULES[self.name].validate_params({**self.params, **extra})
        return self


class RunSpec(Strict):
    optimizer: str = Field(max_length=32)
    params: Params = Field(default_factory=dict)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    label: str | None = Field(None, max_length=64)

    @field_validator("optimizer")
    @classmethod
    def known(cls, name: str) -> str:
        return _known(OPTIMIZERS, name, "optimizer")

    @model_validator(mode="after")
    def valid_params(self) -> RunSpec:
        self.params = OPTIMIZERS[self.optimizer].validate_params(self.params)
        return self

    def run(self) -> Run:
        return Run(self.optimizer, self.params, self.schedule.name, self.schedule.params, self.label)


class NoiseSpec(Strict):
    std: float = Field(0.0, ge=0.0, le=MAX_NOISE_STD, allow_inf_nan=False)
    seed: int = Field(0, ge=0, le=2**32 - 1)

    def noise(self) -> Noise:
        return Noise(self.std, self.seed)


class SurfaceChoice(Strict):
    """Exactly one of `surface` (a built-in id) or `expression` (in x and y)."""

    surface: str | None = Field(None, max_length=64)
    expression: str | None = Field(None, max_length=MAX_PROGRAM_CHARS)
    start: tuple[Coordinate, Coordinate] | None = None
    steps: int = Field(500, ge=1, le=MAX_STEPS)
    noise: NoiseSpec | None = None

    @field_validator("surface")
    @classmethod
    def known_surface(cls, name: str | None) -> str | None:
        return None if name is None else _known(SURFACES, name, "surface")

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

    def noise_spec(self) -> Noise | None:
        return self.noise.noise() if self.noise else None


class OptimizeRequest(SurfaceChoice):
    runs: list[RunSpec] = Field(min_length=1, max_length=MAX_RUNS)


class Axis(Strict):
    name: str = Field(max_length=64)
    values: list[Finite] = Field(min_length=1, max_length=MAX_AXIS_VALUES)


class Axes(Strict):
    x: Axis
    y: Axis


class SweepRequest(SurfaceChoice):
    optimizer: str = Field(max_length=32)
    params: Params = Field(default_factory=dict)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    axes: Axes

    @field_validator("optimizer")
    @classmethod
    def known(cls, name: str) -> str:
        return _known(OPTIMIZERS, name, "optimizer")

    @model_validator(mode="after")
    def valid_axes(self) -> SweepRequest:
        opt = OPTIMIZERS[self.optimizer]
        numeric = [p.name for p in opt.params if p.kind in ("float", "int")]
        for which, axis in (("x", self.axes.x), ("y", self.axes.y)):
            if axis.name not in numeric:
                raise ValueError(
                    f"axes.{which}.name: '{axis.name}' is not a numeric hyperparameter of {self.optimizer}; "
                    f"it has {', '.join(numeric)}"
                )
            for v in axis.values:
                opt.validate_params({**self.params, axis.name: v})
        if self.axes.x.name == self.axes.y.name:
            raise ValueError(f"the two axes must be different hyperparameters, both are '{self.axes.x.name}'")
        cells = len(self.axes.x.values) * len(self.axes.y.values)
        if cells * self.steps > MAX_SWEEP_CELL_STEPS:
            raise ValueError(
                f"the sweep has {cells:,} cells × {self.steps:,} steps = {cells * self.steps:,} cell-steps; "
                f"at most {MAX_SWEEP_CELL_STEPS:,} are allowed (limit sweep_cell_steps)"
            )
        self.params = opt.validate_params(self.params)
        return self


class RunResult(BaseModel):
    label: str
    optimizer: str
    params: dict[str, Any]
    schedule: dict[str, Any]
    points: list[tuple[float, float, float]]
    lr: list[float]
    effective_lr: list[tuple[float | None, float | None]]
    status: str
    stopped_at: int


class OptimizeResponse(BaseModel):
    runs: list[RunResult]


class SweepResponse(BaseModel):
    x: list[float]
    y: list[float]
    names: dict[str, str]
    final_loss: list[list[float | None]]
    status: list[list[str]]
    stopped_at: list[list[int]]
