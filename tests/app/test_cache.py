"""The answer cache (app.cache): single flight, errors, LRU bounds, and the cached
endpoints' ETags, 304s and hits that never leave the event loop."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

import app.routers.graph as graph_router
from app import cache
from app.cache import AnswerCache, Plain
from app.http_cache import Payload
from app.main import create_app
from engine.errors import InputError
from tests.contract import parse_sse


def unique_program() -> str:
    """A program no other test has traced (so its first request is a miss)."""
    return f"# {uuid.uuid4()}\nx = param([1.0, -2.0])\ny = sum(x * x)"


async def until(condition, tries: int = 10_000) -> None:
    """Yield to the event loop until ``condition()`` holds (bounded by tries, not by time)."""
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


# --- the cache alone ------------------------------------------------------------------


def test_concurrent_misses_compute_once_and_share_the_answer():
    answers, release, calls = AnswerCache(), threading.Event(), []

    def compute():
        calls.append(1)
        release.wait(timeout=30)
        return b'{"answer": 42}'

    async def main():
        tasks = [asyncio.create_task(answers.get("k", compute)) for _ in range(50)]
        await until(lambda: answers.shared == 49)
        release.set()
        return await asyncio.gather(*tasks)

    results = asyncio.run(main())
    assert len(calls) == 1
    assert all(r is results[0] for r in results) and results[0].body == b'{"answer": 42}'
    assert (answers.misses, answers.shared, answers.hits) == (1, 49, 0)
    assert asyncio.run(answers.get("k", compute)) is results[0] and answers.hits == 1 and len(calls) == 1


def test_an_error_reaches_every_waiter_and_is_not_kept():
    answers, release, calls = AnswerCache(), threading.Event(), []

    def compute():
        calls.append(1)
        release.wait(timeout=30)
        raise InputError("unknown name 'q'")

    async def main():
        tasks = [asyncio.create_task(answers.get("bad", compute)) for _ in range(10)]
        await until(lambda: answers.shared == 9)
        release.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(main())
    assert len(calls) == 1 and all(isinstance(r, InputError) and r.message == "unknown name 'q'" for r in results)
    assert "bad" not in answers and answers.stats()["entries"] == 0
    release.set()
    with pytest.raises(InputError):
        asyncio.run(answers.get("bad", compute))
    assert len(calls) == 2  # computed again: errors are not kept


def test_a_waiter_or_the_first_requester_leaving_does_not_cancel_the_others():
    answers, release = AnswerCache(), threading.Event()

    def compute():
        release.wait(timeout=30)
        return b"[1, 2, 3]"

    async def main():
        first = asyncio.create_task(answers.get("k", compute))
        await until(lambda: answers.misses == 1)
        waiters = [asyncio.create_task(answers.get("k", compute)) for _ in range(3)]
        await until(lambda: answers.shared == 3)
        first.cancel()
        waiters[0].cancel()
        release.set()
        return await asyncio.gather(*waiters[1:]), first, waiters[0]

    (b, c), first, cancelled = asyncio.run(main())
    assert b.body == c.body == b"[1, 2, 3]"
    assert first.cancelled() and cancelled.cancelled()
    assert "k" in answers


def fill(answers: AnswerCache, key: str, body: bytes):
    return asyncio.run(answers.get(key, lambda: body))


def test_least_recently_used_entries_go_when_the_bytes_run_out():
    body = b"x" * 100  # under gzip's threshold: each entry is its body and its key
    size = len(body) + len("k0")
    answers = AnswerCache(max_bytes=3 * size, max_entry_bytes=size)
    for k in ("k0", "k1", "k2"):
        fill(answers, k, body)
    assert answers.bytes == 3 * size
    fill(answers, "k0", b"other")  # a hit: k0 becomes the most recently used, its body unchanged
    assert answers.hits == 1
    fill(answers, "k3", body)
    assert "k1" not in answers and all(k in answers for k in ("k0", "k2", "k3"))
    assert answers.evictions == 1 and answers.bytes == 3 * size <= answers.max_bytes


def test_entries_are_bounded_by_count():
    answers = AnswerCache(max_entries=2)
    for k in ("a", "b", "c"):
        fill(answers, k, b"{}")
    assert [k in answers for k in ("a", "b", "c")] == [False, True, True]


def test_an_answer_over_the_entry_cap_is_answered_but_not_kept():
    answers = AnswerCache(max_entry_bytes=1_000)
    big = fill(answers, "big", b"7" * 5_000)
    assert isinstance(big, Plain) and big.body == b"7" * 5_000
    assert "big" not in answers and answers.oversize == 1 and answers.bytes == 0
    response = big.response({"accept-encoding": "gzip"})
    assert response.body == b"7" * 5_000 and "etag" not in response.headers
    small = fill(answers, "small", b"7" * 600)
    assert isinstance(small, Payload) and "small" in answers


def test_a_large_answer_is_gzipped_and_tagged_once_a_second_request_shares_it():
    answers, body, calls = AnswerCache(eager_bytes=1_000), b"[" + b"1.25," * 2_000 + b"0]", []
    first = fill(answers, "race", body)
    assert isinstance(first, Plain) and answers.bytes == len(body) + len("race")
    second = asyncio.run(answers.get("race", lambda: calls.append(1) or body))
    assert isinstance(second, Payload) and second.body == body and second.gzipped
    assert answers.peek("race") is second and answers.promotions == 1 and not calls
    assert answers.bytes == second.size + len("race")
    assert fill(answers, "race", b"") is second and answers.hits == 2


# --- the cached endpoints -------------------------------------------------------------


def concurrently(requests: list[tuple[str, str, dict | None]]) -> list[httpx.Response]:
    """Send requests at once to one app (httpx on the ASGI app, in one event loop)."""

    async def main():
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.gather(*(c.request(m, path, json=body) for m, path, body in requests))

    return asyncio.run(main())


def test_fifty_identical_trace_requests_compute_once(monkeypatch):
    traced = []
    real_trace = graph_router.trace
    monkeypatch.setattr(graph_router, "trace", lambda graph: traced.append(1) or real_trace(graph))
    program = unique_program()
    misses = cache.answers.misses
    responses = concurrently([("POST", "/api/graph/trace", {"program": program})] * 50)
    assert len(traced) == 1 and cache.answers.misses == misses + 1
    assert all(r.status_code == 200 and r.content == responses[0].content for r in responses)
    assert responses[0].json()["grads"] == {"x": [2.0, -4.0]}


def test_threads_each_with_its_own_event_loop_share_one_computation(monkeypatch):
    release, traced = threading.Event(), []
    real_trace = graph_router.trace

    def held_trace(graph):
        traced.append(1)
        release.wait(timeout=30)
        return real_trace(graph)

    monkeypatch.setattr(graph_router, "trace", held_trace)
    program, app, bodies = unique_program(), create_app(), []
    shared = cache.answers.shared

    def student():
        with TestClient(app) as c:  # a client per thread: a portal, so an event loop, of its own
            bodies.append(c.post("/api/graph/trace", json={"program": program}).content)

    threads = [threading.Thread(target=student) for _ in range(8)]
    for t in threads:
        t.start()
    for _ in range(30_000):  # until seven wait for the first (bounded by tries)
        if cache.answers.shared == shared + 7:
            break
        threading.Event().wait(0.001)
    release.set()
    for t in threads:
        t.join(timeout=60)
    assert len(traced) == 1 and cache.answers.shared == shared + 7
    assert len(bodies) == 8 and len(set(bodies)) == 1 and json.loads(bodies[0])["grads"] == {"x": [2.0, -4.0]}


def test_a_different_program_text_is_a_different_entry(client):
    a, b = unique_program(), unique_program().replace("x * x", "x * x * x")
    misses = cache.answers.misses
    ra, rb = (client.post("/api/graph/trace", json={"program": p}) for p in (a, b))
    assert cache.answers.misses == misses + 2
    assert ra.json()["grads"] == {"x": [2.0, -4.0]} and rb.json()["grads"] == {"x": [3.0, 12.0]}
    assert client.post("/api/graph/trace", json={"program": a}).content == ra.content
    assert cache.answers.misses == misses + 2


def test_a_hit_never_leaves_the_event_loop(client, hops):
    program = unique_program()
    requests = [
        ("POST", "/api/graph/trace", {"program": program}),
        ("POST", "/api/graph/trace/stream", {"program": program}),
        ("GET", "/api/graph/trace/stream?preset=mlp", None),
        ("POST", "/api/graph/gradcheck", {"program": program}),
        ("GET", "/api/surfaces/booth/grid?n=31", None),
        ("GET", "/api/presets", None),
        ("POST", "/api/surfaces/grid", {"expression": f"x**2 + {hash(program) % 97}*y**2",
                                        "domain": {"x": [-1, 1], "y": [-1, 1]}, "n": 300}),
    ]
    for method, path, body in requests:
        first = client.request(method, path, json=body)
        second = client.request(method, path, json=body)  # a large answer's second request gzips it, once
        hops[0] = 0
        again = client.request(method, path, json=body)
        assert hops[0] == 0, path
        assert again.status_code == first.status_code == 200 and again.content == second.content == first.content
        assert again.headers["etag"] == second.headers["etag"]


def test_the_key_is_the_request_not_its_spelling(client):
    race = {"surface": "booth", "start": [1.0, -2.0], "steps": 50, "runs": [{"optimizer": "adam", "params": {"lr": 0.1}}],
            "noise": {"std": 0.1, "seed": int(uuid.uuid4()) % 1000 + 7}}
    first = client.post("/api/optimize", json=race)
    hits = cache.answers.hits
    # the same request with its keys in another order, spaces, and a default spelled out
    text = json.dumps(dict(reversed(list(race.items()))), indent=2)
    again = client.post("/api/optimize", content=text, headers={"content-type": "application/json"})
    assert cache.answers.hits == hits + 1 and again.content == first.content
    assert len(first.json()["runs"][0]["points"]) == 51


@pytest.mark.parametrize("path", ["/api/surfaces/rosenbrock/grid", "/api/surfaces", "/api/optimizers",
                                  "/api/schedules", "/api/inits", "/api/presets", "/api/init/activations",
                                  "/api/graph/trace/stream?preset=mlp"])
def test_gets_revalidate_with_an_etag_and_304(client, path):
    client.get(path)  # the first client of a large answer gets it plain
    r = client.get(path)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    etag = r.headers["etag"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get(path, headers={"if-none-match": '"stale"'})
    assert other.status_code == 200 and other.content == r.content


def test_a_grid_is_gzipped_for_a_client_that_takes_it(client):
    client.get("/api/surfaces/rosenbrock/grid")
    raw = client.get("/api/surfaces/rosenbrock/grid", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers
    with client.stream("GET", "/api/surfaces/rosenbrock/grid", headers={"accept-encoding": "gzip"}) as packed:
        assert packed.headers["content-encoding"] == "gzip"
        assert gzip.decompress(b"".join(packed.iter_raw())) == raw.content
    grid = raw.json()
    assert len(grid["x"]) == len(grid["z"]) == 200


def test_errors_are_answered_each_time_and_never_kept(client):
    program = f"# {uuid.uuid4()}\nx = input(1.0)\ny = sigmod(x)"
    entries = cache.answers.stats()["entries"]
    for _ in range(2):
        r = client.post("/api/graph/trace", json={"program": program})
        assert r.status_code == 422 and r.json()["detail"]["line"] == 3  # after the comment
        s = client.post("/api/graph/trace/stream", json={"program": program})
        assert s.status_code == 422 and [name for name, _ in parse_sse(s.text)] == ["error"]
    assert cache.answers.stats()["entries"] == entries
    assert client.post("/api/graph/trace", json={"preset": "nope"}).status_code == 404
