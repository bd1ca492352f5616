"""The lecture hall: 300 students open /graph at once, then 100 of them race optimizers.

    python bench/bench_load.py                         # 300 students, 100 races, one process
    python bench/bench_load.py --workers 2             # the same against two worker processes
    python bench/bench_load.py --students 50 --races 10 --sequential 200 --json

The server is `backproplab --workers N` (or `python -m uvicorn app.main:app --workers N`
where the command has no --workers flag) on a free port of 127.0.0.1, started from this
checkout. The client is aiohttp in this one process: an httpx client costs more CPU than
the server it loads (issue 14), and the client's own CPU is reported beside the server's.

1. Students, arriving evenly over --ramp seconds. Each is a browser with an empty cache
   and at most 6 connections to the host: GET /graph; then every asset the way a browser
   gets it (the HTML's <script src> and <link rel=stylesheet|modulepreload href>, and for
   ES modules every relative `import … from`, `import "…"`, `export … from` and dynamic
   `import("…")`, followed recursively, each URL once per student). Page ready = all of
   them loaded. Then the page's trace stream, GET /api/graph/trace/stream?preset=mlp
   (--stream-post: POST {"preset": "mlp"}, as the page's own fetch does): the time to its
   first event and to its `done` event.
2. Races, arriving over --ramp seconds: POST /api/optimize/stream, 6 runs × 2,000 steps on
   rosenbrock (six optimizers with their registry defaults from GET /api/optimizers):
   first event and `done`. Race n starts at (−1.5 + 0.001·n, 2), so every race is computed
   (--same-race: all send one request, which a server cache answers once).
3. One at a time: N sequential keep-alive GETs each of a small static module, /graph and
   /api/health; the server's CPU per request.

Errors: any status other than 200, a dropped connection, a timeout, an `error` event or a
stream that ends without `done`. Server CPU is utime + stime (and reaped children's) from
/proc for the server's whole process tree, read before and after each phase; its memory
is the tree's resident set sampled every half second (and the sum of each process's
VmHWM). Every request has a timeout and every client a deadline, so the script ends by
itself; the load goes only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import os
import re
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import memory_kib, serve_workers, stop, tree_cpu_seconds, tree_pids

BROWSER_CONNECTIONS = 6  # per host, as Chromium and Firefox allow
RACE_OPTIMIZERS = ("adagrad", "rmsprop", "adam", "adamw", "rprop", "adadelta")  # all run 2,000 steps at defaults
RACE = {"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": 2000}
SEQUENTIAL_PATHS = ("/static/js/lib/dom.js", "/graph", "/api/health")
TARGETS = {  # from issues 12 and 14
    "server_cpu_per_student_ms": 10.0,
    "static_file_cpu_ms": 0.3,
    "stream_first_p99_s": 1.0,  # one process
    "page_ready_p99_s": 2.0,  # two workers
}

# ES module specifiers: static imports and re-exports (`import x, {y} from '…'`, `import '…'`,
# `export {a} from '…'`) and dynamic `import('…')`. A regex is enough for our own modules.
IMPORT = re.compile(
    rb"""\b(?:import|export)\s*(?:[\w*{}\s,$]+?\s*\bfrom\s*)?['"]([^'"\n]+)['"]"""
    rb"""|\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)"""
)
EVENT_END = re.compile(rb"\r?\n\r?\n")  # a blank line ends an event (sse-starlette writes \r\n)


class Failure(Exception):
    """A request that a browser would count as failed."""


@functools.lru_cache(maxsize=256)
def module_imports(text: bytes) -> tuple[str, ...]:
    """The relative (or absolute-path) specifiers a module imports. Cached by the module's
    bytes: every student's browser parses it, but the client's CPU should go on HTTP."""
    found = []
    for match in IMPORT.finditer(text):
        spec = (match.group(1) or match.group(2)).decode()
        if spec.startswith(("./", "../", "/")):
            found.append(spec)
    return tuple(found)


class PageAssets(HTMLParser):
    """The assets a browser fetches for a page: (url, is_module) of scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.assets.append((a["src"], a.get("type") == "module"))
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if "stylesheet" in rel:
                self.assets.append((a["href"], False))
            elif "modulepreload" in rel:
                self.assets.append((a["href"], True))


