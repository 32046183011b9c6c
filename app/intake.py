"""What the user dropped: accept it, or say clearly why not. Also turns worker errors into user messages."""

from __future__ import annotations

MAX_BYTES = 100 * 1024 * 1024
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
    """None when the file may be an image worth decoding, else the message for its card."""
    mime = (mime or "").lower()
    if size == 0:
        return "The file is empty (0 bytes)."
    if size > MAX_BYTES:
        return f"The file is too large ({size / 1e6:.0f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB)."
    if is_heic(name, mime):
        return HEIC_MESSAGE
    if mime.startswith("image/") or (not mime and _extension(name) in IMAGE_EXTENSIONS):
        return None
    if mime:
        return f"Not an image: this is a {mime} file."
    return f"Not an image: {name!r} has no image type or extension."


def decode_failure(name: str, mime: str, detail: str) -> str:
    """The message for a file the browser could not decode."""
    if is_heic(name, mime):
        return HEIC_MESSAGE
    return "Could not read this image: the file is corrupt or in a format this browser can't decode."


def worker_failure(code: str, detail: str, name: str = "", mime: str = "") -> str:
    if code == "decode":
        return decode_failure(name, mime, detail)
    if code == "timeout":
        return "Processing took too long and was stopped; try a smaller photo."
    return f"Could not classify this photo: {detail}"
