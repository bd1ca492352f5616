"""Rooms through a real redis-server (Debian's, started here on a free loopback port):
the Redis store in this process, then two app processes sharing one Redis, and Redis
stopped and started again in the middle of a lecture.

Without redis-server these tests skip with the reason; with CI set they fail instead."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest

from app.main import create_app
from app.rooms import MemoryStore, Rooms, RoomsUnavailable, Unavailable, store_for
from app.rooms.core import Message
from app.rooms.core import Room as Record
from app.rooms.redis_store import RedisStore
from engine.limits import ROOM_IDLE_SECONDS
from tests.app.rooms_support import AppProcess, Follower, RedisServer, Room, following, need_redis, wait_for
from tests.browser.harness import serving


@pytest.fixture
def redis_server(tmp_path):
    need_redis()
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live(redis_server):
    """The app in this process, its rooms in Redis."""
    app = create_app()
    app.state.rooms = Rooms(store_for(redis_server.url, 2))
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as c:
        c.url = url
        c.app = app
        yield c


@pytest.fixture
def two_servers(redis_server):
    """Two `backproplab` processes (two ports, so each request's process is known) on one Redis."""
    servers = [AppProcess("--redis", redis_server.url) for _ in range(2)]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_the_store_is_chosen_by_the_settings():
    assert isinstance(store_for("redis://127.0.0.1:1/0", 4), RedisStore)
    assert isinstance(store_for(None, 1), MemoryStore)
    assert isinstance(store_for(None, 3), Unavailable)


def test_every_route_through_redis(live):
    room = Room(live)
    assert room.info() == {"code": room.code, "url": None, "seq": 0, "followers": 0,
                           "expires_at": room.created["expires_at"], "question": None}
    assert room.put("/graph").status_code == 200 and room.publish("/init?depth=50") == 2
    assert live.put(f"/api/rooms/{room.code}/state", json={"url": "/graph"},
                    headers=Room(live).auth).status_code == 403
    assert room.put("javascript:alert(1)").status_code == 422
    with following(live.url, room.code) as follower:
        assert follower.next().data == {"seq": 2, "url": "/init?depth=50"}
        wait_for(lambda: room.info()["followers"] == 1, what="the follower counted")
        seq = room.publish("/graph?step=2", question={"id": "q7", "node": "W", "element": [1, 0], "prompt": "?"})
        assert [e.name for e in follower.until("question")] == ["state", "question"]
        for k, value in enumerate([1.0, 2.0, 2.0, 4.0]):
            assert room.answer("q7", f"client-{k:04d}", value).json() == {"count": k + 1}
        assert room.answer("q7", "client-0003", 3.0).json() == {"count": 4}
        assert room.answer("q6", "client-0003", 3.0).status_code == 409
        summary = room.answers("q7").json()
        assert (summary["count"], summary["values_summary"]) == (4, {"min": 1.0, "max": 3.0, "median": 2.0})
        assert sum(summary["histogram"]["counts"]) == 4
        seq = room.publish("/graph?step=3", reveal={"id": "q7", "value": 2.5})
        assert follower.until("reveal")[-1].data == {"id": "q7", "value": 2.5, "count": 4, "seq": seq}
        assert room.answer("q7", "client-0009", 3.0).status_code == 409
        assert room.end().json() == {"code": room.code, "ended": True}
        assert follower.next().data == {"reason": "ended"}
    assert room.info() == {"detail": {"message": f"no room '{room.code}': it ended, expired, or never existed"}}


def test_a_room_keeps_the_answers_of_its_latest_question_only_in_redis(live, redis_server):
    room = Room(live)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    room.answer("q1", "client-0001", 1.0)
    room.publish("/graph", question={"id": "q2", "node": "b"})
    room.answer("q2", "client-0001", 2.0)
    assert (room.answers("q1").json()["count"], room.answers("q2").json()["count"]) == (0, 1)
    room.end()
    keys = asyncio.run(_keys(redis_server.url))
    assert not [k for k in keys if room.code in k]  # an ended room leaves nothing behind


async def _keys(url: str) -> list[str]:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        return await client.keys("*")
    finally:
        await client.aclose()


def test_limits_through_redis(live, monkeypatch):
    monkeypatch.setattr("app.rooms.redis_store.MAX_ANSWERS", 3)
    monkeypatch.setattr("app.rooms.redis_store.MAX_FOLLOWERS", 1)
    monkeypatch.setattr("app.rooms.redis_store.MAX_ROOMS", 3)
    room = Room(live)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    assert [room.answer("q1", f"client-{k:04d}", 1.0).status_code for k in range(5)] == [202, 202, 202, 429, 429]
    assert room.answer("q1", "client-0005", 1.0).json()["detail"]["limit"] == "max_answers"
    assert room.answer("q1", "client-0001", 5.0).status_code == 202  # a counted student may change their answer
    with following(live.url, room.code):
        wait_for(lambda: room.info()["followers"] == 1, what="the follower counted")
        r = live.get(f"/api/rooms/{room.code}/events")
        assert r.status_code == 429 and r.json()["detail"]["limit"] == "max_followers"
    Room(live), Room(live)
    r = live.post("/api/rooms", json={})
    assert r.status_code == 429 and r.json()["detail"]["limit"] == "max_rooms"


def test_an_idle_room_expires_in_redis_too(live, monkeypatch):
    room = Room(live)
    store = live.app.state.rooms.store
    monkeypatch.setattr(store, "clock", lambda: time.time() + ROOM_IDLE_SECONDS + 1)
    assert live.get(f"/api/rooms/{room.code}").status_code == 404
    assert room.put("/graph").status_code == 404


def test_a_publish_on_one_process_reaches_a_follower_on_the_other_in_order(two_servers):
    a, b = two_servers
    with httpx.Client(base_url=a.url, timeout=10) as on_a, httpx.Client(base_url=b.url, timeout=10) as on_b:
        room = Room(on_a)
        room.publish("/graph?step=0")
        with following(b.url, room.code) as follower:
            assert follower.next().data == {"seq": 1, "url": "/graph?step=0"}
            # the follower on b, counted by a: the count is over every process
            wait_for(lambda: Room.info(room)["followers"] == 1, what="a's count of b's follower")
            received = []
            for step in range(1, 31):
                room.publish(f"/graph?step={step}")
                if step % 10 == 0:  # a pause now and then: the latest always arrives
                    while not received or received[-1] != step + 1:
                        received.append(follower.next().data["seq"])
            assert received == sorted(set(received)) and received[-1] == 31  # in order, none twice
            assert {30 + 1, 20 + 1, 10 + 1} <= set(received)
            # the quiz across processes: asked on a, answered on b, counted on a
            seq = room.publish("/graph?step=31", question={"id": "q1", "node": "x"})
            assert follower.until("question")[-1].data == {"id": "q1", "node": "x", "element": None, "prompt": "",
                                                           "seq": seq}
            student = Room.__new__(Room)
            student.client, student.code = on_b, room.code
            assert Room.answer(student, "q1", "client-0001", -1.5).status_code == 202
            assert room.answers("q1").json()["count"] == 1
        wait_for(lambda: room.info()["followers"] == 0, what="b's follower leaving, seen from a")


def test_workers_two_with_redis_share_rooms(redis_server):
    server = AppProcess("--workers", "2", "--redis", redis_server.url)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            rooms = [Room(c) for _ in range(6)]  # whichever process answers, every room is in Redis
            for room in rooms:
                assert room.publish("/schedules") == 1
                assert room.info()["url"] == "/schedules"
    finally:
        out = server.stop()
    assert "rooms are off" not in out


def test_workers_two_without_redis_say_so_and_answer_503(tmp_path):
    server = AppProcess("--workers", "2")
    try:
        r = httpx.post(f"{server.url}/api/rooms", json={})
        assert r.status_code == 503 and "--redis" in r.json()["detail"]["message"]
        assert httpx.get(f"{server.url}/graph").status_code == 200
    finally:
        out = server.stop()
    assert "rooms are off: 2 processes need --redis URL to share them" in out


def test_redis_stopped_and_started_again_mid_room(redis_server, two_servers):
    a, b = two_servers
    with httpx.Client(base_url=a.url, timeout=10) as on_a:
        room = Room(on_a)
        room.publish("/graph?step=1")
        with following(b.url, room.code) as follower:
            assert follower.next().data["seq"] == 1
            redis_server.stop()
            assert follower.ended.wait(10), "the follower's stream did not end when Redis went away"
            r = room.put("/graph?step=2")
            assert r.status_code == 503 and r.headers["retry-after"] == "2"
            assert "Redis (redis://127.0.0.1:" in r.json()["detail"]["message"]
            for server in (a, b):  # the pages do not need Redis
                assert httpx.get(f"{server.url}/graph").status_code == 200
                assert httpx.get(f"{server.url}/api/health").status_code == 200
            assert httpx.get(f"{b.url}/api/rooms/{room.code}/events").status_code == 503
        redis_server.start()
        wait_for(lambda: room.put("/graph?step=2").status_code == 200, 20, "publishing once Redis is back")
        assert room.info()["url"] == "/graph?step=2"

        def reconnected() -> Follower | None:
            """The page reconnecting, as it does until b's subscriber is back (it retries with backoff)."""
            follower = Follower(b.url, room.code, last_event_id="1").start()
            if follower.status == 200:
                return follower
            follower.stop()
            return None

        follower = wait_for(reconnected, 20, "b serving the room's events again")
        try:
            assert follower.next().data == {"seq": 2, "url": "/graph?step=2"}
            wait_for(lambda: room.info()["followers"] == 1, what="the reconnected follower counted")
            room.publish("/graph?step=3")
            assert follower.next().data == {"seq": 3, "url": "/graph?step=3"}
        finally:
            follower.stop()


def test_the_subscriber_reconnects_with_backoff(redis_server):
    """In this process: a lost Redis ends the follower's queue; once Redis is back, a new
    follower is served by a new subscription."""

    async def scenario() -> Message:
        store = RedisStore(redis_server.url)
        try:
            assert await store.create(Record(code="ABCDEF", key_hash="x", expires_at=time.time() + 60))
            async with store.follow("ABCDEF") as follower:
                redis_server.stop()
                assert await asyncio.wait_for(follower.queue.get(), 10) is None  # its stream ends
                with pytest.raises(RoomsUnavailable):
                    await store.load("ABCDEF")
            redis_server.start()
            deadline = time.monotonic() + 20
            while True:
                try:
                    async with store.follow("ABCDEF") as follower:
                        await store.send("ABCDEF", Message("state", 5, {"seq": 5, "url": "/graph"}))
                        return await asyncio.wait_for(follower.queue.get(), 5)
                except RoomsUnavailable:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
        finally:
            await store.close()

    assert asyncio.run(scenario()) == Message("state", 5, {"seq": 5, "url": "/graph"})


def test_a_crowd_at_once_waits_for_a_connection_rather_than_503(redis_server):
    """300 students answering, or 300 quiet streams checking their room, in the same instant:
    each command waits for one of the pool's connections (redis-py's default pool refused
    the 101st with a 503, which ended streams), and every follower is counted."""

    async def scenario() -> tuple[list, list, int]:
        store = RedisStore(redis_server.url)
        try:
            assert await store.create(Record(code="ABCDEF", key_hash="x", expires_at=time.time() + 60))
            await store.update("ABCDEF", "/graph", {"id": "q1", "node": "b", "element": None, "prompt": ""})
            loads = await asyncio.gather(*(store.load("ABCDEF") for _ in range(300)), return_exceptions=True)
            answers = await asyncio.gather(*(store.answer("ABCDEF", "q1", f"client-{k:04d}", float(k))
                                             for k in range(300)), return_exceptions=True)
            async with contextlib.AsyncExitStack() as streams:
                await asyncio.gather(*(streams.enter_async_context(store.follow("ABCDEF")) for _ in range(150)))
                counted = await store.followers("ABCDEF")
            return loads, answers, counted
        finally:
            await store.close()

    loads, answers, counted = asyncio.run(scenario())
    assert [x for x in loads + answers if isinstance(x, BaseException)] == []
    assert sorted(answers) == list(range(1, 301)) and counted == 150
