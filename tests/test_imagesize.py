"""Image size and format from the first bytes of a file (app/logic/imagesize.py) and the intake checks built on it."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from app.logic import intake
from app.logic.imagesize import FIRST_BYTES, sniff
from tests.conftest import CAFE


def encoded(fmt: str, size: tuple[int, int] = (321, 123), mode: str = "RGB", **kw) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, (200, 100, 50) if mode == "RGB" else 0).save(buf, fmt, **kw)
    return buf.getvalue()


def png_bomb(side: int = 23000) -> bytes:
    """A real 1-bit greyscale PNG of side x side pixels: about 64 KB that decode to gigabytes."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + bytes((side + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def heif(brand: bytes, width: int, height: int) -> bytes:
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    ispe = box(b"ispe", b"\x00\x00\x00\x00" + struct.pack(">II", width, height))
    thumb = box(b"ispe", b"\x00\x00\x00\x00" + struct.pack(">II", 64, 48))  # a thumbnail: smaller
    meta = box(b"meta", b"\x00\x00\x00\x00" + box(b"hdlr", bytes(24)) + box(b"iprp", box(b"ipco", thumb + ispe)))
    return box(b"ftyp", brand + b"\x00\x00\x00\x00" + brand + b"mif1") + meta


@pytest.mark.parametrize("fmt,data", [
    ("jpeg", encoded("JPEG")), ("png", encoded("PNG")), ("gif", encoded("GIF", mode="L")),
    ("webp", encoded("WEBP")), ("webp", encoded("WEBP", lossless=True)), ("webp", encoded("WEBP", mode="RGBA")),
    ("bmp", encoded("BMP")), ("avif", heif(b"avif", 321, 123)), ("heic", heif(b"heic", 321, 123)),
])
def test_format_and_size_come_from_the_header(fmt: str, data: bytes):
    info = sniff(data, whole=True)
    assert info is not None and (info.format, info.width, info.height) == (fmt, 321, 123)


def gif(screen: tuple[int, int], frames: list[tuple[int, int, int, int]], data: int = 3) -> bytes:
    """A GIF's block structure: a screen, then frames (left, top, width, height), each with `data` sub-blocks."""
    out = b"GIF89a" + struct.pack("<HHBBB", *screen, 0, 0, 0)
    for frame in frames:
        out += b"\x21\xf9\x04\x00\x00\x00\x00\x00"  # a graphic control extension
        out += b"\x2c" + struct.pack("<HHHHB", *frame, 0) + b"\x02" + b"".join(
            bytes([200]) + bytes(200) for _ in range(data)) + b"\x00"
    return out + b"\x3b"


def test_a_gifs_size_is_its_largest_frame_however_far_it_lies():
    """A 1 x 1 screen holding a 20000² frame passed the 50 MP check and took 3.6 GB to decode."""
    lying = gif((1, 1), [(0, 0, 1, 1)] * 400 + [(0, 0, 20000, 20000)])
    assert len(lying) > FIRST_BYTES
    assert sniff(lying[:FIRST_BYTES]).pixels is None and intake.needs_more(lying[:FIRST_BYTES])  # read on
    info = sniff(lying, whole=True)
    assert (info.width, info.height) == (20000, 20000)
    assert "20000 × 20000 pixels (400.0 MP" in intake.check_header("x.gif", "image/gif", lying)
    offset = sniff(gif((100, 80), [(0, 0, 100, 80), (90, 70, 30, 40)]), whole=True)  # a frame past the edge
    assert (offset.width, offset.height) == (120, 110)
    cut = gif((64, 48), [(0, 0, 64, 48)])[:-20]  # no trailer: what was read is what a decoder would see
    assert sniff(cut).pixels is None and sniff(cut, whole=True).pixels == 64 * 48


def test_a_jpeg_frame_header_is_found_behind_large_metadata():
    photo = encoded("JPEG", (40, 30))
    app_segments = b"".join(b"\xff\xe2" + struct.pack(">H", 65535) + bytes(65533) for _ in range(40))  # 2.6 MB
    long = photo[:2] + app_segments + photo[2:]
    assert sniff(long[: 1024 * 1024]).pixels is None  # was refused as damaged: the page reads on now
    info = sniff(long, whole=True)
    assert (info.width, info.height) == (40, 30) and intake.check_header("long.jpg", "image/jpeg", long) is None
    assert sniff(photo[:20]).pixels is None  # cut before the frame header: size unknown
    real = sorted((CAFE / "test" / "vibes").glob("*.jpg"))[0]
    assert (sniff(real.read_bytes()).width, sniff(real.read_bytes()).height) == Image.open(real).size
    assert sniff(b"just text, not an image") is None


def test_a_png_bomb_is_refused_before_decoding():
    bomb = png_bomb()
    assert len(bomb) < 100_000
    info, problem = sniff(bomb[:FIRST_BYTES]), intake.check_header("bomb.png", "image/png", bomb[:FIRST_BYTES])
    assert (info.width, info.height) == (23000, 23000)
    assert "too large to open safely: 23000 × 23000 pixels (529.0 MP; the limit is 50 MP)" in problem
    assert "(50.3 MP; the limit is 50 MP)" in intake.check_header("a.png", "image/png", encoded("PNG", (8000, 6290)))
    assert intake.check_header("ok.png", "image/png", encoded("PNG", (8000, 6000))) is None  # 48 MP passes


def test_the_bytes_decide_not_the_name():
    jpeg = sorted((CAFE / "test" / "menu").glob("*.jpg"))[0].read_bytes()
    assert intake.check("IMG_0001.heic", len(jpeg), "image/heic") is None
    assert intake.check_header("IMG_0001.heic", "image/heic", jpeg) is None  # a JPEG named .heic is read
    assert intake.check_header("photo.jpg", "image/jpeg", heif(b"heic", 4032, 3024)) == intake.HEIC_MESSAGE
    assert "corrupt" in intake.check_header("photo.jpg", "image/jpeg", b"\x00" * 64)


def test_the_size_message_says_mb_correctly():
    message = "The file is too large (123.4 MB; the limit is 100 MB)."
    assert intake.check("big.jpg", 123_400_000, "image/jpeg") == message
    assert intake.check("ok.jpg", 99_000_000, "image/jpeg") is None


def write_bomb(folder: Path) -> Path:
    path = folder / "bomb.png"
    path.write_bytes(png_bomb())
    return path
