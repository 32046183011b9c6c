"""Driving the page through its automation contract (README: data-snaptag, [data-result]) in headless
Chromium: shared by the tests and `build.py bench`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from playwright.sync_api import BrowserContext, Page

from app.logic.errors import UserError

CHROMIUM = os.environ.get("SNAPTAG_CHROMIUM", "/usr/bin/chromium")
# --disable-dev-shm-usage: shared memory in /tmp, not /dev/shm (small in containers; renderers crashed in CI)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


class BrowserError(UserError, FileNotFoundError):
    pass


def launch(playwright, extra_args: tuple[str, ...] = ()):
    if not os.path.exists(CHROMIUM):
        raise BrowserError(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (or set SNAPTAG_CHROMIUM)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


def blocked_storage_context(playwright, profile: Path) -> BrowserContext:
    """Chromium with site data blocked (its profile setting; some privacy modes do the same): IndexedDB,
    localStorage and service workers are refused."""
    import json

    (profile / "Default").mkdir(parents=True, exist_ok=True)
    prefs = {"profile": {"default_content_setting_values": {"cookies": 2}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    return playwright.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                         headless=True, accept_downloads=True)


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


def add_label(page: Page, name: str) -> None:
    """Teach mode: create a label (the page must be in teach mode)."""
    page.fill("#teach-label-name", name)
    page.press("#teach-label-name", "Enter")
    page.wait_for_selector(f'[data-label="{name}"]')


def label_examples(page: Page, name: str) -> int:
    return page.evaluate(f"+document.querySelector('[data-label=\"{name}\"]').dataset.examples")


def add_examples(page: Page, name: str, files: list, timeout: float = 600_000) -> None:
    """Teach mode: add photos to a label through its file input, and wait until every one is taught."""
    want = label_examples(page, name) + len(files)
    page.set_input_files(f'[data-label="{name}"] input[data-teach-files]', [str(f) for f in files])
    page.wait_for_function(f"+document.querySelector('[data-label=\"{name}\"]').dataset.examples === {want}",
                           timeout=timeout)
