"""Shared fixtures: the real data, a real build of dist/, a real server on 127.0.0.1 and real Chromium."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CAFE = DATA / "cafe"
FORM_PAGE = "examples/upload-form/"  # a host page that is not snaptag's: it runs no Python of its own


def pytest_sessionstart(session: pytest.Session) -> None:
    if not CAFE.is_dir():
        raise pytest.UsageError(f"test data not found at {DATA} (the shared/ folder must sit beside the repo)")


def photos(split: str, per_class: int) -> list[tuple[Path, str]]:
    """The first `per_class` photos of each class in cafe/<split>/, with their class id."""
    out = []
    for folder in sorted(p for p in (CAFE / split).iterdir() if p.is_dir()):
        out += [(p, folder.name) for p in sorted(folder.glob("*.jpg"))[:per_class]]
    return out


def exif_rotated_jpeg() -> bytes:
    """A 12 MP camera JPEG: upright it is 3000 wide and 4000 high, red at the top and blue at the bottom; the
    file stores it 4000 x 3000 with EXIF orientation 6 (rotate 90° clockwise to show), a camera name
    ("SnaptagTestCam") and a GPS position."""
    from PIL import Image

    upright = Image.new("RGB", (3000, 4000), (120, 120, 120))
    upright.paste((220, 20, 20), (0, 0, 3000, 400))
    upright.paste((20, 20, 220), (0, 3600, 3000, 4000))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SnaptagTestCam"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    buf = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", exif=exif, quality=90)
    return buf.getvalue()


@pytest.fixture(scope="session")
def dist() -> Path:
    from tools.site import build_site

    build_site(ROOT, ROOT / "dist")
    return ROOT / "dist"


@pytest.fixture(scope="session")
def server(dist: Path):
    from tools.serve import serving

    with serving(dist) as srv:
        yield srv


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright):
    from tools.browser import launch

    b = launch(playwright)
    yield b
    b.close()


@pytest.fixture
def form(browser, server):
    """The example upload form (a host page) in a fresh browser context."""
    from tools.browser import open_page

    s = open_page(browser, server.url + FORM_PAGE)
    yield s
    s.context.close()
