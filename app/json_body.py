"""Request bodies read as JSON: off the event loop when large, and with a message that
says what is wrong and where for the two things Python's json refuses without one.

FastAPI reads a body with ``await request.json()``, on the event loop, and answers 400
"There was an error parsing the body" for anything but a syntax error. Routes of class
:class:`JSONBodyRoute` hand it a request whose ``json()`` parses a body over
``ON_LOOP_BYTES`` in the thread pool, and turns a number of more than 4,300 digits
(CPython's limit on reading an int) or brackets nested past Python's recursion limit into
a JSON syntax error at their place, which the app reports like any other (422).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

ON_LOOP_BYTES = 64 * 1024  # parsed where it arrives: well under a millisecond
MAX_DIGITS = sys.get_int_max_str_digits() or 4300
LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings skipped whole: a "[" in one is text
SHOWN_DEPTH = 500  # where a nesting that broke the recursion limit is reported


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (RecursionError, ValueError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        text = body.decode("utf-8", "replace")
        if isinstance(exc, RecursionError):
            raise json.JSONDecodeError(f"brackets nested more than {SHOWN_DEPTH} deep", text, _depth_passed(text)) \
                from None
        number = LONG_NUMBER.search(text)
        if number is None:
            raise
        raise json.JSONDecodeError(f"a number of {len(number[0]):,} digits; at most {MAX_DIGITS:,} can be read",
                                   text, number.start()) from None


def _depth_passed(text: str, depth: int = SHOWN_DEPTH) -> int:
    """Where the brackets first nest deeper than ``depth`` (0 if they never do)."""
    level = 0
    for token in BRACKETS.finditer(text):
        bracket = token[0]
        if bracket in "[{":
            level += 1
            if level > depth:
                return token.start()
        elif bracket in "]}":
            level -= 1
    return 0


class JSONBodyRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = await run_in_threadpool(parse_json, body) if len(body) > ON_LOOP_BYTES else parse_json(body)
        return self._json


class JSONBodyRoute(APIRoute):
    """A route whose handler reads its JSON body through :class:`JSONBodyRequest`."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request):
            return await handler(JSONBodyRequest(request.scope, request.receive))

        return route


__all__ = ["ON_LOOP_BYTES", "JSONBodyRequest", "JSONBodyRoute", "parse_json"]
