"""A room in the lecture hall: 300 students follow the lecturer's page through 50 publishes, then answer a question.

    python bench/bench_rooms.py                          # 300 followers, 50 publishes, 2 workers and Redis
    python bench/bench_rooms.py --workers 1              # one process, rooms in its memory
    python bench/bench_rooms.py --followers 50 --publishes 20 --interval 0.2 --pause 0 --json

The server is `backproplab --workers N --port P` from this checkout on a free port of
127.0.0.1; with more than one worker (or --redis) its rooms live in a redis-server of
their own (Debian's, a free loopback port, no persistence), passed as
BACKPROPLAB_REDIS_URL, which is what `--redis URL` sets. Both end with the script, even on
an error. The client is aiohttp in this one process; its own CPU is reported beside the
server's.

1. Followers: the presenter makes a room (POST /api/rooms); F students, arriving evenly
   over --ramp seconds, each a browser of its own, open its event stream (GET
   /api/rooms/CODE/events) and keep it open as the page does (lib/follow.js: a stream that
   ends is opened again after 1 s with Last-Event-ID, a refused one after 1, 2, 4… s),
   until GET /api/rooms/CODE counts F followers (over every process, through Redis).
2. Publishes: the presenter PUTs /api/rooms/CODE/state P times, /graph?preset=logreg&step=N,
   at least --interval seconds apart (more than the server's publish interval, so none
   should be coalesced). Latency is a `state` event's arrival at a follower − the moment its
   PUT was sent (one machine, one monotonic clock); lost = a publish's seq that other
   followers got and this one never did, out of order = a seq below one already seen,
   duplicate = a seq seen twice; a publish that reached nobody was coalesced.
3. Pause: no publish for --pause seconds (16: a quiet stream checks its room every 15 s);
   streams that the server ends meanwhile are counted.
4. Quiz: the presenter publishes with a question; every follower answers it as its
   `question` event arrives (POST /api/rooms/CODE/answers → 202) and the presenter polls GET
   /api/rooms/CODE/answers?question=q1 until the count is F: the time from the question's
   PUT to that count.

Server CPU is utime + stime of the app's whole process tree (uvicorn's workers are its
children) from /proc, read before and after each phase; redis-server's is read apart, and
the machine's other work (all cores' busy time from /proc/stat, less the server's, Redis's
and the client's) beside them. Every request has a timeout and every phase a deadline, so
the script ends by itself; the load goes only to 127.0.0.1. It exits with status 1 when
anything was lost, reordered or duplicated, a stream was ended or refused, a request
failed, or the count is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from redis import Redis as RedisClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.rooms.redis_store import followers_key
from app.rooms.service import RETRY_MS
from bench.server import serve_workers, stop, tree_cpu_seconds, tree_pids
from engine.limits import MAX_ANSWERS, MAX_FOLLOWERS, ROOM_PUBLISH_SECONDS
from tests.app.rooms_support import REDIS_SERVER, RedisServer, wait_for

TARGET_P99_S = 0.2  # issue 21: publish → follower p99 on the 2-core machine
BROWSER_CONNECTIONS = 6  # per host, as Chromium and Firefox allow
BACKOFF_S = (1, 2, 4, 8, 15)  # lib/follow.js: a new EventSource after an answer that was not a stream
QUESTION = {"id": "q1", "node": "w", "element": None, "prompt": "What is ∂L/∂w after this step?"}


class EphemeralRedis(RedisServer):
    """The tests' redis-server without persistence: a benchmark's rooms need not outlive it."""

    def start(self) -> EphemeralRedis:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, "redis-server answering PING")
        return self

    def stop(self) -> None:
        try:
            super().stop()
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# --- one student --------------------------------------------------------------------------

@dataclass
class Student:
    """What one follower saw: each `state` event's seq and arrival (monotonic seconds)."""

    client: str = field(default_factory=lambda: secrets.token_urlsafe(12))  # [A-Za-z0-9_-], 16 characters
    status: int | None = None
    opened: int = 0  # event streams opened: 1, unless it had to reconnect
    drops: int = 0  # streams that ended without `closed`
    refusals: Counter[str] = field(default_factory=Counter)  # attempts that got no stream
    states: list[tuple[int, float]] = field(default_factory=list)
    bad_ids: int = 0  # a `state` whose SSE id is not its seq
    question_at: float | None = None
    answer_status: int | str | None = None
    answer_s: float | None = None  # the answer's POST, request to response
    answer_detail: str | None = None  # the body of an answer that was not accepted
    closed: bool = False
    answering: asyncio.Task | None = None

    def latest(self) -> int:
        return self.states[-1][0] if self.states else 0


