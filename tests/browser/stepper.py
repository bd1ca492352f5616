"""Reading the stepper page the way the tests need it: through DESIGN.md's test hooks."""

from __future__ import annotations

import json
import urllib.request

GRAPH = "[data-testid=graph]"


def fetch_trace(app_url: str, **body) -> dict:
    """The trace straight from the API (not through the browser), to compare against."""
    request = urllib.request.Request(
        f"{app_url}/api/graph/trace",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def backward_steps(trace: dict) -> list[dict]:
    """The backward events the stepper stops at: every one but a constant's (nothing uses its gradient)."""
    kinds = {n["id"]: n["kind"] for n in trace["graph"]["nodes"]}
    output = trace["graph"]["output"]
    return [e for e in trace["backward"] if kinds[e["node"]] != "const" or e["node"] == output]


def step_count(trace: dict) -> int:
    """N in the step readout "k / N": every forward event and the backward steps."""
    return len(trace["forward"]) + len(backward_steps(trace))


def wait_run(page, outcome: str = "done") -> None:
    """Wait until the page's latest run has finished (trace drawn and gradient checked)."""
    page.wait_for_selector(f"body[data-run={outcome}]")


def open_graph(page, query: str) -> None:
    page.goto(f"/graph?{query}")
    wait_run(page)


def step_text(page) -> str:
    return page.inner_text("[data-testid=step]").strip()


def current_node(page) -> str | None:
    ids = page.eval_on_selector_all(f"{GRAPH} [data-current=true]", "els => els.map(e => e.dataset.nodeId)")
    assert len(ids) <= 1, f"more than one current node: {ids}"
    return ids[0] if ids else None


def node_attr(page, node: str, name: str):
    raw = page.get_attribute(f'{GRAPH} [data-node-id="{node}"]', f"data-{name}")
    return None if raw is None else json.loads(raw)


def snapshot(page) -> dict:
    """Every node's revealed value, gradient and current flag, plus the step readout."""
    nodes = page.eval_on_selector_all(
        f"{GRAPH} [data-node-id]",
        "els => els.map(e => [e.dataset.nodeId, e.dataset.value ?? null, e.dataset.grad ?? null,"
        " e.dataset.current ?? null])",
    )
    return {"step": step_text(page), "nodes": nodes, "panel": page.inner_text("[data-testid=chain-rule]")}


def press(page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)
