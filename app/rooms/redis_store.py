"""Rooms in Redis, shared by every server process (`--redis URL`).

- A room is a hash (``bpl:room:CODE``: key hash, url, seq, open question, expiry) with a
  TTL that each publish pushes back; ``bpl:rooms`` (a sorted set by expiry) counts the
  live ones; a question's answers are a hash client → value (``bpl:answers:CODE:ID``);
  the followers of a room are a hash process → count (``bpl:followers:CODE``). A room
  keeps the answers of its latest question only (field ``asked``).
- Each change that reads and writes (create, publish, answer) is one Lua script, so two
  processes never interleave inside it.
- Publishes go on a pub/sub channel per room (``bpl:channel:CODE``). Each process holds
  one subscriber connection, subscribed to the rooms its own followers follow, and hands
  each message to them.
- If Redis goes away, requests answer 503 (RoomsUnavailable), every follower's stream
  ends (EventSource reconnects on its own), and the subscriber reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError, ResponseError

from app.rooms.core import Message, Room, RoomsUnavailable
from app.rooms.store import (
    KEEP,
    Follower,
    Store,
    answers_full,
    followers_full,
    not_open,
    rooms_full,
)
from engine.limits import MAX_ANSWERS, MAX_FOLLOWERS, MAX_ROOMS, ROOM_IDLE_SECONDS, ROOM_PUBLISH_SECONDS

logger = logging.getLogger("backproplab")

PREFIX = "bpl:"
HELLO = PREFIX + "hello"  # the subscriber's own channel: a pub/sub connection needs one subscription to listen
BACKOFF_FIRST, BACKOFF_MOST = 0.1, 5.0  # seconds between the subscriber's attempts to reconnect
CONFIRM_SECONDS = 3.0  # how long a new follower waits for its channel's subscription

CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[1], 'key_hash', ARGV[4], 'seq', 0, 'expires_at', ARGV[5], 'url', '', 'question', '')
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
return 1
"""
UPDATE = """
local expires = redis.call('HGET', KEYS[1], 'expires_at')
if not expires or tonumber(expires) <= tonumber(ARGV[6]) then return false end
redis.call('HSET', KEYS[1], 'url', ARGV[1], 'expires_at', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'seq', 1)
if ARGV[2] ~= '__keep__' then
  redis.call('HSET', KEYS[1], 'question', ARGV[2])
  if ARGV[2] ~= '' then
    -- one question's answers per room: the last one asked goes, the new one starts empty
    local asked = redis.call('HGET', KEYS[1], 'asked')
    if asked then redis.call('DEL', ARGV[7] .. asked) end
    redis.call('DEL', KEYS[3])
    redis.call('HSET', KEYS[1], 'asked', ARGV[8])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
return redis.call('HGETALL', KEYS[1])
"""
ANSWER = """
local question = redis.call('HGET', KEYS[1], 'question')
if not question or question == '' or cjson.decode(question)['id'] ~= ARGV[1] then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then
  return -2
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return redis.call('HLEN', KEYS[2])
"""
DELETE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local seq = redis.call('HGET', KEYS[1], 'seq')
local asked = redis.call('HGET', KEYS[1], 'asked')
if asked then redis.call('DEL', ARGV[2] .. asked) end
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[2], ARGV[1])
return seq
"""


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or parts.path or "?"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


def room_key(code: str) -> str:
    return f"{PREFIX}room:{code}"


def channel(code: str) -> str:
    return f"{PREFIX}channel:{code}"


def followers_key(code: str) -> str:
    return f"{PREFIX}followers:{code}"


def gate_key(code: str) -> str:
    """Set for ROOM_PUBLISH_SECONDS by a state publish: the next one within it is coalesced."""
    return f"{PREFIX}gate:{code}"


def answers_key(code: str, question: str) -> str:
    return f"{PREFIX}answers:{code}:{question}"


ROOMS_KEY = PREFIX + "rooms"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _room(code: str, fields: dict) -> Room:
    fields = {_text(k): _text(v) for k, v in fields.items()}
    return Room(code=code, key_hash=fields["key_hash"], expires_at=float(fields["expires_at"]),
                url=fields.get("url") or None, seq=int(fields.get("seq", 0)),
                question=json.loads(fields["question"]) if fields.get("question") else None)


class RedisStore(Store):
    def __init__(self, url: str):
        self.url = url
        self.message = (f"rooms are unavailable: their Redis ({shown(url)}) does not answer; pages work as usual, "
                        "and rooms come back once Redis does")
        common = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0, "socket_keepalive": True}
        # Requests retry twice at once; then 503, and the page tries again. A crowd's requests
        # (300 answers at once, every quiet stream's room check) wait up to 2 s for one of the
        # pool's connections: redis-py's default pool refuses the 101st command in flight
        # (MaxConnectionsError), which would answer 503 and end streams.
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=32, timeout=2.0,
                                                        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2), **common)
        self.redis = aioredis.Redis.from_pool(pool)
        # The subscriber never retries by itself: a lost connection must end the followers' streams.
        self.subscriber = aioredis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), health_check_interval=5,
                                                  **common)
        self.token = uuid.uuid4().hex  # this process, in each room's followers hash
        self._create = self.redis.register_script(CREATE)
        self._update = self.redis.register_script(UPDATE)
        self._answer = self.redis.register_script(ANSWER)
        self._delete = self.redis.register_script(DELETE)
        self._local: dict[str, set[Follower]] = {}
        self._confirmed: dict[str, asyncio.Event] = {}
        self._stale: set[str] = set()  # rooms whose followers count this process must rewrite once Redis is back
        self._pubsub = None
        self._counting = asyncio.Lock()  # _count's writes, one at a time
        self._listener: asyncio.Task | None = None
        self._ready: asyncio.Event | None = None

    @contextlib.contextmanager
    def _guard(self):
        try:
            yield
        except (RedisError, OSError) as exc:
            if isinstance(exc, ResponseError):
                raise
            raise RoomsUnavailable(self.message) from None

    async def create(self, room: Room) -> bool:
        with self._guard():
            done = await self._create(keys=[room_key(room.code), ROOMS_KEY],
                                      args=[self.clock(), MAX_ROOMS, room.code, room.key_hash, room.expires_at,
                                            ROOM_IDLE_SECONDS])
        if done == -1:
            raise rooms_full()
        return done == 1

    async def load(self, code: str) -> Room | None:
        with self._guard():
            fields = await self.redis.hgetall(room_key(code))
        if not fields:
            return None
        room = _room(code, fields)
        return room if room.expires_at > self.clock() else None

    async def update(self, code: str, url: str, question: object = KEEP) -> Room | None:
        if question is KEEP:
            sent, answers = "__keep__", room_key(code)
        elif question is None:
            sent, answers = "", room_key(code)
        else:
            sent, answers = json.dumps(question), answers_key(code, question["id"])  # type: ignore[index]
        expires = self.clock() + ROOM_IDLE_SECONDS
        with self._guard():
            asked = question["id"] if isinstance(question, dict) else ""
            fields = await self._update(keys=[room_key(code), ROOMS_KEY, answers],
                                        args=[url, sent, expires, ROOM_IDLE_SECONDS, code, self.clock(),
                                              answers_key(code, ""), asked])
        if not fields:
            return None
        return _room(code, dict(zip(fields[::2], fields[1::2], strict=True)))

    async def delete(self, code: str) -> bool:
        with self._guard():
            seq = await self._delete(keys=[room_key(code), ROOMS_KEY, followers_key(code), gate_key(code)],
                                     args=[code, answers_key(code, "")])
            if seq is None:
                return False
            await self.send(code, Message("closed", int(seq), {"reason": "ended"}))
        return True

    async def send(self, code: str, message: Message) -> None:
        with self._guard():
            await self.redis.publish(channel(code), message.dumps())

    async def claim_publish(self, code: str) -> bool:
        with self._guard():
            return bool(await self.redis.set(gate_key(code), 1, px=int(ROOM_PUBLISH_SECONDS * 1000), nx=True))

    async def followers(self, code: str) -> int:
        with self._guard():
            return sum(int(v) for v in await self.redis.hvals(followers_key(code)))

    async def _count(self, code: str) -> None:
        """Write this process's number of followers of the room. One write at a time, each
        counting as it is sent: two concurrent writes may reach Redis in either order."""
        async with self._counting:
            local = len(self._local.get(code, ()))
            if local:
                await self.redis.hset(followers_key(code), self.token, local)
                await self.redis.expire(followers_key(code), ROOM_IDLE_SECONDS)
            else:
                await self.redis.hdel(followers_key(code), self.token)

    @asynccontextmanager
    async def follow(self, code: str):
        if await self.followers(code) >= MAX_FOLLOWERS:
            raise followers_full()
        await self._listening()
        follower = Follower()
        followers = self._local.setdefault(code, set())
        followers.add(follower)
        try:
            with self._guard():
                if len(followers) == 1 or code not in self._confirmed:
                    self._confirmed[code] = confirmed = asyncio.Event()
                    await self._pubsub.subscribe(channel(code))
                    await asyncio.wait_for(confirmed.wait(), CONFIRM_SECONDS)
                else:
                    await asyncio.wait_for(self._confirmed[code].wait(), CONFIRM_SECONDS)
                await self._count(code)
        except BaseException:
            await self._leave(code, follower)
            raise
        try:
            yield follower
        finally:
            await self._leave(code, follower)

    async def _leave(self, code: str, follower: Follower) -> None:
        followers = self._local.get(code)
        if followers is None or follower not in followers:
            return  # already let go when the connection was lost
        followers.discard(follower)
        try:
            if not followers:
                del self._local[code]
                self._confirmed.pop(code, None)
                if self._pubsub is not None:
                    await self._pubsub.unsubscribe(channel(code))
            await self._count(code)
        except (RedisError, OSError):
            self._stale.add(code)

    async def _listening(self) -> None:
        """Start this process's subscriber (once) and wait until it listens."""
        if self._listener is None or self._listener.done():
            self._ready = asyncio.Event()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            await asyncio.wait_for(self._ready.wait(), CONFIRM_SECONDS)
        except TimeoutError:
            raise RoomsUnavailable(self.message) from None

    async def _listen(self) -> None:
        backoff = BACKOFF_FIRST
        while True:
            try:
                self._pubsub = self.subscriber.pubsub()
                await self._pubsub.subscribe(HELLO)
                await self._pubsub.get_message(timeout=CONFIRM_SECONDS)  # HELLO's confirmation
                await self._recount()
                self._ready.set()
                backoff = BACKOFF_FIRST
                while True:
                    message = await self._pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not isinstance(exc, (RedisError, OSError)):
                    logger.exception("the rooms' Redis subscriber failed")
                await self._lost()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MOST)

    def _dispatch(self, message: dict) -> None:
        name = _text(message.get("channel") or b"")
        code = name.removeprefix(PREFIX + "channel:")
        if message["type"] == "subscribe":
            event = self._confirmed.get(code)
            if event is not None:
                event.set()
        elif message["type"] == "message":
            parsed = Message.loads(message["data"])
            for follower in self._local.get(code, ()):
                follower.put(parsed)

    async def _lost(self) -> None:
        """Redis is gone: end every follower's stream, so each reconnects once it is back."""
        self._ready.clear()
        for code, followers in self._local.items():
            self._stale.add(code)
            for follower in followers:
                follower.put(None)
        self._local.clear()
        self._confirmed.clear()
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def _recount(self) -> None:
        for code in list(self._stale):
            await self._count(code)
            self._stale.discard(code)

    async def answer(self, code: str, question: str, client: str, value: float) -> int:
        with self._guard():
            count = await self._answer(keys=[room_key(code), answers_key(code, question)],
                                       args=[question, client, repr(float(value)), MAX_ANSWERS, ROOM_IDLE_SECONDS])
        if count == -1:
            raise not_open(question)
        if count == -2:
            raise answers_full()
        return int(count)

    async def answers(self, code: str, question: str) -> list[float]:
        with self._guard():
            return [float(v) for v in await self.redis.hvals(answers_key(code, question))]

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
        await self.redis.aclose()
        await self.subscriber.aclose()