async def answer(session: aiohttp.ClientSession, base: str, code: str, student: Student) -> None:
    body = {"question": QUESTION["id"], "client": student.client, "value": round(random.uniform(-2, 2), 3)}
    start = time.monotonic()
    try:
        async with session.post(f"{base}/api/rooms/{code}/answers", json=body) as response:
            text = await response.text()
            student.answer_status = response.status
            if response.status != 202:
                student.answer_detail = text[:300]
    except (aiohttp.ClientError, TimeoutError) as exc:
        student.answer_status = type(exc).__name__
    student.answer_s = time.monotonic() - start


async def read_events(session: aiohttp.ClientSession, base: str, code: str, student: Student) -> None:
    """One event stream, read as EventSource reads it, until it ends."""
    headers = {"Accept": "text/event-stream"}
    if student.states:  # what EventSource sends again; the page compares seqs itself otherwise
        headers["Last-Event-ID"] = str(student.latest())
    # No total timeout: a quiet stream gets a comment every 15 s.
    stream = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)
    async with session.get(f"{base}/api/rooms/{code}/events", timeout=stream, headers=headers) as response:
        student.status = response.status
        if response.status != 200:
            raise Refused(f"{response.status} on the event stream")
        student.opened += 1
        name, data, id_ = None, [], None
        async for raw in response.content:  # one line at a time
            line = raw.rstrip(b"\r\n")
            if line:
                if line.startswith(b"event:"):
                    name = line[6:].strip().decode()
                elif line.startswith(b"data:"):
                    data.append(line[5:].strip())
                elif line.startswith(b"id:"):
                    id_ = line[3:].strip().decode()
                continue  # and `retry:` and `: ping` comments
            now = time.monotonic()  # a blank line ends the event
            if name == "state":
                seq = json.loads(b"\n".join(data))["seq"]
                student.states.append((seq, now))
                student.bad_ids += id_ != str(seq)
            elif name == "question" and student.answering is None:  # sent again after a reconnection
                student.question_at = now
                student.answering = asyncio.create_task(answer(session, base, code, student))
            elif name == "closed":
                student.closed = True
                return
            name, data, id_ = None, [], None


class Refused(Exception):
    """An answer to the event stream's request that is not a stream."""


