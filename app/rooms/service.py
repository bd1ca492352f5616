"""What a room does, over either store: who may drive it, how a publish reaches the
followers (coalesced to one per ``ROOM_PUBLISH_SECONDS``), the quiz, and a follower's
event stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from app.rooms.core import (
    CODE_LENGTH,
    Message,
    Room,
    RoomError,
    key_hash,
    key_matches,
    new_code,
    new_key,
    normal_code,
    state_message,
    summary,
)
from app.rooms.store import KEEP, Follower, Store, not_open
from engine.limits import ROOM_IDLE_SECONDS, ROOM_PUBLISH_SECONDS

CHECK_SECONDS = 15.0  # how often a quiet stream checks that its room still exists (it may have expired)
RETRY_MS = 1000  # EventSource's wait before it reconnects after a stream ended


def unknown(code: str) -> RoomError:
    return RoomError(404, f"no room {code[:CODE_LENGTH * 2]!r}: it ended, expired, or never existed")


def event(name: str, data: object, id_: int | None = None) -> bytes:
    head = f"id: {id_}\r\n" if id_ is not None else ""
    return f"{head}event: {name}\r\ndata: {json.dumps(data, separators=(',', ':'))}\r\n\r\n".encode()


class Rooms:
    def __init__(self, store: Store, follow_urls: list[str] | None = None):
        self.store = store
        self.follow_urls = follow_urls or []  # the addresses students can open (--public-url, the LAN's)
        self._pending: dict[str, asyncio.Task] = {}

    async def create(self, base_url: str) -> dict:
        key = new_key()
        for _ in range(20):  # 31⁶ codes: a clash is rare even with a thousand rooms live
            room = Room(code=new_code(), key_hash=key_hash(key), expires_at=self.store.clock() + ROOM_IDLE_SECONDS)
            if await self.store.create(room):
                break
        else:
            raise RoomError(503, "could not find a free room code; try again")
        urls = self.follow_urls_of(room.code, base_url)
        return {"code": room.code, "presenter_key": key, "follow_url": urls[0], "follow_urls": urls,
                "expires_at": room.expires_at}

    def follow_urls_of(self, code: str, base_url: str) -> list[str]:
        """What students open to follow room `code`: on each address they can reach, else the request's."""
        return [f"{base.rstrip('/')}/?room={code}" for base in self.follow_urls or [base_url]]

    async def room(self, code: str) -> Room:
        normal = normal_code(code)
        room = await self.store.load(normal) if normal else None
        if room is None:
            raise unknown(code)
        return room

    async def presenter(self, code: str, authorization: str | None) -> Room:
        """The room, if ``authorization`` carries its presenter key (401 without one, 403 with another)."""
        room = await self.room(code)
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise RoomError(401, "this needs the room's presenter key: send the header "
                                 "`Authorization: Bearer <presenter_key>`", headers={"WWW-Authenticate": "Bearer"})
        if not key_matches(key.strip(), room.key_hash):
            raise RoomError(403, "that is not this room's presenter key")
        return room

    async def describe(self, code: str) -> dict:
        room = await self.room(code)
        return room.public(await self.store.followers(room.code))

    async def publish(self, code: str, authorization: str | None, url: str, question: dict | None,
                      reveal: dict | None) -> int:
        """PUT …/state. A question opens with ``question``; the next publish closes it and
        sends ``reveal`` (with ``reveal``'s value, or null when the lecturer moved on without one)."""
        room = await self.presenter(code, authorization)
        open_ = room.question
        if reveal is not None and (open_ is None or open_["id"] != reveal["id"]):
            raise not_open(reveal["id"])
        if question is not None:
            new = await self._update(room.code, url, question)
            await self._send_now(new, Message("question", new.seq, {**question, "seq": new.seq}))
        elif open_ is not None:
            new = await self._update(room.code, url, None)
            count = len(await self.store.answers(room.code, open_["id"]))
            value = reveal["value"] if reveal is not None else None
            await self._send_now(new, Message("reveal", new.seq, {"id": open_["id"], "value": value,
                                                                   "count": count, "seq": new.seq}))
        else:
            new = await self._update(room.code, url, KEEP)
            if await self.store.claim_publish(room.code):
                await self.store.send(room.code, state_message(new))
            elif room.code not in self._pending:
                self._pending[room.code] = asyncio.get_running_loop().create_task(self._flush(room.code))
        return new.seq

    async def _update(self, code: str, url: str, question: object) -> Room:
        new = await self.store.update(code, url, question)
        if new is None:
            raise unknown(code)
        return new

    async def _send_now(self, room: Room, message: Message) -> None:
        """A quiz publish is never coalesced: its state goes out at once, then the quiz event."""
        await self.store.claim_publish(room.code)
        await self.store.send(room.code, state_message(room))
        await self.store.send(room.code, message)

    async def _flush(self, code: str) -> None:
        """Send the room's latest state once the publish interval has passed (coalescing)."""
        await asyncio.sleep(ROOM_PUBLISH_SECONDS)
        self._pending.pop(code, None)  # a publish from now on schedules a flush of its own
        with contextlib.suppress(RoomError):
            room = await self.store.load(code)
            if room is not None:
                await self.store.claim_publish(code)
                await self.store.send(code, state_message(room))

    async def close(self) -> None:
        for task in list(self._pending.values()):
            task.cancel()
        await self.store.close()

    async def end(self, code: str, authorization: str | None) -> None:
        room = await self.presenter(code, authorization)
        await self.store.delete(room.code)

    async def answer(self, code: str, question: str, client: str, value: float) -> int:
        room = await self.room(code)
        return await self.store.answer(room.code, question, client, value)

    async def answers(self, code: str, authorization: str | None, question: str) -> dict:
        room = await self.presenter(code, authorization)
        return summary(question, await self.store.answers(room.code, question))

    async def stream(self, code: str, last_event_id: str | None) -> AsyncIterator[bytes]:
        """A follower's events (404 and max_followers are raised here, before the answer starts)."""
        room = await self.room(code)
        stack = contextlib.AsyncExitStack()
        follower = await stack.enter_async_context(self.store.follow(room.code))
        try:
            # Read after subscribing: a publish in between arrives twice and is sent once.
            room = await self.room(code)
        except BaseException:
            await stack.aclose()
            raise
        seen = int(last_event_id) if (last_event_id or "").strip().isdigit() else 0
        return self._events(room, follower, stack, seen)

    async def _events(self, room: Room, follower: Follower, stack: contextlib.AsyncExitStack,
                      seen: int) -> AsyncIterator[bytes]:
        async with stack:
            yield f"retry: {RETRY_MS}\r\n\r\n".encode()
            # A Last-Event-ID beyond the room's seq comes from a room that was lost and made anew: resend.
            if room.url is not None and (room.seq > seen or seen > room.seq):
                seen = room.seq
                yield event("state", {"seq": room.seq, "url": room.url}, room.seq)
            if room.question is not None:
                yield event("question", {**room.question, "seq": room.seq})
            while True:
                try:
                    message = await asyncio.wait_for(follower.queue.get(), CHECK_SECONDS)
                except TimeoutError:
                    try:
                        if await self.store.load(room.code) is None:
                            yield event("closed", {"reason": "expired"})
                            return
                    except RoomError:
                        return
                    continue
                if message is None:  # the store lost its connection: EventSource reconnects
                    return
                if message.event == "state":
                    if message.seq <= seen:
                        continue
                    seen = message.seq
                    yield event("state", message.data, message.seq)
                else:
                    yield event(message.event, message.data)
                    if message.event == "closed":
                        return
