"""Result cards (DOM, Pyodide): one card per photo in a container, for the sorter and for teach mode alike.

Each card follows the automation contract (README): [data-result] with data-id, data-name, data-status and,
when done, data-category, data-top, data-prob, data-overridden (data-duplicate-of for a photo already added);
data-error on error. Each card has a remove button ([data-remove]) and, on a failed photo whose file is still
here, a retry button ([data-retry]). `set_filter` shows one count's cards and `grouped` puts cards in a section
per category; app/page/card_window.js displays what the filter shows, of thousands a window around the screen.
Photos are classified through app/api.py's one classify path under the mode's rule (app/logic/rules.py), which
also names the categories; how a review is explained comes from the mode; `keep` (optional) is told of
every result, change and removal (the sorter saves them).
"""

import asyncio
from collections.abc import Callable
from typing import Protocol

from js import document, window
from pyodide.ffi import to_js

from app import api
from app.logic import corrections, review
from app.logic.mapping import REVIEW, Decision
from app.logic.queue import BUCKET_TITLES, DONE, ERROR, PENDING, Item, PhotoQueue
from app.logic.result import CANT_RETRY, ApiError
from app.logic.rules import Rule
from app.logic.teach import LABEL_GONE
from app.page.dom import js_object, listen


class Keeper(Protocol):
    def save(self, item: Item, thumb) -> None: ...
    def forget(self, item: Item) -> None: ...


NONE_OF_THESE = "None of these"  # the out-of-scope class in a card's top 3


def sentence(note: str) -> str:
    """A reason's note (" (unsure)", " · like 3 photos you moved to Vibes") as a line of its own: "Unsure"."""
    text = note.strip(" ()·")
    return text[:1].upper() + text[1:]


def count_key(item: Item) -> str:
    """Which count (app/logic/queue.py counts()) a card belongs to."""
    if item.status == DONE:
        return item.category
    return ERROR if item.status == ERROR else PENDING


