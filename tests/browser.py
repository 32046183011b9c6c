"""Helpers for driving the page through its automation contract (README: data-snaptag, [data-result])."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page

ALL_SETTLED = ("[...document.querySelectorAll('[data-result]')].length >= {n} && "
               "[...document.querySelectorAll('[data-result]')].every(e => ['done', 'error'].includes(e.dataset.status))")


@dataclass
class Session:
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_page(browser, url: str, **context_args) -> Session:
    context = browser.new_context(accept_downloads=True, **context_args)
    page = context.new_page()
    session = Session(context, page)
    context.on("request", lambda r: session.requests.append(r.url))
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    page.goto(url)
    return session


def state(page: Page) -> str:
    return page.evaluate("document.documentElement.dataset.snaptag")


def wait_ready(page: Page, timeout: float = 90_000) -> None:
    page.wait_for_function("document.documentElement.dataset.snaptag !== 'loading'", timeout=timeout)
    assert state(page) == "ready", page.inner_text("#loading")


def wait_settled(page: Page, n: int, timeout: float = 90_000) -> list[dict]:
    page.wait_for_function(ALL_SETTLED.format(n=n), timeout=timeout)
    return results(page)


def results(page: Page) -> list[dict]:
    return page.evaluate("[...document.querySelectorAll('[data-result]')].map(e => ({...e.dataset}))")


def by_name(page: Page) -> dict[str, dict]:
    return {r["name"]: r for r in results(page)}
