"""Download sorted: which original file goes where in the zip (one folder per category), and what is left out.

Pure Python: the page (app/page/sorter.py) passes the items and which of them it still has the file of; the
zip itself is streamed by app/page/archive.js. Folder names are the categories' names as the user sees them,
made safe for every file system; file names keep the user's own, made unique within their folder
("photo.jpg", "photo (2).jpg"). A photo added twice goes in once. The index (index.csv, index.json: the export's
rows with a `path` column) lists every photo, the left-out ones with an empty path and why. Photos beyond
PART_BYTES go in further zips ("snaptag-sorted-2-of-3.zip"); the index and the corrections go in the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.logic.queue import DONE, ERROR, Item

NOT_SORTED = "Not sorted"  # the folder of photos snaptag could not read (they still come out)
UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')  # not allowed in a file name on Windows, macOS or Linux
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 120  # characters of a file or folder name kept (file systems allow 255 bytes)
PART_BYTES = 1_000_000_000  # photos per zip at most: Chromium never delivered a 2.96 GB zip Blob; 1.92 GB came


@dataclass(frozen=True)
class Entry:
    item_id: int
    path: str  # "<folder>/<file>" in the zip


@dataclass(frozen=True)
class Plan:
    entries: list[Entry]
    left_out: dict[int, str]  # item id -> why it is not in the zip


def safe(name: str, fallback: str) -> str:
    """A file or folder name any file system takes: no separators, control or reserved characters, no leading or
    trailing dots or spaces, not a Windows device name, at most MAX_NAME characters (the extension kept)."""
    cleaned = UNSAFE.sub("_", name).strip(" .")
    if not cleaned or cleaned.split(".")[0].upper() in RESERVED:
        cleaned = f"{fallback}_{cleaned}" if cleaned else fallback
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        cleaned = (stem if keep else cleaned)[: MAX_NAME - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    return cleaned


def unique(name: str, taken: set[str]) -> str:
    """`name`, or "stem (2).ext", "stem (3).ext", ...: the first not in `taken` (compared case-insensitively, as
    Windows and macOS do). Adds it to `taken`."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    taken.add(candidate.lower())
    return candidate


STILL_SORTING = "still being sorted"
NO_FILE = "the page no longer has this photo (added before a reload)"


def left_out_why(item: Item, have_file: Callable[[int], bool]) -> str | None:
    """Why a photo (not a later copy of another) can't go in the zip, or None."""
    if item.status not in (DONE, ERROR):
        return STILL_SORTING
    return None if have_file(item.id) else NO_FILE


def offer(items: list[Item], have_file: Callable[[int], bool]) -> str:
    """What Download sorted can include, said on its button before it runs. With no photo, the zip still holds
    the index (every photo, and why it is not there) and the corrections."""
    photos = [item for item in items if item.duplicate_of is None]
    why = [left_out_why(item, have_file) for item in photos]
    n, old = why.count(None), why.count(NO_FILE)
    text = f"Download sorted (zip, {n} photo{'s' if n != 1 else ''}"
    if n < len(photos):
        text = f"Download sorted (zip, {n} of {len(photos)} photos"
    if old:
        text += f"; {old} added before a reload can't be included"
    return text + ")"


def plan(items: list[Item], have_file: Callable[[int], bool], name: Callable[[str], str]) -> Plan:
    """Where each photo goes: `have_file(item_id)`: whether the page still has its original; `name`: a category's
    name (the folder). Photos still being sorted, and those whose file the page no longer has, are left out."""
    entries, left_out = [], {}
    taken: dict[str, set[str]] = {}
    for item in items:
        if item.duplicate_of is not None:
            continue
        why = left_out_why(item, have_file)
        if why:
            left_out[item.id] = why
            continue
        folder = safe(name(item.category), "category") if item.status == DONE else NOT_SORTED
        file = unique(safe(item.name, "photo"), taken.setdefault(folder, set()))
        entries.append(Entry(item.id, f"{folder}/{file}"))
    return Plan(entries, left_out)


def parts(entries: list[Entry], size: Callable[[int], int], limit: int = PART_BYTES) -> list[list[Entry]]:
    """The entries in zips of at most `limit` bytes of photos each (`size(item_id)`: a photo's bytes), in order,
    each zip's folders complete as far as it goes; a photo larger than `limit` makes a zip of its own. Extracted
    into one folder, the zips give the same tree as one zip would."""
    out: list[list[Entry]] = [[]]
    held = 0
    for entry in entries:
        n = size(entry.item_id)
        if out[-1] and held + n > limit:
            out.append([])
            held = 0
        out[-1].append(entry)
        held += n
    return out


def zip_names(count: int, base: str = "snaptag-sorted") -> list[str]:
    """The file names of `count` zips: "snaptag-sorted.zip", or "snaptag-sorted-1-of-3.zip", ..."""
    return [f"{base}.zip"] if count == 1 else [f"{base}-{i}-of-{count}.zip" for i in range(1, count + 1)]


INDEX_FIELDS = ("path", "not_included")  # the index's columns beyond the export's (app/logic/report.py)


def index_fields(sorted_plan: Plan) -> Callable[[Item], dict]:
    """The index's extra fields of a photo: where it is in the zip, or why it is not."""
    paths = {e.item_id: e.path for e in sorted_plan.entries}
    return lambda item: {"path": paths.get(item.id), "not_included": sorted_plan.left_out.get(item.id)}


def summary(sorted_plan: Plan, zips: int = 1) -> str:
    """What the user is told once the zip (or `zips` of them) is made."""
    n, folders = len(sorted_plan.entries), len({e.path.split("/")[0] for e in sorted_plan.entries})
    text = f"Downloaded {n} photo{'s' if n != 1 else ''} in {folders} folder{'s' if folders != 1 else ''}"
    if zips > 1:
        text += f", as {zips} zips (extract them into one folder)"
    gone = len(sorted_plan.left_out)
    if gone:
        reasons = sorted(set(sorted_plan.left_out.values()))
        text += (f"; {gone} not included ({'; '.join(reasons)}): index.csv lists "
                 f"{'them' if gone != 1 else 'it'}")
    return text + "."
