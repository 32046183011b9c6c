"""The photo queue: every file the user adds, its state, its result and any manual override.

Pure Python. The DOM layer keeps the File objects (by item id) and asks the queue what to do next.
States: queued -> working -> done | error. Items wait while the model is not ready. The queue files what it is
told: decisions come from a rule (app/logic/rules.py), and whether a file can be read at all from the classify path
(app/api.py checks each file once).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.logic.errors import UserError
from app.logic.mapping import REVIEW, REVIEW_NAME, Decision

QUEUED, WORKING, DONE, ERROR = "queued", "working", "done", "error"
PENDING = "pending"  # the count of queued and working photos
BUCKET_TITLES = {REVIEW: REVIEW_NAME, PENDING: "In progress", ERROR: "Errors"}  # counts besides the categories


class QueueError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class PhotoInfo:
    """What the worker learnt of a photo it read."""

    digest: str  # SHA-256 of the file's bytes (hex): the photo's identity, whatever its name
    width: int
    height: int
    finished_at: str  # ISO 8601, when its result came


@dataclass
class Item:
    id: int
    name: str
    size: int
    mime: str
    status: str = QUEUED
    decision: Decision | None = None
    override: str | None = None
    error: str = ""
    photo: PhotoInfo | None = None
    duplicate_of: int | None = None  # the id of an earlier item with the same bytes: not counted or exported

    @property
    def category(self) -> str | None:
        """Where the photo is filed: the override if any, else the model's decision."""
        if self.status != DONE or self.decision is None:
            return None
        return self.override or self.decision.category


@dataclass
class PhotoQueue:
    categories: list[str] | None = None  # what a photo can be filed under (besides REVIEW); None: not ready
    max_in_flight: int = 2
    items: dict[int, Item] = field(default_factory=dict)
    _next_id: int = 1

    def restore(self, name: str, size: int, mime: str, decision: Decision, override: str | None,
                photo: PhotoInfo) -> Item:
        """A result kept from an earlier visit, as a done item."""
        item = Item(self._next_id, name, size, mime, DONE, decision, override, photo=photo)
        self._next_id += 1
        self.items[item.id] = item
        return item

    def add(self, name: str, size: int, mime: str) -> Item:
        item = Item(self._next_id, name, size, mime)
        self._next_id += 1
        self.items[item.id] = item
        return item

    def model_ready(self, categories: list[str]) -> None:
        self.categories = list(categories)

    def in_flight(self) -> int:
        return sum(1 for i in self.items.values() if i.status == WORKING)

    def take(self) -> list[Item]:
        """Queued items to start now (oldest first), marked working; none while the model is not ready."""
        if self.categories is None:
            return []
        free = self.max_in_flight - self.in_flight()
        started = [i for i in self.items.values() if i.status == QUEUED][: max(0, free)]
        for item in started:
            item.status = WORKING
        return started

    def _get(self, item_id: int) -> Item:
        if item_id not in self.items:
            raise QueueError(f"no photo with id {item_id}")
        return self.items[item_id]

    def finish(self, item_id: int, decision: Decision, photo: PhotoInfo | None = None) -> Item:
        item = self._get(item_id)
        if self.categories is None:
            raise QueueError("a result arrived before the model was ready")
        item.decision, item.photo = decision, photo
        item.status = DONE
        first = self.same_photo(item)
        if first is not None:
            item.duplicate_of, item.override = first.id, first.override
        return item

    def same_photo(self, item: Item) -> Item | None:
        """The earliest other done item with the same bytes (content hash), if any."""
        if item.photo is None or not item.photo.digest:
            return None
        return next((i for i in self.items.values() if i.id != item.id and i.status == DONE
                     and i.duplicate_of is None and i.photo is not None and i.photo.digest == item.photo.digest),
                    None)

    def remove(self, item_id: int) -> Item | None:
        """Forget an item (a result still on its way for it is then dropped). When it had duplicates, the
        first of them takes its place; that item is returned."""
        self._get(item_id)
        del self.items[item_id]
        dups = [i for i in self.items.values() if i.duplicate_of == item_id]
        for dup in dups:
            dup.duplicate_of = dups[0].id if dup is not dups[0] else None
        return dups[0] if dups else None

    def retry(self, item_id: int) -> Item:
        """Queue a failed item again."""
        item = self._get(item_id)
        if item.status != ERROR:
            raise QueueError(f"{item.name} has not failed")
        item.status, item.error = QUEUED, ""
        return item

    def clear(self) -> None:
        self.items.clear()

    def fail(self, item_id: int, message: str) -> Item:
        item = self._get(item_id)
        item.status, item.error = ERROR, message
        return item

    def set_override(self, item_id: int, category: str | None) -> Item:
        """File a done photo under `category` by hand (None or the model's own choice clears it)."""
        item = self._get(item_id)
        if item.status != DONE or item.decision is None:
            raise QueueError(f"{item.name} has no result to override")
        allowed = set(self.categories or ()) | {REVIEW}
        if category is not None and category not in allowed:
            raise QueueError(f"unknown category {category!r}")
        item.override = None if category in (None, item.decision.category) else category
        return item

    def counts(self) -> dict[str, int]:
        """Photos per category (in-scope class ids and REVIEW), plus pending and error counts."""
        keys = list(self.categories or [])
        counts = dict.fromkeys([*keys, REVIEW, PENDING, ERROR], 0)
        for item in self.items.values():
            if item.duplicate_of is not None:
                continue
            if item.status == DONE:
                counts[item.category] = counts.get(item.category, 0) + 1
            elif item.status == ERROR:
                counts[ERROR] += 1
            else:
                counts[PENDING] += 1
        return counts

    def pending(self) -> int:
        return sum(1 for i in self.items.values() if i.status in (QUEUED, WORKING))
