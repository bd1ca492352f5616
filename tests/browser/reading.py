"""Reading any page the way the tests need it: when it has drawn what it loads, a Plotly
chart's traces by name, and the URL's query (the page's state)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

# What each page sets once it has drawn everything it loads (leaving earlier would cancel
# its requests): /optimizers its first race, /graph its run, the others <body data-state=ready>.
READY = {
    "/": "() => document.body.dataset.state === 'ready'",
    "/graph": "() => document.body.dataset.run === 'done'",
    "/optimizers": "() => Number(document.body.dataset.races ?? 0) >= 1",
    "/schedules": "() => document.body.dataset.state === 'ready'",
    "/init": "() => document.body.dataset.state === 'ready'",
    "/docs": "() => document.body.dataset.state === 'ready'",
    "/trainability": "() => document.body.dataset.state === 'ready'",  # its refined tile too
    "/join": "() => document.body.dataset.state === 'ready'",
}


def wait_ready(page, path: str | None = None, timeout: float = 30_000) -> None:
    """Wait until the page (at `path`, by default the one open) has answered and drawn every
    request (a first load on a busy machine may take a while: hence the long timeout)."""
    path = path or urlsplit(page.url).path
    assert path in READY, f"{path}: add what the page sets once it has drawn to READY (tests/browser/reading.py)"
    page.wait_for_function(READY[path], timeout=timeout)


def traces(page, selector: str, **extra: str) -> dict[str, dict]:
    """The Plotly chart's traces by name, each {name, x, y} and the `extra` fields, each a
    JavaScript expression of the trace `t` (e.g. width="t.line.width"). Names must be unique."""
    fields = ", ".join(f"{name}: {expression}" for name, expression in extra.items())
    data = page.eval_on_selector(selector, f"el => el.data.map(t => ({{name: t.name, x: t.x, y: t.y, {fields}}}))")
    names = [t["name"] for t in data]
    assert len(names) == len(set(names)), f"two traces share a name: {names}"
    return {t["name"]: t for t in data}


def query(page) -> dict[str, str]:
    """The URL's query, each name's first value."""
    return {k: v[0] for k, v in query_lists(page).items()}


def query_lists(page) -> dict[str, list[str]]:
    """The URL's query, every value of each name (a race has one `run` per run)."""
    return parse_qs(urlsplit(page.url).query)