@functools.lru_cache(maxsize=16)
def page_assets(html: bytes) -> tuple[tuple[str, bool], ...]:
    """A page's assets; cached by the HTML's bytes, like module_imports."""
    parser = PageAssets()
    parser.feed(html.decode("utf-8", "replace"))
    return tuple(parser.assets)


# --- one browser ----------------------------------------------------------------------

@dataclass
class Visit:
    """What one client saw: times in seconds from its own start, or the error that ended it."""
    page_ready: float | None = None
    assets: int = 0
    stream_first: float | None = None  # from the stream's request
    stream_done: float | None = None
    arrival_first: float | None = None  # from the student's GET /graph: what the student waits
    error: str | None = None
    external: list[str] = field(default_factory=list)


async def fetch(session: aiohttp.ClientSession, url: str) -> bytes:
    async with session.get(url) as response:
        body = await response.read()
        if response.status != 200:
            raise Failure(f"{response.status} on GET {urlsplit(url).path}")
        return body


async def read_stream(session: aiohttp.ClientSession, url: str, body: dict | None) -> tuple[float, float, int]:
    """(seconds to the first event, seconds to the `done` event, bytes) of an event stream."""
    start = time.monotonic()
    method = "GET" if body is None else "POST"
    async with session.request(method, url, json=body, headers={"Accept": "text/event-stream"}) as response:
        if response.status != 200:
            raise Failure(f"{response.status} on {method} {urlsplit(url).path}")
        first = done = None
        pending, block_start, size, tail = b"", 0, 0, b""
        async for chunk in response.content.iter_any():
            now = time.monotonic() - start
            size += len(chunk)
            if first is None:  # the first block that is an event, not a `: ping` comment
                pending += chunk
                while (end := EVENT_END.search(pending, block_start)) is not None:
                    block = pending[block_start:end.start()].strip()
                    block_start = end.end()
                    if block and not block.startswith(b":"):
                        first, pending = now, b""
                        break
            window = tail + chunk  # only the event names matter from here on: no parsing
            if b"event: error" in window:
                raise Failure(f"error event on {urlsplit(url).path}")
            if done is None and b"event: done" in window:
                done = now
            tail = window[-16:]
        if done is None:
            raise Failure(f"no done event on {urlsplit(url).path}")
        return first, done, size


def browser(timeout: aiohttp.ClientTimeout) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=BROWSER_CONNECTIONS, limit_per_host=BROWSER_CONNECTIONS)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar())


async def load_page(session: aiohttp.ClientSession, page: str) -> tuple[int, list[str]]:
    """GET a page and everything it loads, modules' imports followed as they arrive."""
    origin = urlsplit(page).netloc
    seen: set[str] = set()
    external: list[str] = []
    tasks: set[asyncio.Task] = set()

    def want(url: str, module: bool) -> None:
        if url.startswith("data:") or url in seen:
            return
        if urlsplit(url).netloc != origin:
            external.append(url)  # the app must work offline: nothing from elsewhere
            return
        seen.add(url)
        tasks.add(asyncio.create_task(get_asset(url, module)))

    async def get_asset(url: str, module: bool) -> None:
        text = await fetch(session, url)
        if module:
            for spec in module_imports(text):
                want(urljoin(url, spec), True)

    for src, module in page_assets(await fetch(session, page)):
        want(urljoin(page, src), module)
    try:
        while tasks:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            tasks -= done
            for task in done:
                task.result()
    finally:
        for task in tasks:
            task.cancel()
    return len(seen), external


def describe(exc: BaseException) -> str:
    if isinstance(exc, Failure):
        return str(exc)
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {exc}"


async def student(base: str, delay: float, args: argparse.Namespace, timeout: aiohttp.ClientTimeout) -> Visit:
    await asyncio.sleep(delay)
    visit = Visit()
    start = time.monotonic()
    try:
        async with browser(timeout) as session:
            visit.assets, visit.external = await load_page(session, f"{base}/graph")
            visit.page_ready = time.monotonic() - start
            stream_body = {"preset": "mlp"} if args.stream_post else None
            stream_url = f"{base}/api/graph/trace/stream" + ("" if args.stream_post else "?preset=mlp")
            first, done, _ = await read_stream(session, stream_url, stream_body)
            visit.stream_first, visit.stream_done = first, done
            visit.arrival_first = visit.page_ready + first
    except Exception as exc:  # noqa: BLE001 - every failure is counted and listed
        visit.error = describe(exc)
    return visit


