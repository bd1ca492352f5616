"""A short layered (Sugiyama-style) layout, drawn left to right like the slides.

Layers: an op sits one layer right of its furthest input; a leaf sits just left of
its first consumer, as `b` sits next to `+` in the lecture's logistic regression.
Long edges get dummy points so that rows can be ordered by the barycentre
heuristic, which keeps crossings rare on graphs of this size. A graph whose long edges
would need more than MAX_DUMMIES of them (`z = x + x + … + x`: the edge from x to the
k-th + spans k layers, so n terms need n²/2) gives dummies to its shortest edges only,
and draws the rest straight: the work stays linear in the graph's size.
"""

from __future__ import annotations

from engine import budget
from engine.graph import Graph

MAX_DUMMIES = 2_000  # bend points over all edges; a lecture graph needs a few dozen


def layered_layout(graph: Graph, sweeps: int = 8) -> tuple[dict[str, tuple[int, float]], list[dict]]:
    """Return {node id: (layer, row)} and edges [{source, target, points}] in (layer, row) units."""
    layer: dict[str, int] = {}
    consumers: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for node in graph.nodes:
        layer[node.id] = 1 + max((layer[i.id] for i in node.inputs), default=-1)
        for i in node.inputs:
            consumers[i.id].append(node.id)
    for node in graph.nodes:
        if not node.inputs and consumers[node.id]:
            layer[node.id] = min(layer[c] for c in consumers[node.id]) - 1
    shift = min(layer.values())
    layer = {k: v - shift for k, v in layer.items()}

    # Chains of dummies for edges longer than one layer (the shortest first, up to MAX_DUMMIES).
    rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for node in graph.nodes:
        rows[layer[node.id]].append(node.id)
    spans = sorted(layer[node.id] - layer[child.id] - 1 for node in graph.nodes for child in node.inputs)
    too_long, total = float("inf"), 0  # edges spanning fewer layers than this bend through every one
    for span in spans:
        if total + span > MAX_DUMMIES:
            too_long = span
            break
        total += span
    up: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    chains: list[tuple[str, str, list[str]]] = []
    for node in graph.nodes:
        for k, child in enumerate(node.inputs):
            prev, chain = child.id, []
            bent = layer[node.id] - layer[child.id] - 1 < too_long
            for lay in range(layer[child.id] + 1, layer[node.id]) if bent else ():
                dummy = f"\0{node.id}\0{k}\0{lay}"
                rows[lay].append(dummy)
                up[dummy] = [prev]
                chain.append(dummy)
                prev = dummy
            up[node.id].append(prev)
            chains.append((child.id, node.id, chain))
    # Seen from a consumer, its first input should sit above its second (w above x in w @ x):
    # a small bias by input slot breaks the ties the barycentre leaves.
    down: dict[str, list[tuple[str, float]]] = {key: [] for key in up}
    for key, ins in up.items():
        for k, i in enumerate(ins):
            down[i].append((key, 0.1 * (k - (len(ins) - 1) / 2)))
    upward = {key: [(i, 0.0) for i in ins] for key, ins in up.items()}

    def reorder(order: list[str], neighbours: dict, pos: dict[str, float]) -> list[str]:
        def centre(key: str) -> float:
            ns = neighbours[key]
            return sum(pos[n] + bias for n, bias in ns) / len(ns) if ns else pos[key]

        return sorted(order, key=centre)

    pos = {key: float(i) for row in rows for i, key in enumerate(row)}
    for sweep in range(sweeps):
        budget.check("the graph's layout", "use fewer nodes")
        layers = range(1, len(rows)) if sweep % 2 == 0 else range(len(rows) - 2, -1, -1)
        for lay in layers:
            rows[lay] = reorder(rows[lay], upward if sweep % 2 == 0 else down, pos)
            pos.update({key: float(i) for i, key in enumerate(rows[lay])})

    # Centre each layer vertically around 0.
    for row in rows:
        offset = (len(row) - 1) / 2
        for i, key in enumerate(row):
            pos[key] = i - offset
    positions = {n.id: (layer[n.id], pos[n.id]) for n in graph.nodes}
    edges = [
        {
            "source": src,
            "target": dst,
            "points": [[layer[src], pos[src]], *([layer_of(d), pos[d]] for d in chain), [layer[dst], pos[dst]]],
        }
        for src, dst, chain in chains
    ]
    return positions, edges


def layer_of(dummy: str) -> int:
    return int(dummy.rsplit("\0", 1)[1])
