"""A lecture survives its server restarting (issue 21): with the rooms in Redis, a student's
page says "reconnecting…" while the server is away, and follows again, by itself, once a
new server process answers on the same address."""

from __future__ import annotations

import pytest

from tests.app.rooms_support import AppProcess, RedisServer, need_redis
from tests.browser.conftest import PHONE, PageLog, recorded_page
from tests.browser.stepper import step_text
from tests.browser.test_rooms_pages import join, start_room, step_as_lecturer

pytestmark = pytest.mark.browser

# What a server that is away costs the pages: requests refused or cut, and Chromium's console lines for them.
OUTAGE = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_EMPTY_RESPONSE", "ERR_INCOMPLETE_CHUNKED_ENCODING",
          "ERR_ABORTED")


def test_followers_come_back_after_the_server_restarts(browser, tmp_path):
    need_redis()
    redis = RedisServer(tmp_path).start()
    app = AppProcess("--redis", redis.url)
    log = PageLog(origin=app.url)
    presenter = recorded_page(browser, app.url, log)
    student = recorded_page(browser, app.url, log, **PHONE)
    try:
        room = start_room(presenter)
        join(student, room["code"])
        student.evaluate("window.__sameDocument = true")
        assert step_as_lecturer(presenter, [student]) == "1 / 16"

        app.stop()  # Ctrl+C: the streams end with the process
        student.wait_for_selector("[data-testid=follow-banner][data-mode=reconnecting]")
        assert "reconnecting…" in student.inner_text("[data-testid=follow-banner]")
        app = AppProcess("--redis", redis.url, port=app.port)
        student.wait_for_selector("[data-testid=follow-banner][data-mode=following]", timeout=30_000)
        assert step_as_lecturer(presenter, [student]) == "2 / 16"
        assert step_text(student) == "2 / 16"
        assert student.evaluate("window.__sameDocument === true")  # the page never reloaded
        assert log.page_errors == []
        assert [p for p in log.problems() if not any(kind in p for kind in OUTAGE)] == []
    finally:
        presenter.context.close()
        student.context.close()
        app.stop()
        redis.stop()
