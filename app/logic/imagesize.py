"""What a file really is, and how many pixels it would decode to, read from its first bytes (no decoding).

A small file can declare a huge image (a 64 KB PNG of 23000 x 23000 pixels decodes to 2 GB): the page checks the
header before the browser decodes anything. Formats: JPEG, PNG, GIF, WebP, BMP, AVIF and HEIC/HEIF (these two
share the ISO media file layout). Pure Python (struct), tested under CPython.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

FIRST_BYTES = 64 * 1024  # what is read first: every format's size is here, but for a JPEG with long metadata
HEADER_BYTES = 1024 * 1024  # then this much: enough for a JPEG's frame header behind large EXIF/ICC/XMP segments
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
AVIF_BRANDS = {b"avif", b"avis"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # jpeg | png | gif | webp | bmp | avif | heic
    width: int | None  # None when the header does not say (within HEADER_BYTES)
    height: int | None

    @property
    def pixels(self) -> int | None:
        return self.width * self.height if self.width is not None and self.height is not None else None


def _jpeg(b: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(b):
        if b[i] != 0xFF:
            return None
        marker = b[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        length = struct.unpack(">H", b[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            height, width = struct.unpack(">HH", b[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp(b: bytes) -> tuple[int, int] | None:
    chunk = b[12:16]
    if chunk == b"VP8 " and len(b) >= 30:
        w, h = struct.unpack("<HH", b[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(b) >= 25:
        bits = int.from_bytes(b[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(b) >= 30:
        return int.from_bytes(b[24:27], "little") + 1, int.from_bytes(b[27:30], "little") + 1
    return None


def _boxes(b: bytes, start: int, end: int):
    """(type, payload start, box end) of the ISO media boxes in b[start:end]."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", b[i : i + 8])
        head = 8
        if size == 1 and i + 16 <= end:
            size, head = struct.unpack(">Q", b[i + 8 : i + 16])[0], 16
        elif size == 0:
            size = end - i
        if size < head:
            return
        yield kind, i + head, min(i + size, end)
        i += size


def _isobmff(b: bytes) -> tuple[int, int] | None:
    """The largest 'ispe' (image spatial extent) in the meta box: the primary image's size."""
    best = None
    for kind, start, end in _boxes(b, 0, len(b)):
        if kind == b"meta":
            for k2, s2, e2 in _boxes(b, start + 4, end):  # meta is a full box: 4 bytes of version/flags
                if k2 == b"iprp":
                    for k3, s3, e3 in _boxes(b, s2, e2):
                        if k3 == b"ipco":
                            for k4, s4, _e4 in _boxes(b, s3, e3):
                                if k4 == b"ispe" and s4 + 12 <= len(b):
                                    w, h = struct.unpack(">II", b[s4 + 4 : s4 + 12])
                                    best = max(best or (0, 0), (w, h), key=lambda d: d[0] * d[1])
    return best


def sniff(b: bytes) -> ImageInfo | None:
    """The image format and size from a file's first bytes; None when it is no image format we know."""
    size: tuple[int, int] | None = None
    if b.startswith(b"\xff\xd8\xff"):
        fmt, size = "jpeg", _jpeg(b)
    elif b.startswith(b"\x89PNG\r\n\x1a\n") and len(b) >= 24:
        fmt, size = "png", struct.unpack(">II", b[16:24])
    elif b[:6] in (b"GIF87a", b"GIF89a") and len(b) >= 10:
        fmt, size = "gif", struct.unpack("<HH", b[6:10])
    elif b.startswith(b"RIFF") and b[8:12] == b"WEBP":
        fmt, size = "webp", _webp(b)
    elif b.startswith(b"BM") and len(b) >= 26:
        w, h = struct.unpack("<ii", b[18:26])
        fmt, size = "bmp", (abs(w), abs(h))
    elif b[4:8] == b"ftyp":
        brands = {b[i : i + 4] for i in range(8, min(len(b), 8 + int.from_bytes(b[0:4], "big")), 4)}
        if brands & AVIF_BRANDS:
            fmt = "avif"
        elif brands & HEIF_BRANDS:
            fmt = "heic"
        else:
            return None
        size = _isobmff(b)
    else:
        return None
    return ImageInfo(fmt, *(size or (None, None)))
