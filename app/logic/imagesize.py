"""What a file really is, and how many pixels it would decode to, read from its first bytes (no decoding).

A small file can declare a huge image (a 64 KB PNG of 23000 x 23000 pixels decodes to 2 GB): the page checks the
header before the browser decodes anything. Formats: JPEG, PNG, GIF, WebP, BMP, AVIF and HEIC/HEIF (these two
share the ISO media file layout). A GIF's size is its largest frame (a 1 x 1 screen may hold a 20000² frame), so
its frames are walked; a JPEG's frame header may sit behind megabytes of metadata. When the bytes read so far
end before the answer, `pixels` is None and the caller reads more (`whole=True`: there is no more).
Pure Python (struct), tested under CPython.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

FIRST_BYTES = 64 * 1024  # what is read first: every format's size is here, but for a JPEG with long metadata
GROWTH = 8  # then 8 times as much each time, up to the whole file (a JPEG's metadata, a GIF's frames)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
AVIF_BRANDS = {b"avif", b"avis"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # jpeg | png | gif | webp | bmp | avif | heic
    width: int | None  # None when the bytes read so far do not say
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


def _skip_sub_blocks(b: bytes, i: int) -> int | None:
    """The offset after a GIF's chain of data sub-blocks starting at i; None when it runs past the bytes."""
    while i < len(b):
        n = b[i]
        i += 1 + n
        if n == 0:
            return i
    return None


def _gif(b: bytes, whole: bool) -> tuple[int, int] | None:
    """The logical screen grown to cover every frame (what a decoder may allocate); None when the bytes end
    before the trailer and more may follow."""
    width, height = struct.unpack("<HH", b[6:10])
    flags, i = b[10], 13
    if flags & 0x80:
        i += 3 << ((flags & 7) + 1)  # global colour table
    while i < len(b):
        block = b[i]
        if block == 0x21 and i + 2 <= len(b):  # an extension: label, then sub-blocks
            end = _skip_sub_blocks(b, i + 2)
        elif block == 0x2C and i + 10 <= len(b):  # an image: its frame, then LZW data in sub-blocks
            left, top, w, h, fl = struct.unpack("<HHHHB", b[i + 1 : i + 10])
            width, height = max(width, left + w), max(height, top + h)
            start = i + 10 + ((3 << ((fl & 7) + 1)) if fl & 0x80 else 0) + 1  # local colour table, code size
            end = _skip_sub_blocks(b, start)
        else:  # the trailer (0x3B), or bytes a decoder stops at
            return width, height
        if end is None:
            break
        i = end
    return (width, height) if whole else None


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


def sniff(b: bytes, whole: bool = False) -> ImageInfo | None:
    """The image format and size from a file's first bytes (`whole`: all of them); None when it is no image
    format we know."""
    size: tuple[int, int] | None = None
    if b.startswith(b"\xff\xd8\xff"):
        fmt, size = "jpeg", _jpeg(b)
    elif b.startswith(b"\x89PNG\r\n\x1a\n") and len(b) >= 24:
        fmt, size = "png", struct.unpack(">II", b[16:24])
    elif b[:6] in (b"GIF87a", b"GIF89a") and len(b) >= 10:
        fmt, size = "gif", _gif(b, whole) if len(b) >= 13 else None
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
