"""The lecture's stories as one-click races: each a link in the /optimizers URL format
(docs/DESIGN.md, "URLs") with two sentences in the lecture's words. Settings were chosen so
that each story shows at a glance; tests/app/test_scenarios.py checks each one's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from app.schemas.optimize import RunSpec, ScheduleSpec


def run(optimizer: str, params: dict, label: str, schedule: str = "constant",
        schedule_params: dict | None = None) -> RunSpec:
    """One run of a scenario, as the API takes it (validated as any request's run is)."""
    return RunSpec(optimizer=optimizer, params=params, label=label,
                   schedule=ScheduleSpec(name=schedule, params=schedule_params or {}))


def url_value(spec: RunSpec) -> str:
    """`OPTIMIZER,NAME=VALUE,…,schedule=ID,s.NAME=VALUE,label=TEXT` (label percent-encoded),
    with the values given (not the defaults the engine fills in)."""
    parts = [spec.optimizer, *(f"{k}={_value(v)}" for k, v in spec.params.items())]
    if spec.schedule.name != "constant" or spec.schedule.params:
        parts.append(f"schedule={spec.schedule.name}")
        parts += [f"s.{k}={_value(v)}" for k, v in spec.schedule.params.items()]
    if spec.label:
        parts.append(f"label={quote(spec.label, safe='')}")
    return ",".join(parts)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "|".join(_value(x) for x in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    story: str
    surface: str
    start: tuple[float, float]
    steps: int
    runs: tuple[RunSpec, ...]
    noise: tuple[float, int] | None = None

    @property
    def href(self) -> str:
        query = [f"surface={self.surface}", f"start={_value(self.start[0])},{_value(self.start[1])}",
                 f"steps={self.steps}"]
        if self.noise:
            query.append(f"noise={_value(self.noise[0])},{self.noise[1]}")
        query += [f"run={url_value(spec)}" for spec in self.runs]
        return "/optimizers?" + "&".join(query)

    def request(self) -> dict:
        """The same race as an OptimizeRequest (what the page sends when the link opens)."""
        body = {"surface": self.surface, "start": list(self.start), "steps": self.steps,
                "runs": [spec.model_dump(exclude_none=True) for spec in self.runs]}
        if self.noise:
            body["noise"] = {"std": self.noise[0], "seed": self.noise[1]}
        return body


SCENARIOS = (
    Scenario("lr-sizes", "Learning rate: too small, about right, too large",
             "The learning rate η sets the step size of gradient descent, Δw = −η∂E/∂w. Too small and it "
             "crawls; too large and each step overshoots the valley more than the last, until it diverges.",
             "quadratic", (-4.5, 2.0), 100, (
                 run("sgd", {"lr": 0.005}, "η = 0.005, too small"),
                 run("sgd", {"lr": 0.05}, "η = 0.05, about right"),
                 run("sgd", {"lr": 0.105}, "η = 0.105, too large"))),
    Scenario("ravine", "Momentum in a ravine",
             "In a long narrow valley plain gradient descent zig-zags across the steep sides and crawls "
             "along the floor. Momentum, Δw(t) = −ηd(t) + αΔw(t−1), adds up the steps that agree and "
             "cancels the ones that do not, so it glides down the valley.",
             "quadratic", (-4.5, 2.0), 50, (
                 run("sgd", {"lr": 0.09}, "SGD"),
                 run("momentum", {"lr": 0.09, "momentum": 0.5}, "Momentum, α = 0.5"))),
    Scenario("noisy-momentum", "Momentum damps noisy gradients",
             "A minibatch gradient is the true gradient plus noise. Momentum averages the recent steps, so "
             "it damps the random directions and keeps the consistent one: the same effective step "
             "η/(1−α), a much calmer path.",
             "quadratic", (-4.5, 2.0), 400, (
                 run("sgd", {"lr": 0.05}, "SGD, η = 0.05"),
                 run("momentum", {"lr": 0.005, "momentum": 0.9}, "Momentum, η = 0.005, α = 0.9")),
             noise=(4.0, 1)),
    Scenario("robbins-monro", "Robbins–Monro: a decaying learning rate",
             "With noisy gradients a constant η keeps hovering around the minimum. Proofs of convergence "
             "for stochastic optimisation rely on a learning rate that reduces through time, as 1/t "
             "(Robbins and Monro, 1951).",
             "quadratic", (-4.5, 2.0), 1000, (
                 run("sgd", {"lr": 0.05}, "constant η"),
                 run("sgd", {"lr": 0.05}, "η₀/(1 + t/r), r = 20", "reciprocal", {"r": 20.0, "c": 1.0})),
             noise=(4.0, 1)),
    Scenario("adagrad-rmsprop", "AdaGrad's rate only falls; RMSProp's recovers",
             "AdaGrad divides η by the root of the sum of all squared gradients so far, so each weight's "
             "effective rate only ever falls and it slows to a halt. RMSProp uses a moving average "
             "instead: the rate recovers once the gradients shrink (see the effective-rate chart).",
             "rosenbrock", (-1.5, 2.0), 2000, (
                 run("adagrad", {"lr": 0.5}, "AdaGrad"),
                 run("rmsprop", {"lr": 0.01}, "RMSProp"))),
    Scenario("adam-bias", "Adam: RMSProp with momentum, with and without bias correction",
             "Adam keeps a moving average of the gradients M (momentum) and of their squares S (RMSProp): "
             "Δw = −ηM/(√S + ε). M and S start at 0, so Kingma and Ba divide them by 1 − αᵗ and 1 − βᵗ; "
             "without that correction (the lecture's form) the first steps are larger.",
             "rosenbrock", (-1.5, 2.0), 1000, (
                 run("rmsprop", {"lr": 0.02}, "RMSProp"),
                 run("adam", {"lr": 0.02}, "Adam"),
                 run("adam", {"lr": 0.02, "bias_correction": False}, "Adam, no bias correction"))),
    Scenario("rprop-sign", "RProp uses only the gradient's sign",
             "RProp ignores the gradient's size: each weight's step grows by η⁺ while the sign of its "
             "gradient holds and shrinks by η⁻ when it flips. On Beale's plateaus and cliffs no single η "
             "suits plain gradient descent.",
             "beale", (1.0, 1.5), 500, (
                 run("sgd", {"lr": 0.001}, "SGD"),
                 run("rprop", {"lr": 0.01}, "RProp"))),
    Scenario("dead-relu", "A real model: a ReLU unit that dies",
             "The loss of one ReLU unit fitted to five points, over its weight w and bias b. Where "
             "w·a + b < 0 for every point the unit is dead: no gradient flows, so momentum, whose "
             "overshoot lands it there, stalls for good while SGD and Adam reach the fit.",
             "model_relu", (2.5, 1.5), 300, (
                 run("sgd", {"lr": 0.05}, "SGD"),
                 run("momentum", {"lr": 0.01}, "Momentum"),
                 run("adam", {"lr": 0.05}, "Adam"))),
    Scenario("saddle", "Escaping a saddle point",
             "At a saddle point the gradient vanishes although it is no minimum. Started just off the "
             "ridge, plain gradient descent lingers there for dozens of steps; Adam's per-weight "
             "normalised steps leave at once.",
             "saddle", (-1.5, 0.001), 120, (
                 run("sgd", {"lr": 0.05}, "SGD"),
                 run("adam", {"lr": 0.05}, "Adam"))),
)