async def follow(base: str, code: str, student: Student, delay: float, timeout: float) -> None:
    """A student's page following the room until it is closed, reconnecting as the page does
    (lib/follow.js): after a stream that ended, EventSource's retry (1 s); after an answer
    that is not a stream, a new EventSource after a growing wait. Answers the question."""
    await asyncio.sleep(delay)
    connector = aiohttp.TCPConnector(limit=BROWSER_CONNECTIONS)
    requests = aiohttp.ClientTimeout(total=timeout, sock_connect=10)
    failures = 0
    async with aiohttp.ClientSession(connector=connector, timeout=requests,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        try:
            while not student.closed:
                try:
                    await read_events(session, base, code, student)
                    if student.closed:
                        break
                    student.drops += 1
                    failures = 0
                    await asyncio.sleep(RETRY_MS / 1000)
                except (Refused, aiohttp.ClientError, TimeoutError) as exc:
                    student.refusals[str(exc) if isinstance(exc, Refused) else type(exc).__name__] += 1
                    if student.status == 404:  # the room is gone: the page stops following
                        break
                    await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
                    failures += 1
        finally:
            if student.answering is not None:
                await student.answering


# --- the presenter ------------------------------------------------------------------------

@dataclass
class Publish:
    seq: int
    sent: float  # monotonic seconds: the PUT's request
    answered: float  # … and its response


class Presenter:
    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session, self.base = session, base
        self.code = self.key = ""
        self.failures: Counter[str] = Counter()

    async def create(self) -> None:
        async with self.session.post(f"{self.base}/api/rooms", json={}) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"POST /api/rooms answered {response.status}: {body}")
        self.code, self.key = body["code"], body["presenter_key"]

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}

    async def publish(self, url: str, question: dict | None = None) -> Publish | None:
        body = {"url": url} | ({"question": question} if question else {})
        sent = time.monotonic()
        try:
            async with self.session.put(f"{self.base}/api/rooms/{self.code}/state", json=body,
                                        headers=self.auth) as response:
                reply = await response.json(content_type=None)
                answered = time.monotonic()
                if response.status != 200:
                    self.failures[f"{response.status} on PUT …/state"] += 1
                    return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.failures[f"{type(exc).__name__} on PUT …/state"] += 1
            return None
        return Publish(reply["seq"], sent, answered)

    async def info(self) -> dict:
        async with self.session.get(f"{self.base}/api/rooms/{self.code}") as response:
            return await response.json()

    async def answers(self) -> dict:
        async with self.session.get(f"{self.base}/api/rooms/{self.code}/answers", params={"question": QUESTION["id"]},
                                    headers=self.auth) as response:
            body = await response.json()
            if response.status != 200:
                self.failures[f"{response.status} on GET …/answers"] += 1
            return body

    async def end(self) -> None:
        async with self.session.delete(f"{self.base}/api/rooms/{self.code}", headers=self.auth) as response:
            await response.read()


# --- measuring ----------------------------------------------------------------------------

def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU seconds of the app's process tree, of redis-server, of this client and of the
    whole machine (the other work on the same cores is the difference)."""

    def __init__(self, server_pid: int, redis_pid: int | None):
        self.server_pid, self.redis_pid = server_pid, redis_pid

    def reading(self) -> tuple[float, float, float, float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        redis = tree_cpu_seconds(self.redis_pid) if self.redis_pid else 0.0
        return (tree_cpu_seconds(self.server_pid), redis, usage.ru_utime + usage.ru_stime, machine_busy_seconds(),
                time.monotonic())


def cost(before: tuple, after: tuple) -> dict:
    server, redis, client, machine, wall = (b - a for a, b in zip(before, after, strict=True))
    others = max(0.0, machine - server - redis - client)
    return {"server_cpu_s": round(server, 3), "redis_cpu_s": round(redis, 3), "client_cpu_s": round(client, 3),
            "wall_s": round(wall, 3), "other_work_cores": round(others / wall, 2)}


def percentiles(values: list[float]) -> dict:
    """p50, p99 (nearest rank) and max, in milliseconds; empty when there is nothing."""
    if not values:
        return {}
    ordered = sorted(values)

    def rank(q: int) -> float:
        return round(1000 * ordered[max(0, math.ceil(len(ordered) * q / 100) - 1)], 1)

    return {"n": len(ordered), "p50": rank(50), "p99": rank(99), "max": round(1000 * ordered[-1], 1)}


async def until(check, timeout: float, every: float = 0.01) -> bool:
    """Poll ``check()`` until it is true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)
    return True


