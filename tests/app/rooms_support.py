"""What the rooms' tests share: an app served for real (event streams need a socket), a
follower reading a room's events on a thread, a real redis-server on a free port, and
server processes of the app."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.browser.harness import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def need_redis() -> None:
    if not os.path.exists(REDIS_SERVER):
        reason = f"no redis-server at {REDIS_SERVER} (install Debian's package: apt-get install redis-server)"
        if in_ci():
            pytest.fail(f"{reason}; CI is set, so the Redis tests must run", pytrace=False)
        pytest.skip(reason)


@dataclass
class Event:
    name: str | None  # None: a comment line
    data: dict | str | None
    id: str | None = None


@dataclass
class Follower:
    """A room's event stream read on a thread, the way EventSource reads it."""

    url: str
    code: str
    last_event_id: str | None = None
    events: queue.Queue = field(default_factory=queue.Queue)
    seen: list[Event] = field(default_factory=list)  # every event, in order, whether read with next() or not
    status: int | None = None
    ended: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Follower:
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.opened.wait(10), "the stream did not open"
        return self

    def _read(self) -> None:
        import json

        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        try:
            with httpx.stream("GET", f"{self.url}/api/rooms/{self.code}/events", headers=headers,
                              timeout=httpx.Timeout(30, read=60)) as response:
                self.status = response.status_code
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self.opened.set()
                if response.status_code != 200:
                    self.body = response.read().decode()
                    return
                name, data, id_ = None, [], None
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(":"):
                        self.events.put(Event(None, line))
                    elif line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line.startswith("id:"):
                        id_ = line[3:].strip()
                    elif line == "":
                        if name:
                            self.seen.append(Event(name, json.loads("\n".join(data)), id_))
                            self.events.put(self.seen[-1])
                        name, data, id_ = None, [], None
        except httpx.HTTPError:
            pass
        finally:
            self.opened.set()
            self.ended.set()

    def next(self, timeout: float = 10.0, comments: bool = False) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no event within {timeout} s")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                raise AssertionError(f"no event within {timeout} s") from None
            if event.name is not None or comments:
                return event

    def until(self, name: str, timeout: float = 10.0) -> list[Event]:
        """Every event up to and including the first called ``name``."""
        seen = []
        while True:
            event = self.next(timeout)
            seen.append(event)
            if event.name == name:
                return seen

    def no_event(self, seconds: float) -> bool:
        try:
            event = self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        return event.name is None

    def stop(self) -> None:
        """Leave as a closed tab does: the connection goes at once."""
        self._stop.set()
        sock = getattr(self, "_socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(5)


@contextmanager
def following(url: str, code: str, last_event_id: str | None = None) -> Iterator[Follower]:
    follower = Follower(url, code, last_event_id).start()
    try:
        yield follower
    finally:
        follower.stop()


class Room:
    """A room made through the API, with its presenter's calls."""

    def __init__(self, client: httpx.Client | object):
        self.client = client
        r = client.post("/api/rooms", json={})
        assert r.status_code == 201, r.text
        self.created = r.json()
        self.code = self.created["code"]
        self.key = self.created["presenter_key"]
        self.auth = {"Authorization": f"Bearer {self.key}"}

    def put(self, url: str, **quiz):
        return self.client.put(f"/api/rooms/{self.code}/state", json={"url": url, **quiz}, headers=self.auth)

    def publish(self, url: str, **quiz) -> int:
        r = self.put(url, **quiz)
        assert r.status_code == 200, r.text
        return r.json()["seq"]

    def info(self) -> dict:
        return self.client.get(f"/api/rooms/{self.code}").json()

    def answer(self, question: str, client: str, value):
        return self.client.post(f"/api/rooms/{self.code}/answers",
                                json={"question": question, "client": client, "value": value})

    def answers(self, question: str, headers: dict | None = None):
        return self.client.get(f"/api/rooms/{self.code}/answers", params={"question": question},
                               headers=self.auth if headers is None else headers)

    def end(self):
        return self.client.delete(f"/api/rooms/{self.code}", headers=self.auth)


def wait_for(check, timeout: float = 15.0, what: str = "the condition"):
    """Poll ``check()`` until it returns something truthy (a state, not a sleep-and-hope)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


class RedisServer:
    """Debian's redis-server on a free loopback port, its data in ``folder`` (an
    append-only file, so a restart keeps the rooms, as a lecture's Redis would)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, "redis-server answering PING")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
        self.process = None


class AppProcess:
    """`backproplab` itself in a process of its own (python -m app.cli), with ``args``;
    on ``port`` when given (a restarted server, where its pages reconnect)."""

    def __init__(self, *args: str, env: dict | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROPLAB_")}
        environment.update(env or {})
        self.process = subprocess.Popen([sys.executable, "-m", "app.cli", "--port", str(self.port), *args],
                                        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        wait_for(self._healthy, 30, f"the app on port {self.port} answering")

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the app exited: {self.stop()}")
        try:
            return httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> str:
        """Ctrl+C, as a lecturer stops it; what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate(timeout=5)
        return out
