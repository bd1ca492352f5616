"""Rooms: the requests a presenter and a student send, the answers, and a follower's events."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from app.rooms.core import page_url_problem
from app.schemas.common import Answer, Strict
from engine.limits import MAX_ANSWER_MAGNITUDE, MAX_DIMENSIONS, MAX_NAME_CHARS, MAX_PROMPT_CHARS, MAX_ROOM_URL_CHARS

ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
Id = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS, pattern=ID_PATTERN)]


def _bounded(value: float) -> float:
    if abs(value) > MAX_ANSWER_MAGNITUDE:
        raise PydanticCustomError("less_than_equal", "|value| must be at most {bound:g} (limit answer)",
                                  {"bound": MAX_ANSWER_MAGNITUDE, "limit": "answer"})
    return value


# Strict: a number, not "1.0" or true; finite: NaN and Infinity, which Python's json reads, are refused.
Value = Annotated[float, Field(strict=True, allow_inf_nan=False), AfterValidator(_bounded)]


class CreateRoom(Strict):
    """POST /api/rooms takes an empty object: a room starts with no state."""


class Question(Strict):
    """A quiz question: predict a node's gradient (one element of a tensor node)."""

    id: Id = Field(description="the presenter page's id for it, unique in the room, e.g. `q3`")
    node: Id = Field(description="the node whose gradient is asked, as the graph names it")
    element: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=MAX_DIMENSIONS)] | None = Field(
        None, description="the element's index in a tensor node, e.g. [i, j]; null for a scalar")
    prompt: str = Field("", max_length=MAX_PROMPT_CHARS, description="what the students read")


class Reveal(Strict):
    id: Id = Field(description="the open question's id")
    # Any finite number: a diverging run's gradient may pass the bound on students' answers.
    value: Annotated[float, Field(allow_inf_nan=False)] = Field(
        description="the engine's value, which the lecturer's page shows")


class PublishState(Strict):
    """PUT …/state: the presenter page's URL (path and query), and the quiz.

    - with `question`: opens it (replacing any open one); followers get `state`, then `question`;
    - the next publish while a question is open closes it: followers get `state`, then
      `reveal` with `reveal.value` (the engine's value on the lecturer's page), or with
      value null when the publish has no `reveal` (the lecturer moved on without revealing).
    """

    url: str = Field(max_length=MAX_ROOM_URL_CHARS, description="e.g. `/graph?preset=logreg&step=7`")
    question: Question | None = None
    reveal: Reveal | None = None

    @field_validator("url")
    @classmethod
    def a_page_of_this_app(cls, url: str) -> str:
        problem = page_url_problem(url)
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("reveal")
    @classmethod
    def not_both(cls, reveal: Reveal | None, info) -> Reveal | None:
        if reveal is not None and info.data.get("question") is not None:
            raise ValueError("send `reveal` and the next `question` in two publishes")
        return reveal


class StudentAnswer(Strict):
    question: Id
    client: Annotated[str, Field(min_length=8, max_length=MAX_NAME_CHARS, pattern=r"^[A-Za-z0-9_-]+$",
                                 description="a random id the page keeps in sessionStorage")]
    value: Value = Field(description="a finite number")


class RoomCreated(Answer):
    code: str
    presenter_key: str = Field(description="≥ 128 random bits; keep it in the URL fragment, never in a query")
    follow_url: str = Field(description="what students open: the first of follow_urls")
    follow_urls: list[str] = Field(description="every address students can reach (--public-url, or each LAN one)")
    expires_at: float = Field(description="seconds since the epoch; each publish pushes it back")


class QuestionOut(Answer):
    id: str
    node: str
    element: list[int] | None
    prompt: str


class RoomInfo(Answer):
    code: str
    url: str | None = Field(description="the latest published URL; null before the first publish")
    seq: int
    followers: int = Field(description="event streams open on this room now, over every server process")
    expires_at: float
    question: QuestionOut | None = Field(description="the open question, if any")


class Published(Answer):
    seq: int


class Accepted(Answer):
    count: int = Field(description="answers to this question so far")


class ValuesSummary(Answer):
    min: float
    max: float
    median: float


class AnswersHistogram(Answer):
    edges: list[float]
    counts: list[int]


class AnswersSummary(Answer):
    question: str
    count: int
    values_summary: ValuesSummary | None
    histogram: AnswersHistogram


class Ended(Answer):
    code: str
    ended: bool


# A follower's events (GET /api/rooms/{code}/events)
class StateEvent(Answer):
    seq: int
    url: str


class QuestionEvent(QuestionOut):
    seq: int = Field(description="the publish that opened it")


class RevealEvent(Answer):
    id: str
    value: float | None = Field(description="the engine's value; null when the lecturer moved on without revealing")
    count: int
    seq: int


class ClosedEvent(Answer):
    reason: str = Field(description="`ended` (the presenter ended it) or `expired`")


ROOM_EVENTS = {"state": StateEvent, "question": QuestionEvent, "reveal": RevealEvent, "closed": ClosedEvent}