def delivery(students: list[Student], publishes: list[Publish]) -> dict:
    """Latencies over every follower × publish, and what was lost, reordered or duplicated.

    A publish that reached no follower was coalesced by the server (DESIGN: a publish within
    50 ms of the one before is, and followers get the latest): it is counted apart. Lost is a
    publish that reached other followers but not this one."""
    by_seq = {p.seq: p for p in publishes}
    after_sent, after_answer = [], []
    arrivals: dict[int, list[float]] = {seq: [] for seq in by_seq}
    out_of_order = duplicates = 0
    seen_by: list[set[int]] = []
    for student in students:
        seen: set[int] = set()
        highest = 0
        for seq, at in student.states:
            if seq in seen:
                duplicates += 1
            elif seq < highest:
                out_of_order += 1
            seen.add(seq)
            highest = max(highest, seq)
            if seq in by_seq:
                arrivals[seq].append(at)
                after_sent.append(at - by_seq[seq].sent)
                after_answer.append(at - by_seq[seq].answered)
        seen_by.append(seen)
    reached = {seq for seq, t in arrivals.items() if t}
    lost = sum(len(reached - seen) for seen in seen_by)
    numbers = {p.seq: n for n, p in enumerate(publishes, 1)}
    return {"pairs": len(students) * len(publishes), "latency_ms": percentiles(after_sent),
            "after_put_answer_ms": percentiles(after_answer),
            "put_ms": percentiles([p.answered - p.sent for p in publishes]),
            # per publish: its first follower's latency, and the last follower's arrival − the first's
            "first_follower_ms": percentiles([min(t) - by_seq[seq].sent for seq, t in arrivals.items() if t]),
            "fan_out_ms": percentiles([max(t) - min(t) for t in arrivals.values() if t]),
            # the three publishes whose last follower waited longest: (n, PUT ms, first follower ms, last ms)
            "slowest": sorted(([n, round(1000 * (by_seq[seq].answered - by_seq[seq].sent), 1),
                                round(1000 * (min(t) - by_seq[seq].sent), 1), round(1000 * (max(t) - by_seq[seq].sent), 1)]
                               for n, (seq, t) in enumerate(arrivals.items(), 1) if t), key=lambda x: -x[3])[:3],
            "coalesced": [numbers[seq] for seq, t in arrivals.items() if not t],  # the publishes' numbers
            "lost": lost, "out_of_order": out_of_order, "duplicates": duplicates,
            "bad_ids": sum(s.bad_ids for s in students)}


def spread(redis_url: str | None, code: str, followers: int) -> list[int]:
    """How many streams each server process holds (Redis keeps the count per process)."""
    if not redis_url:
        return [followers]
    client = RedisClient.from_url(redis_url)
    try:
        return sorted((int(v) for v in client.hvals(followers_key(code))), reverse=True)
    finally:
        client.close()


# --- the scenario -------------------------------------------------------------------------

def tally(students: list[Student]) -> tuple[int, Counter]:
    """Streams the server has ended without `closed` so far, and attempts that got no stream."""
    return sum(s.drops for s in students), sum((s.refusals for s in students), Counter())


def troubles(students: list[Student], since: tuple[int, Counter] = (0, Counter())) -> dict:
    """What went wrong with the event streams since an earlier ``tally``."""
    dropped, refusals = tally(students)
    refusals -= since[1]
    return {"dropped": dropped - since[0], "refused": refusals.total(), "refusals": dict(refusals)}


