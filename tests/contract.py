"""What the design promises, written once for the tests: ids it names, and how a
browser reads an event stream."""

from __future__ import annotations

import json

DESIGN_SURFACES = {
    "quadratic",
    "rosenbrock",
    "beale",
    "himmelblau",
    "booth",
    "saddle",
    "rastrigin",
    "six_hump_camel",
    "goldstein_price",
}
OPTIMIZER_IDS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "rprop", "adadelta"]
SCHEDULE_IDS = ["constant", "piecewise", "exponential", "reciprocal", "step", "cosine", "newbob"]
DESIGN_SCENARIOS = ["lr-sizes", "ravine", "noisy-momentum", "robbins-monro", "adagrad-rmsprop", "adam-bias",
                    "rprop-sign", "saddle"]


def parse_sse(text: str, loads=json.loads) -> list[tuple[str, dict]]:
    """An event-stream body as (event, data) pairs, read the way a browser reads it
    (each data by ``loads``)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if name:
            events.append((name, loads("\n".join(data))))
    return events
