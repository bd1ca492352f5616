"""Deterministic answers computed once: a bounded, thread-safe LRU of encoded answers.

A lecture hall asks for the same few things at once (300 students load the `mlp` trace
within a minute, then click the same scenario race). Every answer that depends only on
its request (preset and program traces, grids, races with seeded noise, metadata) is
kept here as a :class:`~app.http_cache.Payload` (bytes, gzip form, ETag) under a key made
of the endpoint's name and the request's canonical text.

- A hit is a dict lookup on the event loop: no thread hop, no engine call, no JSON.
- A miss computes in the thread pool (the engine never runs on the event loop), once:
  requests that miss the same key while it is being computed wait for that one result
  (single flight), and an error raised by it reaches each of them.
- Errors are not kept: the ``cpu_time`` limit depends on the machine and its load, not
  only on the request, and keeping a student's typos would only crowd out good answers.
- Gzip costs more CPU than the engine for megabytes of numbers (a race, a large grid),
  and only pays for itself when an answer is sent many times. So an answer over
  ``EAGER_BYTES`` is first kept as plain bytes, sent without an ETag or gzip; the first
  request that finds it there (a second client: it is shared) makes it a Payload, in
  the thread pool, once. Smaller answers are Payloads at once (bench/README.md has
  the figures).
- Bounded by total bytes (bodies, their gzip forms and keys) and by count; the least
  recently used entries go first. An answer whose body is larger than ``max_entry_bytes``
  is sent but not kept.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.http_cache import Payload

MAX_BYTES = 64 * 2**20  # all entries together
MAX_ENTRIES = 4_096
MAX_ENTRY_BYTES = 8 * 2**20  # one answer's body; larger ones are answered, not kept
EAGER_BYTES = 32 * 2**10  # bodies up to this size are gzipped and tagged at once (well under a millisecond)


@dataclass(frozen=True)
class Plain:
    """An answer sent as it is, with no ETag and no gzip: a large answer that only one
    client has asked for so far, or one too large to keep."""

    body: bytes
    media_type: str

    @property
    def size(self) -> int:
        return len(self.body)

    def response(self, headers: Mapping[str, str] | None = None, status_code: int = 200) -> Response:
        return Response(self.body, status_code, {"Cache-Control": "no-store"}, self.media_type)


Answer = Payload | Plain


class AnswerCache:
    """Keys are strings (see :func:`key`); values are Payloads, or Plain
    bytes until a second request makes them Payloads (see the module's docstring).

    ``get`` is awaited on the event loop; the lock guards only dict operations, never a
    computation, so it is held for microseconds. Waiters block on a
    ``concurrent.futures.Future``, which works whichever thread or event loop they are on.
    """

    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES,
                 max_entry_bytes: int = MAX_ENTRY_BYTES, eager_bytes: int = EAGER_BYTES) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.max_entry_bytes, self.eager_bytes = max_entry_bytes, eager_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, Answer] = OrderedDict()
        self._pending: dict[str, Future] = {}  # keys being computed
        self._promoting: set[str] = set()  # Plain entries being made Payloads
        self.hits = 0  # answered from an entry
        self.misses = 0  # computed (one per key and flight)
        self.shared = 0  # waited for a computation already under way
        self.promotions = 0  # Plain entries made Payloads
        self.evictions = 0
        self.oversize = 0  # computed, answered, not kept
        self.bytes = 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "shared": self.shared, "promotions": self.promotions,
                    "evictions": self.evictions, "oversize": self.oversize, "bytes": self.bytes,
                    "entries": len(self._entries)}

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._entries

    def peek(self, key: str) -> Answer | None:
        """The entry under ``key``, if any (no counters, no recency)."""
        with self._lock:
            return self._entries.get(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    async def get(self, key: str, compute: Callable[[], bytes], media_type: str = "application/json") -> Answer:
        """The answer under ``key``; on a miss, ``compute()`` (in the thread pool) gives its body.

        Raises what ``compute`` raised, in every request that waited for it.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                if isinstance(entry, Payload) or key in self._promoting:
                    return entry
                self._promoting.add(key)  # this request makes it a Payload; others meanwhile get it plain
            else:
                future = self._pending.get(key)
                owner = future is None
                if owner:
                    future = self._pending[key] = Future()
                    future.set_running_or_notify_cancel()  # a waiter that is cancelled cannot cancel it for the others
                    self.misses += 1
                else:
                    self.shared += 1
        if entry is not None:
            return await run_in_threadpool(self._promote, key, entry)
        if owner:
            # The worker resolves the future itself, so a client that leaves while it
            # computes still leaves the answer to the others (and to the cache).
            await run_in_threadpool(self._fill, key, future, compute, media_type)
            return future.result()
        return await asyncio.wrap_future(future)

    def _fill(self, key: str, future: Future, compute: Callable[[], bytes], media_type: str) -> None:
        """In a worker thread: compute, encode, keep, and wake the waiters."""
        try:
            body = compute()
            kept = len(body) + len(key) <= self.max_entry_bytes
            answer: Answer = Payload(body, media_type) if kept and len(body) <= self.eager_bytes else Plain(body, media_type)
        except BaseException as exc:  # noqa: BLE001 — every waiter re-raises it
            with self._lock:
                del self._pending[key]
            future.set_exception(exc)
            return
        with self._lock:
            del self._pending[key]
            if kept:
                self._add(key, answer)
            else:
                self.oversize += 1
        future.set_result(answer)

    def _promote(self, key: str, plain: Plain) -> Payload:
        """In a worker thread: a Plain entry's Payload (gzip and ETag), put in its place."""
        try:
            payload = Payload(plain.body, plain.media_type, compresslevel=1)
        finally:
            with self._lock:
                self._promoting.discard(key)
        with self._lock:
            if self._entries.get(key) is plain:  # not evicted meanwhile
                del self._entries[key]
                self.bytes -= plain.size + len(key)
                self._add(key, payload)
                self.promotions += 1
        return payload

    def _add(self, key: str, answer: Answer) -> None:
        """Under the lock: add an entry and evict the least recently used beyond the bounds."""
        self._entries[key] = answer
        self.bytes += answer.size + len(key)
        while self._entries and (self.bytes > self.max_bytes or len(self._entries) > self.max_entries):
            old_key, old = self._entries.popitem(last=False)
            self.bytes -= old.size + len(old_key)
            self.evictions += 1


answers = AnswerCache()  # the process's one cache (each uvicorn worker has its own)


def key(endpoint: str, *parts: object) -> str:
    """A cache key: the endpoint's name and the parts that determine its answer (a preset
    id, a program's text, a validated request's ``model_dump_json()``), one per line."""
    return "\n".join((endpoint, *map(str, parts)))


async def cached(request_headers: Mapping[str, str], cache_key: str, compute: Callable[[], bytes],
                 media_type: str = "application/json") -> Response:
    """The cached answer's response for a request with these headers (ETag, gzip and 304
    once it is a Payload)."""
    answer = await answers.get(cache_key, compute, media_type)
    return answer.response(request_headers)


__all__ = ["AnswerCache", "Plain", "answers", "cached", "key"]
