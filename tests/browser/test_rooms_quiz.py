"""The room on the stepper (issue 21, docs/DESIGN.md "Rooms"): followers' /graph pages take
the lecturer's steps and programs in place (no reload, one event stream), and the quiz goes
from Ask to Reveal: on colah's e = (a + b)(b + 1) at a = 2, b = 1, the lecture's ∂e/∂b = 5."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.reading import wait_ready
from tests.browser.stepper import step_text
from tests.browser.test_rooms_pages import classroom, followers, join, start_room, step_as_lecturer

pytestmark = pytest.mark.browser
__all__ = ["classroom"]  # the fixture, imported for this module's tests

MARK = "window.__sameDocument = true"
SAME_DOCUMENT = "() => window.__sameDocument === true"


def event_streams(student) -> int:
    """How many times this document opened the room's event stream."""
    return student.evaluate("() => performance.getEntriesByType('resource')"
                            ".filter((e) => e.name.includes('/events')).length")


def wait_count(page, count: int) -> None:
    page.wait_for_function("(n) => document.querySelector('[data-testid=quiz-histogram]')?.dataset.count === String(n)",
                           arg=count)


def answer(student, text: str, *, press_enter: bool, shown: str | None = None) -> None:
    """Type an answer and send it; the page then says it was sent (as `shown`, default `text`)."""
    student.fill("[data-testid=quiz-input]", text)
    if press_enter:
        student.press("[data-testid=quiz-input]", "Enter")
    else:
        student.click("[data-testid=quiz-send]")
    student.wait_for_function("(want) => document.querySelector('[data-testid=quiz-mine]')?.textContent"
                              ".startsWith(`Sent: ${want}.`)", arg=shown or text)


def test_followers_take_steps_and_programs_in_place(classroom):
    page, follower, _ = classroom
    room = start_room(page, "/graph?preset=logreg")  # a laptop: the editor and its demo menu show
    student = follower(**PHONE)
    join(student, room["code"])
    student.evaluate(MARK)
    assert event_streams(student) == 1

    for want in ("1 / 16", "2 / 16", "3 / 16"):
        assert step_as_lecturer(page, [student]) == want
    page.keyboard.press("End")
    student.wait_for_function("() => document.querySelector('[data-testid=step]').textContent === '16 / 16'")

    page.select_option("[data-testid=preset]", "colah")  # another program: the student's page runs it in place
    wait_ready(page)
    student.wait_for_function("() => document.querySelector('[data-testid=title]').textContent.includes('(a + b)')")
    wait_ready(student)
    assert step_text(student) == step_text(page)
    assert student.evaluate("() => new URLSearchParams(location.search).get('preset')") == "colah"
    assert student.evaluate(SAME_DOCUMENT) and event_streams(student) == 1
    assert student.get_attribute("[data-testid=follow-banner]", "data-mode") == "following"
    followers(page, 1)