class CardList:
    """Photos added -> queue -> api.classify(file, rule) -> cards. The rule is set when the mode is ready
    (None until then: cards say they wait)."""

    def __init__(self, container_id: str, queue: PhotoQueue, reasons: dict[str, str],
                 on_change: Callable[[], None] = lambda: None, keep: Keeper | None = None,
                 selectable: bool = False) -> None:
        self.container = document.getElementById(container_id)
        self.queue, self.reasons, self.on_change, self.keep = queue, reasons, on_change, keep
        self.rule: Rule | None = None
        self.names: Callable[[str], str] = str  # names categories until the rule is set (a reload's cards)
        self.on_override: Callable[[Item], None] = lambda _item: None  # told of each move the user makes
        self.files: dict = {}  # item id -> the File as added (this visit's photos): to classify, retry, Download sorted
        self.refused: set[int] = set()  # item ids snaptag can't read: a retry can't help, so no Retry
        self.thumbs: dict = {}  # item id -> its thumbnail Blob
        self.embeddings: dict = {}  # item id -> its embedding (a JS Float32Array), when the rule uses examples
        self.filter: str | None = None  # a count key: only its cards are shown
        self.grouped = False
        self.order = "newest"  # app/logic/review.py ORDERS
        self.selectable = selectable  # each card has a [data-select] checkbox (the sorter's review in bulk)
        self.nodes: dict[int, object] = {}  # item id -> its card
        self.window = window.snaptag.layout.CardWindow.new(self.container)  # what the filter shows; of thousands, some
        listen(self.container, "click", self._click)
        listen(self.container, "change", self._override)  # every card's category menu

    def name(self, category: str) -> str:
        return self.rule.name(category) if self.rule else self.names(category)

    def top_name(self, category: str) -> str:
        """A class in a card's top 3; the model's out-of-scope class (`other`: no category, so not in the menu)
        as what it means."""
        return self.name(category) if category in (self.queue.categories or ()) else NONE_OF_THESE

    def add_files(self, js_files) -> None:
        for f in js_files:
            item = self.queue.add(str(f.name), int(f.size), str(f.type))
            self.files[item.id] = f
            self.add(item)
        self.pump()
        self.on_change()

    def pump(self) -> None:
        if self.rule is None:  # the mode is not ready: photos wait (the rule's setter pumps)
            return
        for item in self.queue.take():
            self.render(item)
            asyncio.ensure_future(self.process(item))

    def card_of(self, item: Item):
        return self.nodes[item.id]

    def set_filter(self, key: str | None) -> None:
        """Show only the cards of count `key` (None: all)."""
        self.filter = key
        self.container.dataset.filter = key or ""  # app/page/card_window.js displays what it shows, at once

    def view(self, item: Item, thumb=None) -> dict:
        """What the card of `item` shows (app/page/card_dom.js draws it)."""
        retry = item.status == ERROR and item.id in self.files and item.id not in self.refused
        view = {"id": str(item.id), "name": item.name, "selectable": self.selectable, "status": item.status,
                "bucket": count_key(item), "retry": retry, "error": item.error if item.status == ERROR else None,
                "verdict": "Working…" if self.rule else "Waiting for the model…", "done": item.status == DONE}
        if thumb:
            view["thumb"] = thumb
        if item.status != DONE:
            return view
        decision: Decision = item.decision
        if item.override:  # the menu shows the category: the verdict says why it is there
            verdict = "Changed by you"
        elif decision.reason == corrections.REASON:
            verdict = sentence(corrections.explain(decision, self.name(decision.category)))
        elif decision.reason == LABEL_GONE and decision.base:
            verdict = f"Its label {decision.base[0]} was deleted"
        elif decision.reason:
            verdict = sentence(self.reasons.get(decision.reason, "")) or self.name(item.category)
        else:
            verdict = f"{decision.prob * 100:.0f}% sure"
        if item.duplicate_of is not None:
            first = self.queue.items.get(item.duplicate_of)
            verdict = f"Same photo as {first.name if first else 'one above'}: counted once"
        return view | {
            "verdict": verdict, "category": item.category, "top": decision.top[0][0] if decision.top else REVIEW,
            "prob": f"{decision.prob if decision.top else 0.0:.4f}", "overridden": bool(item.override),
            "duplicateOf": None if item.duplicate_of is None else str(item.duplicate_of),
            "topList": [f"{self.top_name(cid)} {p * 100:.0f}%" for cid, p in decision.top[:3]],
            "options": [[cid, self.name(cid)] for cid in [*(self.queue.categories or []), REVIEW]],
            "value": item.category, "selectHidden": item.duplicate_of is not None}

    def add(self, item: Item, thumb=None) -> None:
        self.add_many([(item, thumb)])

    def add_many(self, pairs: list) -> None:
        """Cards for (item, thumbnail or None) pairs, oldest first, in one call into JS (a reload shows
        thousands)."""
        made = window.snaptag.cards.addCards(self.container,
                                             js_object([self.view(item, thumb) for item, thumb in pairs]))
        for (item, thumb), card in zip(pairs, made, strict=True):
            self.nodes[item.id] = card
            if thumb:
                self.thumbs[item.id] = thumb
            self._place(card, item)

    def show_thumb(self, item: Item, blob) -> None:
        self.thumbs[item.id] = blob
        window.snaptag.cards.showThumb(self.card_of(item), blob)

    def render(self, item: Item) -> None:
        card = self.card_of(item)
        window.snaptag.cards.fillCard(card, js_object(self.view(item)))
        self._place(card, item)

    def _place(self, card, item: Item) -> None:
        """Grouped: in its category's section, newest first (another order is laid out again as a whole)."""
        if not self.grouped or self.order != "newest":
            return
        section = self._section(count_key(item))
        if card.parentElement != section:
            cards = [c for c in section.querySelectorAll("[data-result]") if int(c.dataset.id) < item.id]
            if cards:
                cards[0].before(card)
            else:
                section.append(card)

    def _title(self, key: str) -> str:
        return BUCKET_TITLES.get(key) or self.name(key)

    def _section(self, key: str):
        section = self.container.querySelector(f'[data-group="{key}"]')
        if not section:
            section = window.snaptag.layout.groupSection(key, self._title(key))
            self.container.append(section)
        return section

    def regroup(self) -> None:
        """Lay every card out again, newest first, grouped or not (after `grouped` changed): app/page/layout.js
        moves them in one call; none is rebuilt."""
        ids = [str(item.id) for item in review.ordered(self.queue.items.values(), self.order)]
        keys = [*(self.queue.categories or []), REVIEW, PENDING, ERROR]
        groups = [[key, self._title(key)] for key in keys] if self.grouped else None
        window.snaptag.layout.layOut(self.window, to_js(ids), to_js(groups))

    def _override(self, event) -> None:
        if not event.target.matches("select.override"):
            return
        item = self.queue.items.get(int(event.target.dataset.id))
        if item is not None:
            self.move(item, str(event.target.value))
            self.on_change()

    def move(self, item: Item, category: str) -> bool:
        """File a done card under `category` by the user's hand (kept, and learned from); False when it can't be
        (not done yet, or a copy that follows the first)."""
        if item.status != DONE or item.duplicate_of is not None:
            return False
        self.queue.set_override(item.id, category)
        self.render(item)
        if self.keep:
            self.keep.save(item, self.thumbs.get(item.id))
        self.on_override(item)
        return True

    def _click(self, event) -> None:
        button = event.target.closest("[data-remove], [data-retry]")
        card = button.closest("[data-result]") if button else None
        if not card or int(card.dataset.id) not in self.queue.items:
            return
        item = self.queue.items[int(card.dataset.id)]
        if button.hasAttribute("data-retry"):
            self.queue.retry(item.id)
            self.render(item)
            self.pump()
        else:
            self.remove(item)
        self.on_change()

    def remove(self, item: Item, forget: bool = True) -> None:
        """Take a card off; `forget`: and out of the kept results (False: another tab already did)."""
        promoted = self.queue.remove(item.id)
        self.nodes.pop(item.id).remove()
        self.files.pop(item.id, None)
        self.refused.discard(item.id)
        self.thumbs.pop(item.id, None)
        self.embeddings.pop(item.id, None)
        if forget and self.keep and item.duplicate_of is None and item.status == DONE:
            self.keep.forget(item)
        if promoted:
            self.render(promoted)
            if self.keep:
                self.keep.save(promoted, self.thumbs.get(promoted.id))

    def clear(self) -> None:
        for card in self.nodes.values():
            card.remove()
        self.nodes.clear()
        self.queue.clear()
        self.files.clear()
        self.refused.clear()
        self.thumbs.clear()
        self.embeddings.clear()
        self.regroup()

    async def process(self, item: Item) -> None:
        try:
            taught = self.rule is not None and self.rule.examples is not None
            res = await api.classify(self.files.get(item.id), self.rule, thumb=True, embedding=taught)
            if item.id not in self.queue.items:  # removed meanwhile
                return
            if res.embedding:  # kept, so that the card can follow its labels (teach mode)
                self.embeddings[item.id] = res.embedding
            self.queue.finish(item.id, res.decision, res.photo)
            if res.thumb:
                self.show_thumb(item, res.thumb)
            if self.keep and item.duplicate_of is None:
                self.keep.save(item, res.thumb)
        except ApiError as err:
            if item.id not in self.queue.items:
                return
            if err.code in CANT_RETRY:  # not a photo snaptag can read, or damaged: trying again can't help
                self.refused.add(item.id)
            self.queue.fail(item.id, err.message)
        except Exception as err:  # noqa: BLE001  a bug must not stop the queue
            if item.id not in self.queue.items:
                return
            self.queue.fail(item.id, f"Could not classify this photo: {err}")
        finally:
            self.pump()
        self.render(item)
        self.on_change()
