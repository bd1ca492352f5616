"""Rooms: students' pages follow the lecturer's (DESIGN.md "Classroom").

The presenter publishes its page's URL; every follower's event stream gets it. The
presenter key is only ever read from the Authorization header and is never logged
(uvicorn's access log has no headers). The store (memory or Redis) is made on the first
room request, from the settings (app.rooms.store_for)."""

from __future__ import annotations

import io
from contextlib import asynccontextmanager
from typing import Annotated

import segno
from fastapi import APIRouter, Header, Query, Request
from sse_starlette.sse import EventSourceResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Message

from app.json_body import JSONBodyRoute
from app.rooms import Rooms, rooms_from_settings
from app.schemas.rooms import (
    ID_PATTERN,
    ROOM_EVENTS,
    Accepted,
    AnswersSummary,
    CreateRoom,
    Ended,
    Published,
    PublishState,
    RoomCreated,
    RoomInfo,
    StudentAnswer,
)
from app.sse import stream_docs
from engine.limits import MAX_NAME_CHARS, MAX_ROOM_BODY_BYTES

PING_SECONDS = 15  # a comment line this often keeps proxies from closing a quiet stream


def too_large() -> HTTPException:
    return HTTPException(413, {"message": f"a room request's body is at most {MAX_ROOM_BODY_BYTES:,} bytes "
                                          "(limit max_room_body_bytes)", "limit": "max_room_body_bytes"})


class SmallBodyRoute(JSONBodyRoute):
    """Refuses a body over MAX_ROOM_BODY_BYTES from its Content-Length, or as soon as more arrives."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request):
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_ROOM_BODY_BYTES:
                raise too_large()
            seen = 0
            receive = request.receive

            async def counted() -> Message:
                nonlocal seen
                message = await receive()
                seen += len(message.get("body", b""))
                if seen > MAX_ROOM_BODY_BYTES:
                    raise too_large()
                return message

            return await handler(Request(request.scope, counted))

        return route


@asynccontextmanager
async def lifespan(app):
    """At shutdown: the store's connections and tasks end with the event loop that made them."""
    yield
    made = getattr(app.state, "rooms", None)
    if made is not None:
        await made.close()


router = APIRouter(route_class=SmallBodyRoute, prefix="/api/rooms", tags=["rooms"], lifespan=lifespan)
Authorization = Annotated[str | None, Header(description="`Bearer <presenter_key>`")]
ERRORS = {404: {"description": "no such room (it ended or expired)"},
          503: {"description": "rooms are unavailable: Redis cannot be reached, or several processes run without it"}}
PRESENTER = {401: {"description": "no presenter key"}, 403: {"description": "a wrong presenter key"}, **ERRORS}


def rooms(http: Request) -> Rooms:
    state = http.app.state
    if getattr(state, "rooms", None) is None:
        state.rooms = rooms_from_settings()
    return state.rooms


NO_STORE = {"Cache-Control": "no-store"}


@router.post("", status_code=201, response_model=RoomCreated, responses={429: {"description": "limit max_rooms"}})
async def create(body: CreateRoom, http: Request, response: Response):
    """A new room: its code, the presenter key (shown once: keep it), and the URL students open."""
    response.headers.update(NO_STORE)
    return await rooms(http).create(str(http.base_url))


@router.get("/{code}", response_model=RoomInfo, responses=ERRORS)
async def describe(code: str, http: Request):
    return await rooms(http).describe(code)


QR_SVG = {200: {"description": "an SVG image of the QR code (black on white, two modules of quiet zone)",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}}}, **ERRORS}


@router.get("/{code}/qr.svg", response_class=Response, responses=QR_SVG)
async def qr(code: str, http: Request):
    """The follow URL as a QR code, for the presenter's page to project (students' phones open it).

    Error correction M (15 %): a code photographed off a projector at an angle still reads."""
    service = rooms(http)
    room = await service.describe(code)  # 404 for a room that ended, expired or never existed
    follow_url = service.follow_urls_of(room["code"], str(http.base_url))[0]
    svg = io.BytesIO()
    segno.make(follow_url, error="m").save(
        svg, kind="svg", border=2, dark="#000", light="#fff", xmldecl=False, omitsize=True)
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})


@router.put("/{code}/state", response_model=Published,
            responses={409: {"description": "reveal: no such open question"}, **PRESENTER})
async def publish(code: str, body: PublishState, http: Request, authorization: Authorization = None):
    """Publish the presenter page's URL, and open or reveal a question (see PublishState)."""
    question = body.question.model_dump() if body.question else None
    reveal = body.reveal.model_dump() if body.reveal else None
    return {"seq": await rooms(http).publish(code, authorization, body.url, question, reveal)}


def _events_docs() -> dict:
    return stream_docs(ROOM_EVENTS, after="`state` carries `id: seq` (send it back as Last-Event-ID); a comment "
                                          "line every 15 s",
                       errors={429: {"description": "limit max_followers"}, **ERRORS})


@router.get("/{code}/events", **_events_docs())
async def events(code: str, http: Request, last_event_id: Annotated[str | None, Header()] = None):
    """Follow the room: its current state on connect (if newer than Last-Event-ID), then each publish."""
    stream = await rooms(http).stream(code, last_event_id)
    return EventSourceResponse(stream, ping=PING_SECONDS, headers=NO_STORE)


@router.post("/{code}/answers", status_code=202, response_model=Accepted,
             responses={409: {"description": "the question is not open"}, 429: {"description": "limit max_answers"},
                        **ERRORS})
async def answer(code: str, body: StudentAnswer, http: Request):
    """A student's answer to the open question; a client's latest answer counts. No identity is kept."""
    return {"count": await rooms(http).answer(code, body.question, body.client, body.value)}


@router.get("/{code}/answers", response_model=AnswersSummary, responses=PRESENTER)
async def answers(code: str, question: Annotated[str, Query(min_length=1, max_length=MAX_NAME_CHARS,
                                                            pattern=ID_PATTERN)],
                  http: Request, response: Response, authorization: Authorization = None):
    """Presenter only: the question's answers as a count, a summary and a histogram."""
    response.headers.update(NO_STORE)
    return await rooms(http).answers(code, authorization, question)


@router.delete("/{code}", response_model=Ended, responses=PRESENTER)
async def end(code: str, http: Request, authorization: Authorization = None):
    """Presenter only: end the room; its followers get `closed`."""
    await rooms(http).end(code, authorization)
    return {"code": code.strip().upper(), "ended": True}
