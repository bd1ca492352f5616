"""Rooms: students' pages follow the lecturer's (DESIGN.md "Classroom").

- core: codes, keys, the check of a room's URL, a room's record and channel messages;
- store: the store interface, and rooms in this process's memory;
- redis_store: rooms in Redis, shared by every server process;
- service: what a room does over either store (auth, coalesced publishes, the quiz, streams).
"""

from __future__ import annotations

from app.rooms.core import RoomError, RoomsUnavailable
from app.rooms.service import Rooms
from app.rooms.store import MemoryStore, Store, Unavailable
from app.settings import settings

NEEDS_REDIS = ("rooms need Redis when the server runs several processes (--workers {workers}): start it with "
               "--redis redis://HOST:6379/0 (or BACKPROPLAB_REDIS_URL), or with one worker")


def store_for(redis_url: str | None, workers: int) -> Store:
    if redis_url:
        from app.rooms.redis_store import RedisStore  # redis is imported only when it is used

        return RedisStore(redis_url)
    if workers > 1:
        return Unavailable(NEEDS_REDIS.format(workers=workers))
    return MemoryStore()


def rooms_from_settings() -> Rooms:
    return Rooms(store_for(settings.redis_url, settings.workers), settings.follow_urls)


__all__ = ["MemoryStore", "RoomError", "Rooms", "RoomsUnavailable", "Store", "Unavailable", "rooms_from_settings",
           "store_for"]
