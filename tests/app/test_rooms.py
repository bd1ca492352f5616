"""Rooms in one process (the memory store), through the real app: every row of DESIGN's
table, the quiz, and each limit by the name its refusal gives."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.rooms import Rooms, store_for
from app.rooms.core import ALPHABET, page_url_problem
from app.routers import rooms as rooms_router
from engine.limits import (
    LIMITS,
    MAX_ANSWERS,
    MAX_ROOM_BODY_BYTES,
    MAX_ROOM_URL_CHARS,
    ROOM_IDLE_SECONDS,
)
from tests.app.rooms_support import Room, following, wait_for
from tests.browser.harness import serving


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def store(app, client):
    """The app's room store (made by the first room request)."""
    client.post("/api/rooms", json={})
    return app.state.rooms.store


@pytest.fixture
def live(app):
    """The app served on a socket (event streams), with an httpx client."""
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as c:
        c.url = url
        yield c


def test_create_gives_a_code_a_key_and_the_url_students_open(client):
    before = time.time()
    room = Room(client)
    created = room.created
    assert set(created) == {"code", "presenter_key", "follow_url", "follow_urls", "expires_at"}
    assert len(room.code) == 6 and set(room.code) <= set(ALPHABET)
    assert not set(room.code) & set("0O1IL")
    assert len(room.key) >= 22 and set(room.key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert created["follow_url"] == f"http://testserver/?room={room.code}" == created["follow_urls"][0]
    assert before + ROOM_IDLE_SECONDS <= created["expires_at"] <= time.time() + ROOM_IDLE_SECONDS
    other = Room(client)
    assert (other.code, other.key) != (room.code, room.key)


def test_the_follow_url_uses_the_configured_addresses(app, client):
    app.state.rooms = Rooms(store_for(None, 1), ["https://lab.example.edu/", "http://192.0.2.7:8000/"])
    created = Room(client).created
    assert created["follow_urls"] == [f"https://lab.example.edu/?room={created['code']}",
                                      f"http://192.0.2.7:8000/?room={created['code']}"]
    assert created["follow_url"] == created["follow_urls"][0]


def test_get_shows_the_state_and_any_case_of_the_code(client):
    room = Room(client)
    assert room.info() == {"code": room.code, "url": None, "seq": 0, "followers": 0,
                           "expires_at": room.created["expires_at"], "question": None}
    assert room.publish("/graph?preset=logreg&step=7") == 1
    assert room.publish("/optimizers?race=1") == 2
    info = client.get(f"/api/rooms/{room.code.lower()}").json()
    assert (info["url"], info["seq"]) == ("/optimizers?race=1", 2)


def test_only_the_presenter_key_publishes(client):
    room = Room(client)
    url = f"/api/rooms/{room.code}/state"
    body = {"url": "/graph"}
    r = client.put(url, json=body)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in r.json()["detail"]["message"]
    assert client.put(url, json=body, headers={"Authorization": f"Basic {room.key}"}).status_code == 401
    assert client.put(url, json=body, headers={"Authorization": "Bearer "}).status_code == 401
    other = Room(client)
    for wrong in (other.key, room.key[:-1], room.key + "x", room.key.upper(), "é" * 40):
        r = client.put(url, json=body, headers={"Authorization": f"Bearer {wrong}".encode()})
        assert r.status_code == 403, wrong
        assert r.json()["detail"]["message"] == "that is not this room's presenter key"
    assert room.info()["seq"] == 0
    assert room.publish("/graph") == 1


@pytest.mark.parametrize("url", ["/", "/graph", "/graph?preset=logreg&step=7", "/optimizers?runs=adam%3A0.1#x",
                                 "/init/", "/schedules?s=newbob", "/trainability?x=1"])
def test_a_page_of_the_app_is_a_state(client, url):
    assert Room(client).put(url).status_code == 200


@pytest.mark.parametrize("url", [
    "https://evil.example/graph", "//evil.example/graph", "javascript:alert(1)", "JavaScript:alert(1)",
    "/\\evil.example", "\\\\evil.example", "graph", "", " /graph", "/graph\nLocation: x", "/graph\t",
    "/admin", "/api/rooms", "/static/js/app.js", "/graph/../api/health", "/%2F%2Fevil.example", "data:text/html,x",
    "/graph\x00", "/graph\u0085",
])
def test_a_foreign_or_script_url_is_refused(client, url):
    room = Room(client)
    r = room.put(url)
    assert r.status_code == 422, url
    assert r.json()["detail"]["message"].startswith("url: ")
    assert room.info()["seq"] == 0


def test_a_url_longer_than_its_limit_is_refused_by_name(client):
    room = Room(client)
    longest = "/graph?p=" + "a" * (MAX_ROOM_URL_CHARS - 9)
    assert len(longest) == MAX_ROOM_URL_CHARS and room.put(longest).status_code == 200
    r = room.put(longest + "a")
    assert r.status_code == 422 and r.json()["detail"]["limit"] == "url"
    assert page_url_problem(longest + "a") == "the URL has 8,001 characters; at most 8,000 (limit url)"


def test_the_quiz_from_ask_to_reveal(client):
    room = Room(client)
    room.publish("/graph?preset=logreg&step=3")
    question = {"id": "q1", "node": "W", "element": [0, 1], "prompt": "∂L/∂W[0,1]?"}
    assert room.answer("q1", "client-0001", 1.0).status_code == 409  # not asked yet
    assert room.publish("/graph?preset=logreg&step=3", question=question) == 2
    assert room.info()["question"] == question
    for k, value in enumerate([0.5, 1.0, 1.0, 2.0, -0.25]):
        r = room.answer("q1", f"client-{k:04d}", value)
        assert (r.status_code, r.json()) == (202, {"count": k + 1})
    assert room.answer("q1", "client-0004", 1.5).json() == {"count": 5}  # a client's latest answer counts
    summary = room.answers("q1").json()
    assert summary["question"] == "q1" and summary["count"] == 5
    assert summary["values_summary"] == {"min": 0.5, "max": 2.0, "median": 1.0}
    edges, counts = summary["histogram"]["edges"], summary["histogram"]["counts"]
    assert sum(counts) == 5 and edges[0] == 0.5 and edges[-1] == 2.0 and len(edges) == len(counts) + 1
    assert room.answer("q2", "client-0001", 1.0).status_code == 409  # another question is not open
    assert room.put("/graph", reveal={"id": "q2", "value": 0.3}).status_code == 409
    assert room.publish("/graph?preset=logreg&step=4", reveal={"id": "q1", "value": 0.75}) == 3
    assert room.info()["question"] is None
    r = room.answer("q1", "client-0009", 1.0)
    assert r.status_code == 409 and "'q1' is not open" in r.json()["detail"]["message"]
    assert room.answers("q1").json()["count"] == 5  # kept for the presenter after the reveal


def test_a_new_question_starts_with_no_answers_and_one_value_makes_one_bin(client):
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    room.answer("q1", "client-0001", 3.0)
    room.answer("q1", "client-0002", 3.0)
    summary = room.answers("q1").json()
    assert summary["histogram"] == {"edges": [2.5, 3.5], "counts": [2]}
    room.publish("/graph", question={"id": "q1", "node": "b"})
    assert room.answers("q1").json() == {"question": "q1", "count": 0, "values_summary": None,
                                         "histogram": {"edges": [], "counts": []}}


def test_whole_number_answers_get_a_bar_each(client):
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    for k, value in enumerate([5, 5, 4, 6, 5, 2, -1.0]):
        room.answer("q1", f"client-{k:04d}", value)
    histogram = room.answers("q1").json()["histogram"]
    assert histogram == {"edges": [-1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5], "counts": [1, 0, 0, 1, 0, 1, 3, 1]}
    room.answer("q1", "client-0007", 40)  # a span of 41 whole numbers: NumPy's bins, at most 30
    edges = room.answers("q1").json()["histogram"]["edges"]
    assert edges[0] == -1 and edges[-1] == 40 and len(edges) - 1 <= 30


def test_answers_are_the_presenters_only(client):
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    assert room.answers("q1", headers={}).status_code == 401
    assert room.answers("q1", headers=Room(client).auth).status_code == 403
    assert client.get(f"/api/rooms/{room.code}/answers", headers=room.auth).status_code == 422  # no question


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"1.0"', "null", "[1]", "1e13", "-1e300", "true"])
def test_an_answer_is_a_finite_number(client, value):
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    body = '{"question": "q1", "client": "client-0001", "value": ' + value + "}"
    r = client.post(f"/api/rooms/{room.code}/answers", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, value
    assert r.json()["detail"]["message"].startswith("value: ")
    if value in ("1e13", "-1e300"):
        assert r.json()["detail"]["limit"] == "answer"
    assert room.answers("q1").json()["count"] == 0


@pytest.mark.parametrize("client_id", ["short", "has space1", "x" * 65, "<script>1"])
def test_a_client_id_is_a_random_token(client, client_id):
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    assert room.answer("q1", client_id, 1.0).status_code == 422


def test_ten_thousand_answers_to_one_question(client):
    """5,000 students are counted (limit max_answers); the rest are told so, and those counted may still change."""
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    statuses = {}
    for k in range(10_000):
        r = room.answer("q1", f"student-{k:05d}", float(k % 7))
        statuses.setdefault(r.status_code, []).append(k)
    assert len(statuses[202]) == MAX_ANSWERS and statuses[202] == list(range(MAX_ANSWERS))
    assert len(statuses[429]) == 10_000 - MAX_ANSWERS
    r = room.answer("q1", "student-99999", 1.0)
    assert r.json()["detail"]["limit"] == "max_answers" and "5,000" in r.json()["detail"]["message"]
    assert room.answer("q1", "student-00000", 6.0).status_code == 202
    summary = room.answers("q1").json()
    assert summary["count"] == MAX_ANSWERS and sum(summary["histogram"]["counts"]) == MAX_ANSWERS
    assert summary["values_summary"] == {"min": 0.0, "max": 6.0, "median": 3.0}


def test_a_body_over_16_kb_is_refused_before_it_is_read(client):
    room = Room(client)
    big = '{"url": "/graph?x=' + "a" * MAX_ROOM_BODY_BYTES + '"}'
    for send in (big.encode(), iter([big[:9000].encode(), big[9000:].encode()])):  # with and without a length
        r = client.put(f"/api/rooms/{room.code}/state", content=send,
                       headers={**room.auth, "Content-Type": "application/json"})
        assert r.status_code == 413
        assert r.json()["detail"] == {"message": "a room request's body is at most 16,384 bytes "
                                                 "(limit max_room_body_bytes)", "limit": "max_room_body_bytes"}
    r = client.post("/api/rooms", content=b"{" + b" " * MAX_ROOM_BODY_BYTES + b"}",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert room.info()["seq"] == 0


def test_create_takes_an_empty_object_only(client):
    r = client.post("/api/rooms", json={"code": "ABCDEF"})
    assert r.status_code == 422 and "unknown key 'code'" in r.json()["detail"]["message"]
    r = Room(client).put("/graph", colour="red")
    assert r.status_code == 422 and "colour" in r.json()["detail"]["message"]


@pytest.mark.parametrize("code", ["ZZZZZZ", "0O1IL0", "abc", "ABCDEFG", "A" * 500])
def test_an_unknown_code_is_404_on_every_route(client, code):
    auth = {"Authorization": "Bearer x"}
    for method, path, kwargs in [("GET", "", {}), ("PUT", "/state", {"json": {"url": "/graph"}, "headers": auth}),
                                 ("GET", "/events", {}), ("GET", "/answers?question=q1", {"headers": auth}),
                                 ("POST", "/answers", {"json": {"question": "q", "client": "abcdefgh", "value": 1}}),
                                 ("DELETE", "", {"headers": auth})]:
        r = client.request(method, f"/api/rooms/{code}{path}", **kwargs)
        assert r.status_code == 404, (method, path, r.text)
        assert "it ended, expired, or never existed" in r.json()["detail"]["message"]


def test_an_idle_room_expires_and_each_publish_pushes_it_back(client, store, monkeypatch):
    room = Room(client)
    start = time.time()
    monkeypatch.setattr(store, "clock", lambda: start + ROOM_IDLE_SECONDS - 60)
    room.publish("/graph")  # the presenter is still there: six more hours
    assert room.info()["expires_at"] == pytest.approx(start + 2 * ROOM_IDLE_SECONDS - 60)
    monkeypatch.setattr(store, "clock", lambda: start + 2 * ROOM_IDLE_SECONDS)
    assert client.get(f"/api/rooms/{room.code}").status_code == 404
    assert room.put("/graph").status_code == 404
    assert room.end().status_code == 404


def test_end_needs_the_key_and_ends_the_room(client):
    room = Room(client)
    assert client.delete(f"/api/rooms/{room.code}").status_code == 401
    assert client.delete(f"/api/rooms/{room.code}", headers=Room(client).auth).status_code == 403
    assert room.end().json() == {"code": room.code, "ended": True}
    assert client.get(f"/api/rooms/{room.code}").status_code == 404
    assert room.end().status_code == 404


def test_live_rooms_are_limited_by_name(client, monkeypatch):
    monkeypatch.setattr("app.rooms.store.MAX_ROOMS", 3)
    rooms = [Room(client)]
    while True:  # up to the limit
        r = client.post("/api/rooms", json={})
        if r.status_code != 201:
            break
    assert r.status_code == 429 and r.json()["detail"]["limit"] == "max_rooms"
    assert "rooms are live on this server" in r.json()["detail"]["message"]
    assert rooms[0].end().status_code == 200
    assert client.post("/api/rooms", json={}).status_code == 201  # an ended room frees its place


def test_several_processes_without_redis_refuse_rooms_and_name_redis(app, client):
    app.state.rooms = Rooms(store_for(None, 2))
    for r in (client.post("/api/rooms", json={}), client.get("/api/rooms/ABCDEF"),
              client.get("/api/rooms/ABCDEF/events")):
        assert r.status_code == 503 and r.headers["retry-after"] == "2"
        assert "--redis" in r.json()["detail"]["message"] and "--workers 2" in r.json()["detail"]["message"]
    assert client.get("/api/health").status_code == 200
    assert client.get("/graph").status_code == 200


def test_the_limits_are_served_by_name(client):
    served = client.get("/api/limits").json()
    assert {k: served[k] for k in ("max_rooms", "max_followers", "max_answers", "publish_interval", "room_idle",
                                   "max_room_body_bytes", "url", "answer", "question.prompt")} == {
        "max_rooms": 1_000, "max_followers": 2_000, "max_answers": 5_000, "publish_interval": 0.05,
        "room_idle": 21_600, "max_room_body_bytes": 16_384, "url": 8_000, "answer": 1e12, "question.prompt": 500}
    assert served == LIMITS


def test_the_presenter_key_is_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    room = Room(client)
    room.publish("/graph")
    client.put(f"/api/rooms/{room.code}/state", json={"url": "/graph"}, headers={"Authorization": "Bearer wrong"})
    room.end()
    assert room.key not in caplog.text


# Event streams (a socket: the app served for real)

def test_a_follower_gets_the_state_then_each_publish_in_order(live):
    room = Room(live)
    room.publish("/graph?step=1")
    with following(live.url, room.code) as follower:
        first = follower.next()
        assert (first.name, first.data, first.id) == ("state", {"seq": 1, "url": "/graph?step=1"}, "1")
        wait_for(lambda: room.info()["followers"] == 1, what="the follower counted")
        for step in range(2, 7):
            seq = room.publish(f"/graph?step={step}")
            # waiting for each one keeps the publishes apart: none is coalesced
            event = follower.next()
            assert (event.name, event.data, event.id) == ("state", {"seq": seq, "url": f"/graph?step={step}"},
                                                          str(seq))
    wait_for(lambda: room.info()["followers"] == 0, what="the follower's leaving counted")


def test_publishes_faster_than_the_interval_are_coalesced_to_the_latest(live, monkeypatch):
    # An interval of 2 s rather than 50 ms, so that the 20 publishes surely fall within one.
    monkeypatch.setattr("app.rooms.store.ROOM_PUBLISH_SECONDS", 2.0)
    monkeypatch.setattr("app.rooms.service.ROOM_PUBLISH_SECONDS", 2.0)
    room = Room(live)
    with following(live.url, room.code) as follower:
        wait_for(lambda: room.info()["followers"] == 1, what="the follower counted")
        for step in range(1, 21):
            assert room.publish(f"/graph?step={step}") == step
        first, latest = follower.next(), follower.next(5)
        assert (first.data, first.id) == ({"seq": 1, "url": "/graph?step=1"}, "1")  # at once
        assert (latest.data, latest.id) == ({"seq": 20, "url": "/graph?step=20"}, "20")  # then only the latest
        assert follower.no_event(0.3)


def test_last_event_id_sends_the_state_only_if_it_is_newer(live):
    room = Room(live)
    room.publish("/graph?step=1")
    room.publish("/graph?step=2")
    with following(live.url, room.code, last_event_id="2") as follower:
        assert follower.no_event(0.3)  # up to date: nothing to send
        room.publish("/graph?step=3")
        assert follower.next().data == {"seq": 3, "url": "/graph?step=3"}
    with following(live.url, room.code, last_event_id="1") as follower:
        event = follower.next()
        assert (event.id, event.data) == ("3", {"seq": 3, "url": "/graph?step=3"})


def test_a_follower_gets_the_quiz_and_a_late_one_the_open_question(live):
    room = Room(live)
    room.publish("/graph?step=4")
    question = {"id": "q1", "node": "h", "element": [2], "prompt": "∂L/∂h[2]?"}
    with following(live.url, room.code) as follower:
        follower.next()
        seq = room.publish("/graph?step=4", question=question)
        state, asked = follower.next(), follower.next()
        assert (state.name, state.data["seq"], asked.name) == ("state", seq, "question")
        assert asked.data == {**question, "seq": seq} and asked.id is None
        with following(live.url, room.code, last_event_id=str(seq)) as late:
            assert late.next().data == {**question, "seq": seq}  # reconnected mid-question: asked again
        room.answer("q1", "client-0001", 0.5)
        seq = room.publish("/graph?step=5", reveal={"id": "q1", "value": 0.25})
        events = follower.until("reveal")
        assert [e.name for e in events] == ["state", "reveal"]
        assert events[1].data == {"id": "q1", "value": 0.25, "count": 1, "seq": seq}
        room.publish("/graph?step=5", question={"id": "q2", "node": "h"})
        follower.until("question")
        seq = room.publish("/graph?step=6")  # moved on without a reveal: the question closes with no value
        assert follower.until("reveal")[-1].data == {"id": "q2", "value": None, "count": 0, "seq": seq}


def test_ending_the_room_closes_every_stream(live):
    room = Room(live)
    room.publish("/graph")
    followers = [following(live.url, room.code) for _ in range(3)]
    opened = [f.__enter__() for f in followers]
    try:
        for follower in opened:
            follower.next()
        room.end()
        for follower in opened:
            event = follower.next()
            assert (event.name, event.data) == ("closed", {"reason": "ended"})
            assert follower.ended.wait(5)
    finally:
        for f in followers:
            f.__exit__(None, None, None)


def test_a_quiet_stream_gets_a_comment_line_and_notices_expiry(live, app, monkeypatch):
    monkeypatch.setattr(rooms_router, "PING_SECONDS", 0.2)
    monkeypatch.setattr("app.rooms.service.CHECK_SECONDS", 0.2)
    room = Room(live)
    room.publish("/graph")
    with following(live.url, room.code) as follower:
        follower.next()
        comment = follower.next(comments=True)
        assert comment.name is None and comment.data.startswith(":")
        store = app.state.rooms.store
        monkeypatch.setattr(store, "clock", lambda: time.time() + ROOM_IDLE_SECONDS + 1)
        assert follower.until("closed")[-1].data == {"reason": "expired"}


def test_followers_are_limited_by_name(live, monkeypatch):
    monkeypatch.setattr("app.rooms.store.MAX_FOLLOWERS", 2)
    room = Room(live)
    with following(live.url, room.code), following(live.url, room.code):
        wait_for(lambda: room.info()["followers"] == 2, what="two followers counted")
        r = live.get(f"/api/rooms/{room.code}/events")
        assert r.status_code == 429 and r.json()["detail"]["limit"] == "max_followers"
    wait_for(lambda: room.info()["followers"] == 0, what="the followers' leaving counted")
    with following(live.url, room.code) as again:
        assert again.status == 200


def test_a_reveal_takes_any_finite_value_and_comes_alone(client):
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    r = room.put("/graph", question={"id": "q2", "node": "b"}, reveal={"id": "q1", "value": 1.0})
    assert r.status_code == 422 and "two publishes" in r.json()["detail"]["message"]
    body = '{"url": "/graph", "reveal": {"id": "q1", "value": NaN}}'
    r = client.put(f"/api/rooms/{room.code}/state", content=body,
                   headers={**room.auth, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert room.publish("/graph", reveal={"id": "q1", "value": -3.5e200}) == 2  # a diverging run's gradient


def test_a_room_keeps_the_answers_of_its_latest_question_only(client):
    """So a room holds at most max_answers answers, however many questions it asks."""
    room = Room(client)
    room.publish("/graph", question={"id": "q1", "node": "b"})
    room.answer("q1", "client-0001", 1.0)
    room.publish("/graph", reveal={"id": "q1", "value": 1.0})
    assert room.answers("q1").json()["count"] == 1  # kept after its reveal…
    room.publish("/graph", question={"id": "q2", "node": "b"})
    room.answer("q2", "client-0001", 2.0)
    assert room.answers("q1").json()["count"] == 0  # …until the next question
    assert room.answers("q2").json()["count"] == 1


def test_a_question_prompt_is_limited_by_name(client):
    room = Room(client)
    assert room.put("/graph", question={"id": "q1", "node": "b", "prompt": "?" * 500}).status_code == 200
    r = room.put("/graph", question={"id": "q2", "node": "b", "prompt": "?" * 501})
    assert r.status_code == 422 and r.json()["detail"]["limit"] == "question.prompt"