def test_the_room_predicts_a_gradient_from_ask_to_reveal(classroom):
    page, follower, requests = classroom
    room = start_room(page, "/graph?preset=colah&step=9&presenter=1")
    phone, laptop = follower(**PHONE), follower()
    for student in (phone, laptop):
        join(student, room["code"])
        assert step_text(student) == "9 / 11"
        student.evaluate(MARK)
    followers(page, 2)

    # Before a forward step there is nothing to predict; before b's backward step there is.
    ask = page.locator("[data-testid=quiz-ask]")
    assert ask.is_enabled() and "∂e/∂b" in ask.inner_text()
    page.keyboard.press("q")
    page.wait_for_selector("[data-testid=quiz-histogram]")
    assert page.inner_text("[data-testid=quiz-prompt]") == "Predict ∂e/∂b"
    for student in (phone, laptop):
        student.wait_for_selector("[data-testid=quiz-input]")
        assert student.inner_text("[data-testid=quiz-prompt]") == "Predict ∂e/∂b"

    answer(phone, "4", press_enter=True)  # typing is answering, not detaching
    answer(laptop, "5", press_enter=False)
    assert phone.inner_text("[data-testid=quiz-mine]").startswith("Sent: 4.")
    wait_count(page, 2)
    answer(phone, "5", press_enter=True)  # a changed answer replaces the first
    assert phone.inner_text("[data-testid=quiz-mine]").startswith("Sent: 5.")
    page.wait_for_function("() => { const el = document.querySelector('[data-testid=quiz-histogram]');"
                           " return el.data && el.data[0].y.length === 1; }")  # both at 5: one bar
    bars = page.evaluate("() => { const d = document.querySelector('[data-testid=quiz-histogram]').data[0];"
                         " return {x: d.x, y: d.y}; }")
    assert bars["y"] == [2] and bars["x"][0] == pytest.approx(5)
    assert page.inner_text("[data-testid=quiz-count]") == "2"
    for student in (phone, laptop):
        assert student.get_attribute("[data-testid=follow-banner]", "data-mode") == "following"

    page.keyboard.press("ArrowRight")  # the step that shows ∂e/∂b reveals it
    page.wait_for_selector("[data-testid=quiz-result][data-value='5']")
    assert "The engine: 5" in page.inner_text("[data-testid=quiz-result]")
    shapes = page.evaluate("() => document.querySelector('[data-testid=quiz-histogram]').layout.shapes")
    assert [s["x0"] for s in shapes] == [5]
    for student in (phone, laptop):
        student.wait_for_selector("[data-testid=quiz-result][data-correct=true]")
        assert student.inner_text("[data-testid=quiz-result]") == "The engine: 5 · yours: 5 ✓"
        assert step_text(student) == "10 / 11"
        assert student.evaluate(SAME_DOCUMENT) and event_streams(student) == 1

    # The answers summary is the presenter's alone: the students' requests never carried the key.
    assert not [r for r in requests.seen if "authorization" in r and "/answers" in r["url"] and r["method"] == "POST"]


def test_a_wrong_answer_is_marked_and_a_non_number_is_explained(classroom):
    page, follower, _ = classroom
    room = start_room(page, "/graph?preset=colah&step=9&presenter=1")
    student = follower()
    join(student, room["code"])
    page.click("[data-testid=quiz-ask]")
    student.wait_for_selector("[data-testid=quiz-input]")
    student.fill("[data-testid=quiz-input]", "five")
    student.press("[data-testid=quiz-input]", "Enter")
    student.wait_for_selector(".quiz-problem")
    assert "'five' is not a number" in student.inner_text(".quiz-problem")
    answer(student, "-3", press_enter=True, shown="\u22123")  # shown with a true minus, as the slides write it
    wait_count(page, 1)
    page.keyboard.press("ArrowRight")
    student.wait_for_selector("[data-testid=quiz-result][data-correct=false]")
    assert student.inner_text("[data-testid=quiz-result]") == "The engine: 5 · yours: \u22123"


def test_moving_back_closes_the_question_without_a_reveal(classroom):
    page, follower, _ = classroom
    room = start_room(page, "/graph?preset=colah&step=9&presenter=1")
    student = follower()
    join(student, room["code"])
    page.keyboard.press("q")
    student.wait_for_selector("[data-testid=quiz-input]")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector("[data-testid=quiz-result]")
    assert page.get_attribute("[data-testid=quiz-result]", "data-value") is None
    student.wait_for_selector("[data-testid=quiz-result]")
    assert "moved on without revealing" in student.inner_text("[data-testid=quiz-result]")
    assert step_text(student) == "8 / 11"


READ = """async (texts) => {
  const quiz = await import('/static/js/graph/quiz.js');
  return texts.map((t) => quiz.readAnswer(t));
}"""


def test_a_students_answer_is_read_as_typed_on_a_laptop_or_a_phone(page):
    page.goto("/graph?preset=mul")
    wait_ready(page)
    texts = ["5", " 0.25 ", "-3", "\u22123", "1e-3", "0,5", "-2,75", "1 000", "five", "", "1,2,3", "NaN", "Infinity", "1e999"]
    assert page.evaluate(READ, texts) == [5, 0.25, -3, -3, 0.001, 0.5, -2.75, 1000, None, None, None, None, None, None]
    marks = page.evaluate("""async () => {
      const { matches } = await import('/static/js/graph/quiz.js');
      return [matches(5, 5), matches(5.02, 5), matches(5.03, 5), matches(-0.333, -1 / 3), matches(0, 0), matches(1e-9, 0)];
    }""")
    assert marks == [True, True, False, True, True, False]
