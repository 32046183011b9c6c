"""What the user dropped: accept it, or say clearly why not. Also turns worker errors into user messages.

Two checks: `check` on the name, size and type (instant), then `check_header` on the file's first bytes
(app/logic/imagesize.py): what the bytes say it is, and how many pixels it would decode to, before anything decodes.
"""

from __future__ import annotations

from app.logic.imagesize import sniff

MAX_BYTES = 100_000_000  # 100 MB
MAX_PIXELS = 50_000_000  # 50 megapixels: a decoded 50 MP image takes 200 MB; phones' cameras stay below
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jfif", ".png", ".webp", ".gif", ".bmp", ".avif", ".ico"}
HEIC_EXTENSIONS = {".heic", ".heif"}
HEIC_TYPES = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}

HEIC_MESSAGE = "HEIC/HEIF photos can't be decoded by this browser; export the photo as JPEG and add it again."


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def is_heic(name: str, mime: str) -> bool:
    return mime.lower() in HEIC_TYPES or _extension(name) in HEIC_EXTENSIONS


def check(name: str, size: int, mime: str) -> str | None:
    """None when the file may be an image worth reading, else the message for its card (HEIC is judged by
    its bytes in check_header: a JPEG named .heic is fine)."""
    mime = (mime or "").lower()
    if size == 0:
        return "The file is empty (0 bytes)."
    if size > MAX_BYTES:
        return f"The file is too large ({size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB)."
    if mime.startswith("image/") or is_heic(name, mime) or (not mime and _extension(name) in IMAGE_EXTENSIONS):
        return None
    if not mime and not name:  # a Blob without a type: its bytes decide (check_header)
        return None
    if mime:
        return f"Not an image: this is a {mime} file."
    return f"Not an image: {name!r} has no image type or extension."


def needs_more(header: bytes) -> bool:
    """Whether the bytes read so far are a known format whose size lies further on (a JPEG behind long
    metadata, a GIF's later frames): then read more before judging it."""
    info = sniff(header)
    return info is not None and info.format != "heic" and info.pixels is None


def check_header(name: str, mime: str, header: bytes, whole: bool = True) -> str | None:
    """None when the image may be decoded, else the message for its card (`whole`: `header` is the whole file,
    or as much as needs_more asked for). The bytes decide, not the name: a JPEG called .heic is a JPEG."""
    info = sniff(header, whole)
    if info is None:
        return decode_failure(name, mime, "unknown signature")
    if info.format == "heic":
        return HEIC_MESSAGE
    if info.pixels is None:
        return f"Could not read this {info.format.upper()}'s size from its header; it may be damaged."
    if info.pixels > MAX_PIXELS:
        return (f"The image is too large to open safely: {info.width} × {info.height} pixels "
                f"({info.pixels / 1e6:.1f} MP; the limit is {MAX_PIXELS / 1e6:.0f} MP). Scale it down and add it "
                "again.")
    return None


def decode_failure(name: str, mime: str, detail: str) -> str:
    """The message for a file the browser could not decode."""
    if is_heic(name, mime):
        return HEIC_MESSAGE
    return "Could not read this image: the file is corrupt or in a format this browser can't decode."


def worker_failure(code: str, detail: str, name: str = "", mime: str = "") -> str:
    if code == "decode":
        return decode_failure(name, mime, detail)
    if code == "worker_died":
        return ("This photo stopped the image worker twice, so it was skipped: it may be damaged, or too large "
                "for this device.")
    if code == "conflict":
        return detail[:1].upper() + detail[1:] + "."
    if code == "storage":
        return f"This browser could not keep it: {detail}."
    return f"Could not classify this photo: {detail}"
