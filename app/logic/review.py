"""Reviewing many cards at once (the sorter): which cards are selected, in what order the cards are shown, which
key files the focused card where, and how the view is remembered. Pure Python (app/page/review.py is the DOM).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from app.logic.mapping import REVIEW
from app.logic.queue import DONE, Item

ORDERS = {"newest": "Newest first", "least_sure": "Least sure first"}
REVIEW_KEYS = ("0", "r")  # what files the focused card under Needs review; 1-9 file it under the n-th category


@dataclass
class Selection:
    """Selected card ids, like a file manager's: a click toggles one and sets the anchor; a shift-click selects
    every card from the anchor to it, in the order they are shown."""

    ids: set[int] = field(default_factory=set)
    anchor: int | None = None

    def click(self, item_id: int, shown: Sequence[int], shift: bool = False) -> None:
        if shift and self.anchor in shown and item_id in shown:
            a, b = sorted((shown.index(self.anchor), shown.index(item_id)))
            self.ids.update(shown[a : b + 1])
            return
        self.ids.symmetric_difference_update({item_id})
        self.anchor = item_id

    def select(self, ids: Iterable[int]) -> None:
        self.ids.update(ids)

    def clear(self) -> None:
        self.ids.clear()
        self.anchor = None

    def keep_only(self, existing: Iterable[int]) -> None:
        """Forget cards that are gone."""
        self.ids.intersection_update(existing)
        if self.anchor not in self.ids:
            self.anchor = None


def sure(item: Item) -> float:
    """How sure the card's decision is (a card not done yet sorts last)."""
    if item.status != DONE or item.decision is None or not item.decision.top:
        return 2.0
    return item.decision.prob


def ordered(items: Iterable[Item], order: str) -> list[Item]:
    """The cards in the order shown: newest first, or the least sure first (then newest)."""
    newest = sorted(items, key=lambda i: -i.id)
    return sorted(newest, key=sure) if order == "least_sure" else newest


def key_category(key: str, categories: Sequence[str]) -> str | None:
    """The category a key files the focused card under: 1-9 the n-th category, 0 or r Needs review."""
    if key.lower() in REVIEW_KEYS:
        return REVIEW
    if key.isdigit() and 1 <= int(key) <= min(9, len(categories)):
        return categories[int(key) - 1]
    return None


@dataclass
class View:
    """What the sorter remembers of how it is shown (localStorage)."""

    filter: str | None = None
    grouped: bool = False
    order: str = "newest"

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: object) -> View:
        """A remembered view; anything unreadable is the default view."""
        try:
            raw = json.loads(str(text)) if text else {}
        except ValueError:
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        flt, order = raw.get("filter"), raw.get("order")
        return cls(flt if isinstance(flt, str) else None, raw.get("grouped") is True,
                   order if order in ORDERS else "newest")
