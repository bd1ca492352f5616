"""Event streams: the wire format, slices of events per thread hop, and a client that
leaves stopping the computation (app.sse), through the real event text."""

from __future__ import annotations

import asyncio
import json

import pytest
from sse_starlette.event import ServerSentEvent

import app.routers.optimize as optimize_router
from app import sse
from app.main import create_app
from engine.errors import InputError
from tests.contract import parse_sse

RACE = {
    "surface": "rosenbrock",
    "start": [-1.5, 2.0],
    "steps": 2000,
    "runs": [{"optimizer": name, "params": {"lr": lr}} for name, lr in
             [("sgd", 5e-4), ("momentum", 2e-4), ("nesterov", 2e-4), ("adam", 0.01), ("rmsprop", 1e-3), ("adagrad", 0.1)]],
}


@pytest.fixture
def long_slices(monkeypatch):
    """Slices bounded by their event count only, so the number of hops does not depend on speed."""
    monkeypatch.setattr(sse, "SLICE_SECONDS", 3600.0)


def scope(method: str, path: str, query: bytes = b"") -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }


async def converse(asgi_app, request_scope: dict, body: bytes = b"", leave_after_first_event: bool = False) -> list:
    """Drive an ASGI app as a client would; optionally disconnect once the first event arrived.
    Returns the body chunks received."""
    left = asyncio.Event()
    requested = False
    chunks = []

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            if leave_after_first_event and b"event: " in message["body"]:
                left.set()

    await asyncio.wait_for(asgi_app(request_scope, receive, send), timeout=60)
    return chunks


def streaming(events) -> callable:
    """An ASGI app that streams these events through app.sse."""

    async def asgi(request_scope, receive, send):
        response = await sse.event_stream(lambda: events)
        await response(request_scope, receive, send)

    return asgi


class Counted:
    """An event iterator that counts what it has produced and whether it was closed."""

    def __init__(self, n: int):
        self.n, self.produced, self.closed = n, 0, False
        self._it = self._events()

    def _events(self):
        try:
            for i in range(self.n):
                self.produced += 1
                yield "step", {"i": i, "text": "naïve ∂L/∂w\nline two"}
            yield "done", {}
        finally:
            self.closed = True

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def close(self):
        self._it.close()


@pytest.mark.parametrize("data", [{"a": [1.5, -2.0, None]}, {"text": "line\nbreak\r\nand ∂ é 😀"}, [], 3.0])
def test_encoding_is_sse_starlettes_byte_for_byte(data):
    ours = sse.encode("forward", data)
    theirs = ServerSentEvent(sse.dumps(data).decode(), event="forward").encode()
    assert ours == theirs
    assert parse_sse(ours.decode()) == [("forward", json.loads(json.dumps(data)))]


def test_a_lazy_stream_computes_slices_not_one_hop_per_event(hops, long_slices):
    events = Counted(199)
    chunks = asyncio.run(converse(streaming(events), scope("GET", "/")))
    text = b"".join(chunks).decode()
    received = [name for name, _ in parse_sse(text)]
    assert received == ["step"] * 199 + ["done"]
    assert [d["i"] for name, d in parse_sse(text) if name == "step"] == list(range(199))
    # the set-up and the first event alone (the page draws at once), then 64 + 64 + 64 + the last 7 and `done`
    assert hops[0] == 5
    assert events.closed


def test_a_client_that_leaves_stops_the_computation(long_slices):
    events = Counted(100_000)
    chunks = asyncio.run(converse(streaming(events), scope("GET", "/"), leave_after_first_event=True))
    assert parse_sse(chunks[0].decode())[0][0] == "step"
    # the hop in flight when the client left finishes its slice; no further one starts
    assert 1 <= events.produced <= 1 + sse.SLICE_EVENTS
    assert events.closed


def test_a_race_stream_hops_per_slice_and_equals_the_post(client, hops, long_slices):
    post = client.post("/api/optimize", json=RACE).json()["runs"]
    hops[0] = 0
    r = client.post("/api/optimize/stream", json=RACE)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    assert len(events) > 100
    # one hop for the set-up (parsing the surface) and the first event, then slices
    # (the slice that ends the stream may find nothing left: hence 2 + the whole slices)
    assert hops[0] == 2 + (len(events) - 1) // sse.SLICE_EVENTS
    for k, run in enumerate(post):
        points = [p for name, d in events if name == "step" and d["run"] == k for p in d["points"]]
        assert points == run["points"]
    assert events[-1][0] == "done"


def test_a_race_client_that_leaves_after_the_first_event_leaves_the_race_unfinished(monkeypatch, long_slices):
    produced = []

    def counted_race_events(**kwargs):
        def events():
            for event in optimize_router_race_events(**kwargs):
                produced.append(event[0])
                yield event
        return events()

    optimize_router_race_events = optimize_router.race_events
    monkeypatch.setattr(optimize_router, "race_events", counted_race_events)
    full = parse_sse(b"".join(asyncio.run(converse(
        create_app(), scope("POST", "/api/optimize/stream"), json.dumps(RACE).encode()))).decode())
    assert len(produced) == len(full) > 100 and produced[-1] == "done"

    produced.clear()
    chunks = asyncio.run(converse(create_app(), scope("POST", "/api/optimize/stream"), json.dumps(RACE).encode(),
                                  leave_after_first_event=True))
    assert parse_sse(chunks[0].decode())[0][0] == "step"
    assert 1 <= len(produced) <= 1 + sse.SLICE_EVENTS < len(full)
    assert "done" not in produced


def test_a_bad_stream_is_422_with_one_error_event(client):
    r = client.post("/api/optimize/stream", json={**RACE, "surface": None, "expression": "x +"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/event-stream")
    [(name, data)] = parse_sse(r.text)
    assert name == "error" and "syntax" in data["detail"]["message"]
    r = client.get("/api/optimize/stream", params={"request": "{not json"})
    assert r.status_code == 422
    [(name, data)] = parse_sse(r.text)
    assert name == "error" and data["detail"]["message"]


def failing(after: int, exc: Exception):
    """Events, then an exception raised mid-stream (after the status has been sent)."""
    def events():
        for i in range(after):
            yield "step", {"i": i}
        raise exc
    return events()


def test_a_bug_mid_stream_ends_with_an_error_event_and_a_logged_traceback(caplog, long_slices):
    chunks = asyncio.run(converse(streaming(failing(3, ZeroDivisionError("boom"))), scope("GET", "/")))
    events = parse_sse(b"".join(chunks).decode())
    assert [name for name, _ in events] == ["step"] * 3 + ["error"]
    message = events[-1][1]["detail"]["message"]
    assert message.startswith("internal error: ZeroDivisionError") and "boom" not in message
    logged = [r for r in caplog.records if r.name == "backproplab"]
    assert logged and logged[-1].exc_info[0] is ZeroDivisionError


def test_an_input_error_mid_stream_is_its_own_error_event(long_slices):
    chunks = asyncio.run(converse(streaming(failing(2, InputError("too slow", limit="cpu_time"))), scope("GET", "/")))
    events = parse_sse(b"".join(chunks).decode())
    assert events[-1] == ("error", {"detail": {"message": "too slow", "limit": "cpu_time"}})