async def racer(base: str, delay: float, body: dict, timeout: aiohttp.ClientTimeout) -> Visit:
    await asyncio.sleep(delay)
    visit = Visit()
    try:
        async with browser(timeout) as session:
            visit.stream_first, visit.stream_done, _ = await read_stream(session, f"{base}/api/optimize/stream", body)
    except Exception as exc:  # noqa: BLE001
        visit.error = describe(exc)
    return visit


async def bounded(coro, deadline: float) -> Visit:
    """A client that has not finished by its deadline is an error, not a hang."""
    try:
        return await asyncio.wait_for(coro, deadline)
    except TimeoutError:
        return Visit(error="client deadline")


# --- measuring the server ----------------------------------------------------------------

class Meter:
    """The server tree's CPU seconds, its resident memory (sampled), and the client's CPU."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pids = tree_pids(pid)
        self.peak_rss_kib = 0
        self._sampler: asyncio.Task | None = None

    async def _sample(self) -> None:
        while True:
            self.peak_rss_kib = max(self.peak_rss_kib, memory_kib(self.pids)[0])
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self._sampler = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        self._sampler.cancel()
        try:
            await self._sampler
        except asyncio.CancelledError:
            pass

    def reading(self) -> tuple[float, float, float]:
        """(server CPU s, client CPU s, wall s): subtract two readings for a phase's cost."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return tree_cpu_seconds(self.pid), usage.ru_utime + usage.ru_stime, time.monotonic()


def cost(before: tuple[float, float, float], after: tuple[float, float, float]) -> dict:
    server, client, wall = (b - a for a, b in zip(before, after))
    return {"server_cpu_s": round(server, 3), "client_cpu_s": round(client, 3), "wall_s": round(wall, 3)}


def percentiles(values: list[float]) -> dict:
    """p50, p99 (nearest rank) and max, in seconds; empty when nothing succeeded."""
    if not values:
        return {}
    ordered = sorted(values)

    def rank(q: int) -> float:
        return round(ordered[max(0, math.ceil(len(ordered) * q / 100) - 1)], 4)

    return {"n": len(ordered), "p50": rank(50), "p99": rank(99), "max": round(ordered[-1], 4)}


def errors_of(visits: list[Visit]) -> dict:
    messages = Counter(v.error for v in visits if v.error)
    return {"count": sum(messages.values()), "kinds": dict(messages.most_common())}


# --- the scenario -----------------------------------------------------------------------

async def race_body(base: str, timeout: aiohttp.ClientTimeout) -> dict:
    """The race, its six optimizers at their registry defaults."""
    async with aiohttp.ClientSession(timeout=timeout) as session:
        registry = {o["id"]: o for o in json.loads(await fetch(session, f"{base}/api/optimizers"))}
    runs = [{"optimizer": name, "params": {p["name"]: p["default"] for p in registry[name]["params"]}}
            for name in RACE_OPTIMIZERS]
    return {**RACE, "runs": runs}


def nth_race(body: dict, n: int, same: bool) -> dict:
    """Race n: the same request for every client (--same-race: what the server's cache can
    answer), or by default its start moved by n × 0.001 in x, so each race is computed."""
    if same:
        return body
    x, y = body["start"]
    return {**body, "start": [x + 0.001 * n, y]}


async def crowd(make, count: int, ramp: float, deadline: float) -> list[Visit]:
    """`count` clients, make(i, delay), arriving evenly over `ramp` seconds."""
    return await asyncio.gather(*(bounded(make(i, ramp * i / count), deadline) for i in range(count)))


async def one_at_a_time(base: str, path: str, n: int, meter: Meter, timeout: aiohttp.ClientTimeout) -> dict:
    """N sequential GETs of `path` on one keep-alive connection: CPU per request."""
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for _ in range(20):  # warm: templates compiled, the connection open
            await fetch(session, f"{base}{path}")
        before = meter.reading()
        size = 0
        for _ in range(n):
            size += len(await fetch(session, f"{base}{path}"))
        after = meter.reading()
    spent = cost(before, after)
    return {"path": path, "n": n, "bytes": size // n,
            "server_cpu_ms": round(1000 * spent["server_cpu_s"] / n, 3),
            "client_cpu_ms": round(1000 * spent["client_cpu_s"] / n, 3),
            "wall_ms": round(1000 * spent["wall_s"] / n, 3)}


