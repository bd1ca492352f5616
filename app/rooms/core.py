"""What both stores share: codes and keys, the check of a room's URL, a room's record,
the messages on a room's channel, and the summary of a question's answers."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from starlette.exceptions import HTTPException

from engine.limits import MAX_ROOM_URL_CHARS

# No 0/O, 1/I/L: a code read off a projector at the back of a hall is typed right.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
KEY_BYTES = 24  # 192 random bits, URL-safe base64 (32 characters)
PAGES = ("/", "/graph", "/optimizers", "/init", "/schedules", "/trainability")
MAX_BINS = 30


class RoomError(HTTPException):
    """A room request that cannot be served: the app answers it in its error format
    (app.errors' HTTPException handler), with ``limit`` when a limit refused it."""

    def __init__(self, status: int, message: str, limit: str | None = None, headers: dict | None = None):
        super().__init__(status, {"message": message, **({"limit": limit} if limit else {})}, headers)


class RoomsUnavailable(RoomError):
    """The rooms cannot be reached (Redis is gone) or cannot work (several processes, no Redis)."""

    def __init__(self, message: str):
        super().__init__(503, message, headers={"Retry-After": "2"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(code: str) -> str | None:
    """The code as stored (upper case), or None if it cannot be one."""
    code = code.strip().upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    """What a store keeps of the presenter key: its SHA-256, so neither memory nor Redis holds the key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(key_hash(key).encode(), stored_hash.encode())


def page_url_problem(url: str) -> str | None:
    """Why ``url`` is not a path (and query) of one of the app's pages, or None if it is one.

    Only a path is accepted, never a scheme or a host: a follower's page navigates to it,
    so a room must not be able to send students anywhere else (`//evil.example`,
    `javascript:`, `/\\evil.example` that browsers read as a host)."""
    if len(url) > MAX_ROOM_URL_CHARS:
        return f"the URL has {len(url):,} characters; at most {MAX_ROOM_URL_CHARS:,} (limit url)"
    if any(ord(c) < 0x21 or c == "\\" or 0x7F <= ord(c) <= 0x9F for c in url):
        return "the URL has a space, a backslash or a control character: percent-encode them"
    if not url.startswith("/") or url.startswith("//"):
        return f"the URL must be a path of this app's pages ({', '.join(PAGES)}), like /graph?preset=logreg"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return "the URL must be a path, with no scheme or host"
    path = parts.path.rstrip("/") or "/"
    if path not in PAGES:
        return f"{path} is not one of this app's pages: {', '.join(PAGES)}"
    return None


@dataclass
class Room:
    code: str
    key_hash: str
    expires_at: float  # seconds since the epoch
    url: str | None = None
    seq: int = 0
    question: dict | None = None  # the open question, as the presenter sent it

    def public(self, followers: int) -> dict:
        return {"code": self.code, "url": self.url, "seq": self.seq, "followers": followers,
                "expires_at": self.expires_at, "question": self.question}


@dataclass
class Message:
    """One event of a room's channel: ``seq`` orders state events (a follower sends none
    that is not newer than the last it sent); ``question``, ``reveal`` and ``closed`` carry
    the seq of the publish that sent them."""

    event: str
    seq: int
    data: dict = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps({"event": self.event, "seq": self.seq, "data": self.data}, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | bytes) -> Message:
        raw = json.loads(text)
        return cls(raw["event"], int(raw["seq"]), raw["data"])


def state_message(room: Room) -> Message:
    return Message("state", room.seq, {"seq": room.seq, "url": room.url})


def summary(question: str, values: list[float]) -> dict[str, Any]:
    """GET …/answers: the count, min, max and median, and a histogram: a bar per whole number
    when every answer is one and they span fewer than ``MAX_BINS`` (a room guessing 5 reads
    its 4s, 5s and 6s apart), else NumPy's "auto" bins, at most ``MAX_BINS``; one bin around
    the value when every answer is the same."""
    if not values:
        return {"question": question, "count": 0, "values_summary": None, "histogram": {"edges": [], "counts": []}}
    array = np.asarray(values, dtype=float)
    low, high = float(array.min()), float(array.max())
    if np.array_equal(array, np.round(array)) and high - low < MAX_BINS:
        edges = np.arange(low - 0.5, high + 1.0)
    elif low == high:
        half = max(abs(low) * 0.05, 0.5)
        edges = np.array([low - half, low + half])
    else:
        edges = np.histogram_bin_edges(array, bins="auto")
        if len(edges) - 1 > MAX_BINS:
            edges = np.linspace(low, high, MAX_BINS + 1)
    counts, edges = np.histogram(array, bins=edges)
    return {"question": question, "count": len(values),
            "values_summary": {"min": low, "max": high, "median": float(np.median(array))},
            "histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}}


def finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
