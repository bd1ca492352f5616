"""The interface of a room store, and the one that needs nothing: rooms in this
process's memory."""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.rooms.core import Message, Room, RoomError, RoomsUnavailable
from engine.limits import (
    MAX_ANSWERS,
    MAX_FOLLOWERS,
    MAX_ROOMS,
    ROOM_IDLE_SECONDS,
    ROOM_PUBLISH_SECONDS,
)

KEEP = object()  # update(): leave the open question as it is
QUEUE_SIZE = 256  # messages a follower may fall behind before its stream ends (it reconnects to the latest)


def rooms_full() -> RoomError:
    return RoomError(429, f"{MAX_ROOMS:,} rooms are live on this server, the most it keeps (limit max_rooms); "
                          "end one (DELETE /api/rooms/CODE) or wait for one to expire", "max_rooms")


def followers_full() -> RoomError:
    return RoomError(429, f"{MAX_FOLLOWERS:,} pages follow this room, the most one room takes (limit max_followers)",
                     "max_followers")


def answers_full() -> RoomError:
    return RoomError(429, f"{MAX_ANSWERS:,} students answered this question, the most one question takes "
                          "(limit max_answers)", "max_answers")


def not_open(question: str) -> RoomError:
    return RoomError(409, f"question {question!r} is not open in this room (it was revealed, replaced, or never "
                          "asked)")


class Follower:
    """One open event stream: its queue receives the room's messages; None ends the stream
    (the store lost its connection, or the follower fell too far behind)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(QUEUE_SIZE)

    def put(self, message: Message | None) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # Too slow to keep up: end its stream; EventSource reconnects and gets the latest state.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class Store(ABC):
    """Where rooms, their answers and their channels live. ``clock`` is the time that
    expiry counts in (seconds since the epoch)."""

    clock = staticmethod(time.time)

    @abstractmethod
    async def create(self, room: Room) -> bool:
        """Keep a new room; False if its code is taken; RoomError max_rooms when full."""

    @abstractmethod
    async def load(self, code: str) -> Room | None:
        """The room, or None if there is none (or it expired)."""

    @abstractmethod
    async def update(self, code: str, url: str, question: object = KEEP) -> Room | None:
        """Set the room's URL and (unless KEEP) its open question, add one to its seq and
        push back its expiry, at once; the room as it is now, or None if it is gone."""

    @abstractmethod
    async def delete(self, code: str) -> bool: ...

    @abstractmethod
    async def send(self, code: str, message: Message) -> None:
        """Give the message to every follower of the room, in every process."""

    @abstractmethod
    async def claim_publish(self, code: str) -> bool:
        """True, once per ``ROOM_PUBLISH_SECONDS`` per room: a state publish may go out now."""

    @abstractmethod
    def follow(self, code: str) -> AsyncIterator[Follower]:
        """An async context manager: a follower of the room while it is open (max_followers)."""

    @abstractmethod
    async def followers(self, code: str) -> int: ...

    @abstractmethod
    async def answer(self, code: str, question: str, client: str, value: float) -> int:
        """Keep a client's answer (its latest counts); the question's count. 409 if the
        question is not open, max_answers when full. A room keeps the answers of its
        latest question only (until the next one is asked)."""

    @abstractmethod
    async def answers(self, code: str, question: str) -> list[float]: ...

    async def close(self) -> None:
        return None


class Unavailable(Store):
    """Several server processes and no Redis: each process would have rooms of its own,
    and a follower's stream would land on another process than the presenter's publish."""

    def __init__(self, message: str):
        self.message = message

    def _refuse(self, *args, **kwargs):
        raise RoomsUnavailable(self.message)

    async def create(self, room):
        self._refuse()

    async def load(self, code):
        self._refuse()

    async def update(self, code, url, question=KEEP):
        self._refuse()

    async def delete(self, code):
        self._refuse()

    async def send(self, code, message):
        self._refuse()

    async def claim_publish(self, code):
        self._refuse()

    def follow(self, code):
        self._refuse()

    async def followers(self, code):
        self._refuse()

    async def answer(self, code, question, client, value):
        self._refuse()

    async def answers(self, code, question):
        self._refuse()


class MemoryStore(Store):
    """Rooms in this process: enough for one server process, with nothing to install."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self._answers: dict[tuple[str, str], dict[str, float]] = {}
        self._followers: dict[str, set[Follower]] = {}
        self._published: dict[str, float] = {}

    def _expire(self) -> None:
        now = self.clock()
        for code in [code for code, room in self.rooms.items() if room.expires_at <= now]:
            self._drop(code, "expired")

    def _drop(self, code: str, reason: str) -> None:
        room = self.rooms.pop(code, None)
        self._published.pop(code, None)
        for key in [key for key in self._answers if key[0] == code]:
            del self._answers[key]
        for follower in self._followers.get(code, ()):
            follower.put(Message("closed", room.seq if room else 0, {"reason": reason}))

    async def create(self, room: Room) -> bool:
        self._expire()
        if room.code in self.rooms:
            return False
        if len(self.rooms) >= MAX_ROOMS:
            raise rooms_full()
        self.rooms[room.code] = room
        return True

    async def load(self, code: str) -> Room | None:
        room = self.rooms.get(code)
        if room is not None and room.expires_at <= self.clock():
            self._drop(code, "expired")
            return None
        return room

    async def update(self, code: str, url: str, question: object = KEEP) -> Room | None:
        room = await self.load(code)
        if room is None:
            return None
        room.url = url
        room.seq += 1
        room.expires_at = self.clock() + ROOM_IDLE_SECONDS
        if question is not KEEP:
            room.question = question  # type: ignore[assignment]
            if question is not None:
                # One question's answers per room: a room holds at most max_answers of them.
                for key in [key for key in self._answers if key[0] == code]:
                    del self._answers[key]
                self._answers[(code, question["id"])] = {}  # type: ignore[index]
        return room

    async def delete(self, code: str) -> bool:
        if await self.load(code) is None:
            return False
        self._drop(code, "ended")
        return True

    async def send(self, code: str, message: Message) -> None:
        for follower in self._followers.get(code, ()):
            follower.put(message)

    async def claim_publish(self, code: str) -> bool:
        now = time.monotonic()
        if now - self._published.get(code, -1e9) < ROOM_PUBLISH_SECONDS:
            return False
        self._published[code] = now
        return True

    @asynccontextmanager
    async def follow(self, code: str):
        followers = self._followers.setdefault(code, set())
        if len(followers) >= MAX_FOLLOWERS:
            raise followers_full()
        follower = Follower()
        followers.add(follower)
        try:
            yield follower
        finally:
            followers.discard(follower)
            if not followers:
                self._followers.pop(code, None)

    async def followers(self, code: str) -> int:
        return len(self._followers.get(code, ()))

    async def answer(self, code: str, question: str, client: str, value: float) -> int:
        room = await self.load(code)
        if room is None or room.question is None or room.question["id"] != question:
            raise not_open(question)
        answers = self._answers.setdefault((code, question), {})
        if client not in answers and len(answers) >= MAX_ANSWERS:
            raise answers_full()
        answers[client] = value
        return len(answers)

    async def answers(self, code: str, question: str) -> list[float]:
        return list(self._answers.get((code, question), {}).values())