async def scenario(base: str, pid: int, args: argparse.Namespace) -> dict:
    timeout = aiohttp.ClientTimeout(total=args.timeout, sock_connect=10)
    deadline = args.ramp + 2 * args.timeout
    meter = Meter(pid)
    meter.start()
    body = await race_body(base, timeout)
    result: dict = {"workers": args.workers, "students": args.students, "races": args.races, "ramp_s": args.ramp,
                    "stream": "POST" if args.stream_post else "GET", "cpus": os.cpu_count(),
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        # Warm-up, not counted: the lecturer opened the page first (templates compiled, presets parsed).
        warm = 2 * args.workers
        await crowd(lambda i, d: student(base, d, args, timeout), warm, 0.0, deadline)
        await crowd(lambda i, d: racer(base, d, nth_race(body, -1 - i, args.same_race), timeout), warm, 0.0,
                    deadline)

        before = meter.reading()
        students = await crowd(lambda i, d: student(base, d, args, timeout), args.students, args.ramp, deadline)
        after = meter.reading()
        spent = cost(before, after)
        ok = [v for v in students if not v.error]
        result["students_phase"] = {
            "page_ready_s": percentiles([v.page_ready for v in ok]),
            "assets_per_page": sorted({v.assets for v in ok}),
            "stream_first_s": percentiles([v.stream_first for v in ok]),
            "stream_done_s": percentiles([v.stream_done for v in ok]),
            "arrival_to_first_event_s": percentiles([v.arrival_first for v in ok]),
            "errors": errors_of(students),
            "external_urls": sorted({u for v in students for u in v.external}),
            **spent,
            "server_cpu_per_student_ms": round(1000 * spent["server_cpu_s"] / args.students, 2),
            "client_cpu_per_student_ms": round(1000 * spent["client_cpu_s"] / args.students, 2),
        }

        if args.races:
            before = meter.reading()
            races = await crowd(lambda i, d: racer(base, d, nth_race(body, i, args.same_race), timeout),
                                args.races, args.ramp, deadline)
            after = meter.reading()
            spent = cost(before, after)
            ok = [v for v in races if not v.error]
            result["races_phase"] = {
                "optimizers": list(RACE_OPTIMIZERS), "steps": RACE["steps"], "same_race": args.same_race,
                "first_event_s": percentiles([v.stream_first for v in ok]),
                "done_s": percentiles([v.stream_done for v in ok]),
                "errors": errors_of(races),
                **spent,
                "server_cpu_per_race_ms": round(1000 * spent["server_cpu_s"] / args.races, 1),
                "client_cpu_per_race_ms": round(1000 * spent["client_cpu_s"] / args.races, 1),
            }

        if args.sequential:
            result["one_at_a_time"] = [await one_at_a_time(base, path, args.sequential, meter, timeout)
                                       for path in SEQUENTIAL_PATHS]
    finally:
        await meter.stop()
    rss, hwm = memory_kib(tree_pids(pid))
    result["server_memory_mib"] = {"peak_rss_sampled": round(meter.peak_rss_kib / 1024, 1),
                                   "rss_at_end": round(rss / 1024, 1), "sum_vmhwm": round(hwm / 1024, 1)}
    result["processes"] = len(meter.pids)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


# --- report -----------------------------------------------------------------------------

def fmt(stats: dict, key: str) -> str:
    return f"{stats[key]:.3f}" if key in stats else "–"


def markdown(r: dict) -> str:
    lines = [(f"Lecture hall: {r['students']} students and {r['races']} races over {r['ramp_s']} s, "
             f"{r['workers']} worker(s) ({r['processes']} server processes), {r['cpus']} CPUs, "
             f"load average {r['load_average_before'][0]} before, {r['load_average_after'][0]} after."), "",
             "| figure | p50 (s) | p99 (s) | max (s) | target |", "|---|---:|---:|---:|---|"]
    s = r["students_phase"]
    rows = [(f"page ready (/graph + {', '.join(map(str, s['assets_per_page']))} assets)", s["page_ready_s"],
             "p99 < 2 s with 2 workers"),
            (f"trace stream ({r['stream']}): first event", s["stream_first_s"], "p99 < 1 s, one process"),
            ("trace stream: done", s["stream_done_s"], ""),
            ("student's wait: GET /graph → first event", s["arrival_to_first_event_s"], "")]
    if "races_phase" in r:
        kind = "the same race" if r["races_phase"].get("same_race") else "distinct races"
        rows += [(f"race (6 × 2,000 steps, {kind}): first event", r["races_phase"]["first_event_s"], ""),
                 ("race: done", r["races_phase"]["done_s"], "")]
    lines += [f"| {name} | {fmt(st, 'p50')} | {fmt(st, 'p99')} | {fmt(st, 'max')} | {target} |"
              for name, st, target in rows]
    def busy(phase: dict) -> str:  # cores the server kept busy: near 1 per worker means it was the bottleneck
        return f"(server busy {phase['server_cpu_s'] / phase['wall_s']:.2f} cores)"

    lines += ["", "| cost | server | client | wall | target |", "|---|---:|---:|---:|---|",
              f"| students phase, CPU s | {s['server_cpu_s']} | {s['client_cpu_s']} | {s['wall_s']} s {busy(s)} | |",
              (f"| per student (page, assets, stream), CPU ms | {s['server_cpu_per_student_ms']} | "
              f"{s['client_cpu_per_student_ms']} | | server ≤ 10 ms |")]
    if "races_phase" in r:
        q = r["races_phase"]
        lines += [f"| races phase, CPU s | {q['server_cpu_s']} | {q['client_cpu_s']} | {q['wall_s']} s {busy(q)} | |",
                  f"| per race, CPU ms | {q['server_cpu_per_race_ms']} | {q['client_cpu_per_race_ms']} | | |"]
    for one in r.get("one_at_a_time", []):
        target = "≤ 0.3 ms" if one["path"].startswith("/static/") else ""
        lines.append(f"| one at a time: GET {one['path']} ({one['bytes']} B), CPU ms per request | "
                     f"{one['server_cpu_ms']} | {one['client_cpu_ms']} | {one['wall_ms']} ms | {target} |")
    m = r["server_memory_mib"]
    lines += ["", (f"Server memory: peak resident {m['peak_rss_sampled']} MiB (sampled, whole tree), "
              f"sum of VmHWM {m['sum_vmhwm']} MiB, {m['rss_at_end']} MiB at the end.")]
    for phase in ("students_phase", "races_phase"):
        if phase in r:
            e = r[phase]["errors"]
            lines.append(f"{phase.split('_')[0].capitalize()}: {e['count']} errors"
                         + (": " + "; ".join(f"{n} × {k}" for k, n in e["kinds"].items()) if e["count"] else "."))
    if s["external_urls"]:
        lines.append(f"Assets from outside the server (not fetched): {', '.join(s['external_urls'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--races", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--ramp", type=float, default=1.0, help="seconds over which the clients of a phase arrive")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed for each request")
    parser.add_argument("--sequential", type=int, default=1000,
                        help="requests of each path one at a time (0: skip that part)")
    parser.add_argument("--same-race", action="store_true",
                        help="every client sends the same race (by default each starts 0.001 further in x)")
    parser.add_argument("--stream-post", action="store_true", help="POST the trace stream as the page does")
    parser.add_argument("--url", help="load a server already running at this 127.0.0.1 URL (e.g. a container's "
                        "published port) instead of starting one; needs --pid")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id on this machine, for its CPU "
                        "and memory (--workers is then only a label)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    args = parser.parse_args()
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("the load goes only to 127.0.0.1")
    if args.url and not args.pid:
        parser.error("--url needs --pid (the server's CPU is the point of the benchmark)")

    # 300 browsers × 6 connections, on both ends of 127.0.0.1: raise the soft limit on
    # open files (the server started below inherits it).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 16384)), hard))

    if args.url:
        proc, base, pid = None, args.url.rstrip("/"), args.pid
    else:
        proc, base = serve_workers(args.workers)
        pid = proc.pid
    try:
        result = asyncio.run(scenario(base, pid, args))
    finally:
        if proc is not None:
            stop(proc)
    print(json.dumps(result, indent=2) if args.json else markdown(result))


if __name__ == "__main__":
    main()
