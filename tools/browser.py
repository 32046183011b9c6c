"""Driving the page through its automation contract (README: data-snaptag, [data-result]) in headless
Chromium: shared by the tests and `build.py bench`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from playwright.sync_api import BrowserContext, Page

from app.errors import UserError

CHROMIUM = os.environ.get("SNAPTAG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserError(UserError, FileNotFoundError):
    pass


def launch(playwright, extra_args: tuple[str, ...] = ()):
    if not os.path.exists(CHROMIUM):
        raise BrowserError(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (or set SNAPTAG_CHROMIUM)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


def fake_camera_args(video: Path) -> tuple[str, ...]:
    """Chromium flags that make `video` (a .y4m file) the camera and grant it without asking."""
    return ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}")


def write_y4m(photo: Path, out: Path, width: int = 640, height: int = 480) -> Path:
    """A one-frame Y4M video of `photo` (Chromium's fake camera repeats it)."""
    from PIL import Image

    frame = Image.open(photo).convert("RGB").resize((width, height)).convert("YCbCr")
    y, cb, cr = (np.asarray(c) for c in frame.split())
    planes = y.tobytes() + cb[::2, ::2].tobytes() + cr[::2, ::2].tobytes()
    out.write_bytes(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\nFRAME\n".encode() + planes)
    return out


CARDS = "[...document.querySelectorAll('[data-result]')]"
ALL_SETTLED = CARDS + ".length >= {n} && " + CARDS + ".every(e => ['done', 'error'].includes(e.dataset.status))"


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
