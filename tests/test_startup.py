"""The page never freezes while it starts (issue 11): from navigation to `ready`, cold (a browser's first visit)
and warm (a reload), no main-thread task over 400 ms (the regressions this guards against were one task of 1.9 s
and of 4.6 s; the number itself is `bench`'s cold/warm_start_longest_task_ms), and a photo added at any moment
gets its card at once (200 ms). Real Chromium, real Pyodide and PyScript, real model."""

from __future__ import annotations

import pytest

from tests.conftest import photos
from tools.bench_visit import START_PROBES
from tools.browser import open_page, state, wait_ready, wait_settled

TASK_LIMIT_MS = 400  # 2026-12-01 on this 2-core machine: 146-189 ms here, PyScript's own start the longest
# (the previous main: 163-183 ms in the same runs); CI saw 230-239 ms twice
LIMIT_MS = 200


def start_and_drop(page, visit, cards: int) -> dict:
    """`cards`: how many there will be (a reload brings back the earlier results)."""
    visit()
    assert state(page) == "loading"
    photo = photos("test", 1)[0][0]
    page.set_input_files("#upload", [str(photo)])
    page.wait_for_function("window.__start.cardAt !== null", timeout=5_000)
    card_ms = page.evaluate("window.__start.cardAt - window.__start.addedAt")
    wait_ready(page)
    ready_at = page.evaluate("window.snaptag.readyAt")
    tasks = [t for t in page.evaluate("window.__start.tasks") if t[0] < ready_at]
    settled = wait_settled(page, cards)
    return {"card_ms": card_ms, "tasks": tasks, "cards": settled, "stage": page.inner_text("#py-status")}


@pytest.fixture
def session(browser, server):
    s = open_page(browser, "about:blank")
    s.page.add_init_script(START_PROBES)
    yield s
    s.context.close()


def test_a_cold_and_a_warm_start_never_block_the_page(session, server):
    page = session.page
    for name, visit, cards in (("cold", lambda: page.goto(server.url), 1), ("warm", page.reload, 2)):
        got = start_and_drop(page, visit, cards)
        longest = max((d for _, d in got["tasks"]), default=0)
        assert longest <= TASK_LIMIT_MS, (name, got["tasks"])
        assert got["card_ms"] < LIMIT_MS, (name, got["card_ms"])
        assert all(c["status"] == "done" for c in got["cards"]), (name, got["cards"])
        print(name, "long tasks", got["tasks"], "card after", round(got["card_ms"]), "ms")
        assert got["stage"] == "Python: ready"
    assert page.evaluate("localStorage.getItem('snaptag:python-warm')").endswith("pyodide/pyodide.asm.wasm")
    assert not session.errors