async def scenario(base: str, meter: Meter, redis_url: str | None, args: argparse.Namespace) -> dict:
    timeout = aiohttp.ClientTimeout(total=args.timeout, sock_connect=10)
    result: dict = {"followers": args.followers, "publishes": args.publishes, "interval_s": args.interval,
                    "workers": args.workers, "store": "redis" if redis_url else "memory",
                    "processes": len(tree_pids(meter.server_pid)), "cpus": os.cpu_count(),
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    async with aiohttp.ClientSession(timeout=timeout) as session:
        presenter = Presenter(session, base)
        await presenter.create()
        students = [Student() for _ in range(args.followers)]
        tasks = [asyncio.create_task(follow(base, presenter.code, s, args.ramp * i / args.followers, args.timeout))
                 for i, s in enumerate(students)]
        try:
            # 1. Every stream open, counted over every process.
            start = time.monotonic()
            counted = None
            deadline = start + args.ramp + args.timeout
            while time.monotonic() < deadline:
                counted = (await presenter.info()).get("followers")  # None while rooms answer 503
                if counted == args.followers or all(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.1)
            result["connect"] = {"counted": counted, "seconds": round(time.monotonic() - start, 2),
                                 "per_process": spread(redis_url, presenter.code, args.followers),
                                 **troubles(students)}
            await asyncio.sleep(0.5)  # the last streams' first writes done: the publish phase starts quiet

            # 2. The publishes, one every --interval seconds.
            seen = tally(students)
            before = meter.reading()
            publishes: list[Publish] = []
            sent = -math.inf
            for n in range(1, args.publishes + 1):
                # At least --interval between two PUTs, even after a slow one: never coalesced by the client.
                await asyncio.sleep(max(0.0, sent + args.interval - time.monotonic()))
                sent = time.monotonic()
                done = await presenter.publish(f"/graph?preset=logreg&step={n}")
                if done is not None:
                    publishes.append(done)
            last = publishes[-1].seq if publishes else 0
            delivered = await until(lambda: all(s.latest() >= last or s.closed for s in students), args.settle)
            after = meter.reading()
            spent = cost(before, after)
            pairs = args.followers * args.publishes
            result["publish_phase"] = {
                **delivery(students, publishes), **spent, "all_delivered": delivered, **troubles(students, seen),
                "server_us_per_follower_publish": round(1e6 * spent["server_cpu_s"] / pairs, 1),
                "redis_us_per_follower_publish": round(1e6 * spent["redis_cpu_s"] / pairs, 1),
                "client_us_per_follower_publish": round(1e6 * spent["client_cpu_s"] / pairs, 1)}

            # 3. The lecturer talks: no publish for --pause seconds, longer than a quiet stream's check.
            seen = tally(students)
            before = meter.reading()
            await asyncio.sleep(args.pause)
            result["pause"] = {"seconds": args.pause, **troubles(students, seen), **cost(before, meter.reading())}

            # 4. The quiz: a question, every follower's answer, the presenter's count.
            seen = tally(students)
            before = meter.reading()
            asked = await presenter.publish(f"/graph?preset=logreg&step={args.publishes}", QUESTION)
            count, polls, counted_at = 0, 0, None
            deadline = time.monotonic() + args.settle
            while asked is not None and time.monotonic() < deadline:
                # Every answer has had its reply before this count: a count short of F is final.
                answered = all(s.answer_status is not None for s in students)
                count = (await presenter.answers()).get("count", 0)
                polls += 1
                if count >= args.followers:
                    counted_at = time.monotonic()
                    break
                if answered:
                    break
                await asyncio.sleep(args.poll)
            after = meter.reading()
            spent = cost(before, after)
            statuses = Counter(s.answer_status for s in students if s.answer_status is not None)
            result["quiz"] = {
                "count": count, "polls": polls,
                "question_to_count_s": round(counted_at - asked.sent, 3) if counted_at else None,
                "question_event_ms": percentiles([s.question_at - asked.sent for s in students
                                                  if asked and s.question_at is not None]),
                "missed_question": sum(s.question_at is None for s in students),
                "answer_post_ms": percentiles([s.answer_s for s in students if s.answer_s is not None]),
                "answer_statuses": {str(k): v for k, v in statuses.items()},
                "non_2xx": sum(v for k, v in statuses.items() if not (isinstance(k, int) and 200 <= k < 300)),
                "answer_refusals": dict(Counter(s.answer_detail for s in students if s.answer_detail)),
                **troubles(students, seen), **spent,
                "server_us_per_answer": round(1e6 * spent["server_cpu_s"] / args.followers, 1)}
            result["streams"] = {**troubles(students), "reconnected": sum(s.opened > 1 for s in students),
                                 "never_opened": sum(s.opened == 0 for s in students)}
            await presenter.end()  # followers get `closed`, and their streams end
            await until(lambda: all(t.done() for t in tasks), 5.0)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        result["presenter_failures"] = dict(presenter.failures)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def failed(r: dict) -> list[str]:
    """What breaks the contract: the reasons for a non-zero exit."""
    p, q = r["publish_phase"], r["quiz"]
    reasons = [f"{p[k]} {k.replace('_', ' ')}" for k in ("lost", "out_of_order", "duplicates", "bad_ids") if p[k]]
    if r["connect"]["counted"] != r["followers"]:
        reasons.append(f"followers counted {r['connect']['counted']}, not {r['followers']}")
    if q["count"] != r["followers"]:
        reasons.append(f"answers counted {q['count']}, not {r['followers']}")
    if q["non_2xx"]:
        reasons.append(f"{q['non_2xx']} answers not accepted: {q['answer_statuses']}")
    if r["streams"]["dropped"]:
        reasons.append(f"{r['streams']['dropped']} streams ended by the server (their page reconnected)")
    if r["streams"]["refused"]:
        reasons.append(f"event streams refused: {r['streams']['refusals']}")
    if r["presenter_failures"]:
        reasons.append(f"the presenter's requests failed: {r['presenter_failures']}")
    return reasons


# --- report -------------------------------------------------------------------------------

def ms(stats: dict) -> str:
    return f"{stats['p50']} / {stats['p99']} / {stats['max']}" if stats else "–"


def markdown(r: dict) -> str:
    p, pause, q, c, st = r["publish_phase"], r["pause"], r["quiz"], r["connect"], r["streams"]
    store = "rooms in Redis" if r["store"] == "redis" else "rooms in memory"
    p99 = p["latency_ms"].get("p99")
    met = "" if p99 is None else ("(met)" if p99 < 1000 * TARGET_P99_S else "(**missed**)")
    per_answer = f"{round(1e6 * q['redis_cpu_s'] / r['followers'], 1)}"
    time_to_count = f"after {q['question_to_count_s']} s" if q["question_to_count_s"] else "(never reached)"
    lines = [(f"Rooms: {r['followers']} followers, {r['publishes']} publishes {r['interval_s']} s apart, "
              f"{r['workers']} worker(s) ({r['processes']} server processes), {store}, {r['cpus']} CPUs, "
              f"load average {r['load_average_before'][0]} before, {r['load_average_after'][0]} after."), "",
             "| figure | value | target |", "|---|---:|---|",
             (f"| followers counted (streams per process) | {c['counted']} "
              f"({' + '.join(map(str, c['per_process']))}) in {c['seconds']} s | {r['followers']} |"),
             f"| publish → follower, p50 / p99 / max (ms) | {ms(p['latency_ms'])} | p99 < 200 ms {met} |",
             f"| PUT's answer → follower, p50 / p99 / max (ms) | {ms(p['after_put_answer_ms'])} | |",
             f"| PUT …/state round trip, p50 / p99 / max (ms) | {ms(p['put_ms'])} | |",
             f"| a publish's first follower, p50 / p99 / max (ms) | {ms(p['first_follower_ms'])} | |",
             f"| a publish's last follower − its first, p50 / p99 / max (ms) | {ms(p['fan_out_ms'])} | |",
             (f"| lost / out of order / duplicates (of {p['pairs']:,} follower × publish) | "
              f"{p['lost']} / {p['out_of_order']} / {p['duplicates']} | 0 / 0 / 0 |"),
             (f"| publishes coalesced by the server (reached no follower) | {len(p['coalesced'])} "
              f"{p['coalesced'] or ''} | 0 |"),
             (f"| other work on the machine during the publishes (cores busy, not this benchmark's) | "
              f"{p['other_work_cores']} of {r['cpus']} | |"),
             (f"| server CPU per follower per publish (whole tree) | {p['server_us_per_follower_publish']} µs "
              f"({p['server_cpu_s']} s in {p['wall_s']} s) | |"),
             f"| redis-server CPU per follower per publish | {p['redis_us_per_follower_publish']} µs | |",
             f"| client CPU per follower per publish | {p['client_us_per_follower_publish']} µs | |",
             (f"| streams the server ended during the {pause['seconds']:g} s pause (they reconnected) | "
              f"{pause['dropped']} | 0 |"),
             f"| question → follower's `question` event, p50 / p99 / max (ms) | {ms(q['question_event_ms'])} | |",
             f"| answer POST, p50 / p99 / max (ms) | {ms(q['answer_post_ms'])} | |",
             (f"| {r['followers']} answers → the presenter's count | {q['count']} {time_to_count} "
              f"({q['polls']} polls) | {r['followers']} |"),
             f"| answers' statuses | {', '.join(f'{n} × {k}' for k, n in q['answer_statuses'].items()) or '–'} | 202 |",
             (f"| server / redis CPU per answer (the quiz phase ÷ followers) | {q['server_us_per_answer']} µs / "
              f"{per_answer} µs | |")]
    lines += [f"| streams ended by the server / attempts refused, in all | {st['dropped']} / {st['refused']} | 0 / 0 |"]
    reasons = failed(r)
    lines += ["", "Nothing lost, reordered or refused." if not reasons else "FAILED: " + "; ".join(reasons)]
    if p["coalesced"]:
        lines.append(f"Coalesced: publishes {p['coalesced']} reached the server within {ROOM_PUBLISH_SECONDS} s of "
                     "another although sent further apart (a busy machine); followers got the later state.")
    for detail in q["answer_refusals"]:
        lines.append(f"An answer refused: {detail}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--publishes", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--redis", action=argparse.BooleanOptionalAction, default=None,
                        help="rooms in a redis-server of the script's own (default: with more than one worker)")
    parser.add_argument("--interval", type=float, default=0.1,
                        help=f"seconds between publishes (more than the server's {ROOM_PUBLISH_SECONDS} s)")
    parser.add_argument("--pause", type=float, default=16.0,
                        help="seconds without a publish before the question (a quiet stream checks its room every 15 s)")
    parser.add_argument("--ramp", type=float, default=1.0, help="seconds over which the followers arrive")
    parser.add_argument("--poll", type=float, default=0.025, help="seconds between the presenter's answer counts")
    parser.add_argument("--settle", type=float, default=15.0,
                        help="seconds allowed for the last publish (or the answers) to reach every follower")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed for each request")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    if args.interval <= ROOM_PUBLISH_SECONDS:
        parser.error(f"--interval must exceed the server's publish interval, {ROOM_PUBLISH_SECONDS} s: "
                     "faster publishes are coalesced")
    if not 1 <= args.followers <= min(MAX_FOLLOWERS, MAX_ANSWERS):
        parser.error(f"--followers is 1 to {min(MAX_FOLLOWERS, MAX_ANSWERS)} (limits max_followers, max_answers)")
    use_redis = args.workers > 1 if args.redis is None else args.redis

    # F streams and their answers' connections, on both ends of 127.0.0.1: raise the soft
    # limit on open files (the server started below inherits it).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 16384)), hard))

    redis = proc = None
    os.environ.pop("BACKPROPLAB_REDIS_URL", None)  # rooms in memory unless this script starts Redis
    with tempfile.TemporaryDirectory(prefix="bench-rooms-") as folder:
        try:
            if use_redis:
                redis = EphemeralRedis(Path(folder))
                redis.start()
                os.environ["BACKPROPLAB_REDIS_URL"] = redis.url  # what `backproplab --redis URL` sets
            proc, base = serve_workers(args.workers)
            meter = Meter(proc.pid, redis.process.pid if redis else None)
            result = asyncio.run(asyncio.wait_for(scenario(base, meter, redis.url if redis else None, args),
                                                  args.ramp + 3 * args.timeout + 2 * args.settle + args.pause
                                                  + args.publishes * args.interval))
        finally:
            if proc is not None:
                stop(proc)
            if redis is not None:
                redis.stop()
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    sys.exit(1 if failed(result) else 0)


if __name__ == "__main__":
    main()
