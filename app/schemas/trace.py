"""What the graph endpoints and the event streams send, documented field by field (the
trace and the streams are sent by orjson without validation: tests/app/test_documented.py
checks real answers against these models, which refuse any field they do not declare)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.schemas.common import Answer

# A node's value or gradient: a number, or nested lists of numbers (float64) of its shape.
Tensor = float | list[Any]


class TraceNode(Answer):
    id: str
    op: str
    kind: Literal["input", "param", "const", "op"]
    label: str = Field(description="the op's symbol, or the node's name")
    named: bool = Field(description="assigned a name by the program (else an id like add_1)")
    source: str = Field(description="the program text it came from")
    inputs: list[str]
    shape: list[int]
    layer: int = Field(description="the layered layout's column, inputs first")
    row: float = Field(description="its position within the layer")


class TraceEdge(Answer):
    source: str
    target: str
    points: list[tuple[float, float]] = Field(description="(layer, row) waypoints, the ends included")


class TraceGraph(Answer):
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    output: str
    seeded_with_ones: bool = Field(description="the output is not a scalar: backprop starts from ones (its sum)")


class ForwardEvent(Answer):
    node: str
    value: Tensor


class Share(Answer):
    """This node's contribution to the gradient of one of its inputs (the VJP)."""

    input: str
    local: Tensor | None = Field(description="the elementwise local derivative ∂node/∂input, or null")
    grad: Tensor
    formula: str | None = Field(None, description="the local derivative in symbols, where `local` is given")
    rule: str | None = Field(None, description="what the VJP computes, where no elementwise local derivative exists")


class BackwardEvent(Answer):
    node: str
    grad: Tensor
    to: list[Share]


class TraceDone(Answer):
    grads: dict[str, Tensor]
    loss: float


class Trace(TraceDone):
    """POST /api/graph/trace: the stream's events gathered into one document."""

    graph: TraceGraph
    forward: list[ForwardEvent]
    backward: list[BackwardEvent]


class ParamUpdate(Answer):
    before: Tensor
    grad: Tensor
    after: Tensor


class TrainResponse(Answer):
    iteration: int
    losses: list[float] = Field(description="the loss before any update, then after each")
    lr: list[float]
    status: str = Field(description="max_steps, converged, stalled or diverged")
    updates: dict[str, ParamUpdate] = Field(description="the last update of every param")
    trace: Trace = Field(description="the pass at the trained values")


class RunEnd(Answer):
    run: int
    label: str
    status: str = Field(description="max_steps, converged, stalled or diverged")
    stopped_at: int


class StepEvent(Answer):
    """Run ``run``'s points from index ``t`` on, and the rates and gradients of the updates between them."""

    run: int
    t: int
    points: list[tuple[float, float, float]]
    lr: list[float]
    effective_lr: list[tuple[float | None, float | None]]
    gradient: list[tuple[float | None, float | None]]


class RaceDone(Answer):
    runs: list[RunEnd]


# Each stream's events by name (an `error` event carries the app's error detail)
TRACE_EVENTS = {"graph": TraceGraph, "forward": ForwardEvent, "backward": BackwardEvent, "done": TraceDone}
RACE_EVENTS = {"step": StepEvent, "end": RunEnd, "done": RaceDone}
