"""The sorter learns from the user's corrections (DOM, Pyodide; the rule is app/logic/corrections.py).

A card the user moves to another category becomes an example of that category in the site's correction set: a
label set of snaptag's own (`.corrections`, app/labels.py; the worker keeps its vectors in IndexedDB), keyed by
the photo's content hash, made from the card's kept embedding and thumbnail (no second trip of the photo).
Moving it back, or to *Needs review*, takes the example out. Whenever the set changes (here, or in another tab)
every card with an embedding is decided again: the model's own decision (kept in the card) under the corrections
as they are now, the card's own correction left out. The panel `#corrections` lists them (Undo each, Forget all),
exports them as a labels file and imports one (from another machine).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from js import document, window

from app import labels
from app.logic.corrections import REASON, SET_NAME, CorrectedRule, learnable
from app.logic.queue import DONE, Item
from app.logic.result import ApiError, ModelInfo
from app.logic.teach import TeachError
from app.page import sorter
from app.page.cards import CardList
from app.page.dom import download, element, listen, next_task
from app.page.tabs import tabs

SETTLE_S = 0.2  # a burst of changes is followed once, after it
FOLLOW_CHUNK = 200  # cards decided again per task


def say(text: str, error: bool = False) -> None:
    node = document.getElementById("corrections-status")
    node.textContent = text
    node.classList.toggle("error", error)


class Learning:
    """The correction set, the sorter's rule over it, and the panel that shows it."""

    def __init__(self, cards: CardList, model: ModelInfo, label_set: labels.LabelSet) -> None:
        self.cards, self.model, self.set = cards, model, label_set
        self.rule = CorrectedRule(model.rule, label_set.teach)
        self.photos: dict[str, object] = {}  # example id -> its thumbnail Blob (for the list)
        self.photos_from_store()
        self.pending = None
        self.lock = asyncio.Lock()  # one move learned at a time: a bulk move makes many at once
        label_set.watch(self.changed)

    def photos_from_store(self) -> None:
        """The examples' thumbnails as the worker last read the set."""
        self.photos = {str(ex["id"]): ex["photo"] for ex in self.set.opened.examples.to_py()}

    @classmethod
    async def open(cls, cards: CardList, model: ModelInfo) -> Learning:
        return cls(cards, model, await labels.open(SET_NAME, own=True))

    # -- a user's move ------------------------------------------------------------------------------------------
    async def moved(self, item: Item) -> None:
        """A card's category was changed by the user: learn it, or unlearn it."""
        if item.photo is None or item.duplicate_of is not None or self.cards.rule is not self.rule:
            return  # (sorting with a label set: its moves are not café corrections)
        async with self.lock:  # the list is shown anew when the cards have followed (`follow`)
            await self._learn(item, item.photo.digest)

    async def _learn(self, item: Item, ex_id: str) -> None:
        try:
            if ex_id in self.set.teach.examples:
                await self.set.delete_example(ex_id)
                self.photos.pop(ex_id, None)
            embedding, thumb = self.cards.embeddings.get(item.id), self.cards.thumbs.get(item.id)
            if learnable(item.override) and embedding is not None and thumb is not None:
                label = item.override
                if label not in self.set.teach.counts:
                    await self.set.add_label(label)
                await self.set.add(label, embedding=embedding, photo=thumb, ex_id=ex_id)
                self.photos[ex_id] = thumb
        except (ApiError, TeachError) as err:
            say(f"This correction could not be learned: {getattr(err, 'message', err)}", error=True)

    def on_override(self, item: Item) -> None:
        asyncio.ensure_future(self.moved(item))

    async def settled(self) -> None:
        """Returns once every move made so far is learned (Export and Download sorted wait for it: their files
        have them all)."""
        async with self.lock:
            pass

    # -- cards follow the corrections ---------------------------------------------------------------------------
    def changed(self, _label_set) -> None:
        if self.pending is not None:
            self.pending.cancel()
        self.pending = asyncio.get_event_loop().call_later(SETTLE_S, lambda: asyncio.ensure_future(self.follow()))

    async def follow(self) -> None:
        """Every card with an embedding, decided again under the corrections as they are now."""
        self.pending = None
        cards = self.cards
        if cards.rule is not self.rule:
            return  # the sorter sorts with a label set now: its cards follow that set
        items = [i for i in cards.queue.items.values()
                 if i.status == DONE and i.id in cards.embeddings and i.photo is not None]
        if not self.set.teach.examples:  # none: only cards decided by corrections change (back to the model's)
            items = [i for i in items if i.decision.reason == REASON]
        if not items:
            self.show()
            return
        try:
            nearest = await self.set.nearest([cards.embeddings[i.id] for i in items], self.rule.config.k + 1)
        except ApiError as err:
            say(f"Cards could not follow your corrections: {err.message}", error=True)
            return
        for n, (item, near) in enumerate(zip(items, nearest, strict=True), 1):
            if n % FOLLOW_CHUNK == 0:
                await next_task()  # thousands of cards: no long task
            if item.id not in cards.queue.items:
                continue  # removed meanwhile
            sims = [row for row in near if row[0] != item.photo.digest]  # not the card's own correction
            decision = self.rule.overlay(item.decision, sims)
            if decision != item.decision:
                item.decision = decision  # a card the user moved stays where they put it
                cards.render(item)
                if cards.keep and item.duplicate_of is None:
                    cards.keep.save(item, cards.thumbs.get(item.id))
        cards.on_change()
        self.show()

    # -- the panel ----------------------------------------------------------------------------------------------
    def show(self) -> None:
        """One row per correction, newest first. A row whose correction stays is kept with its thumbnail; the
        others' object URLs are revoked."""
        examples = self.set.teach.examples
        document.getElementById("corrections-count").textContent = str(len(examples))
        listing = document.getElementById("corrections-list")
        kept = {str(row.dataset.correction): row for row in listing.children}
        rows = []
        for ex_id, category in reversed(list(examples.items())):
            row = kept.get(ex_id)
            if row is not None and row.dataset.category == category and (ex_id not in self.photos
                                                                          or row.querySelector("img")):
                del kept[ex_id]
            else:
                row = self.row(ex_id, category)
            rows.append(row)
        for row in kept.values():
            for img in row.querySelectorAll("img"):
                window.URL.revokeObjectURL(img.src)
        listing.replaceChildren(*rows)

    def row(self, ex_id: str, category: str):
        row = element("li")
        row.dataset.correction = ex_id
        row.dataset.category = category
        if ex_id in self.photos:
            row.append(window.snaptag.cards.thumbImage(self.photos[ex_id]))  # app/page/card_dom.js
        known = category in self.rule.model.cmap.ids
        row.append(element("span", "", f"→ {self.rule.name(category) if known else category + ' (not used)'}"))
        undo = element("button", "", "Undo")
        undo.type = "button"
        undo.setAttribute("data-undo", ex_id)
        row.append(undo)
        return row

    async def undo(self, ex_id: str) -> None:
        """Take one correction back: the example goes, and the card it came from (if shown) goes back to the
        model's decision."""
        if ex_id not in self.set.teach.examples:
            return
        try:
            await self.set.delete_example(ex_id)
        except ApiError as err:
            say(f"Could not undo: {err.message}", error=True)
            return
        self.photos.pop(ex_id, None)
        item = sorter.original(self.cards.queue, ex_id)  # the card it came from, if shown
        if item is not None and item.override:
            item.override = None
            self.cards.render(item)
            if self.cards.keep:
                self.cards.keep.save(item, self.cards.thumbs.get(item.id))
        say("Correction undone.")
        self.show()

    async def reset(self) -> None:
        await self.settled()  # a move made just before the click is counted, and forgotten with the rest
        n = len(self.set.teach.examples)
        if not n or not window.confirm(f"Forget all {n} corrections? Photos you moved stay where you put them; "
                                       "new photos are sorted by the model alone."):
            return
        try:
            async with self.lock:  # no move is learned halfway through
                for label in list(self.set.teach.labels):
                    await self.set.clear_class(label)
        except ApiError as err:
            say(f"Could not forget them all: {err.message}", error=True)
            return
        self.photos.clear()
        say(f"Forgot {n} corrections.")
        self.show()

    async def export(self) -> None:
        await self.settled()  # a move made just before the click is in the file
        n = len(self.set.teach.examples)
        if not n:
            say("Nothing to export yet: move a card to another category first.", error=True)
            return
        download(await self.set.export(), "snaptag-corrections.json", "application/json")
        say(f"Exported {n} corrections.")

    async def import_file(self, event) -> None:
        """A corrections file (Export's, from another machine): its examples of this model's categories are
        added; anything else is left out and said."""
        picker = event.target
        chosen = picker.files.item(0)
        picker.value = ""
        if not chosen:
            return
        categories = {c.id for c in self.model.cmap.categories}
        try:
            parsed = await labels.parse(chosen)
        except ApiError as err:
            say(f"{chosen.name}: {err.message}", error=True)
            return
        foreign = [name for name in parsed.labels if name not in categories]
        kept = tuple(e for e in parsed.examples if e.label in categories)
        left = len(parsed.examples) - len(kept)
        parsed = replace(parsed, labels=tuple(n for n in parsed.labels if n in categories), examples=kept)
        try:
            added, problems = await self.set.take(parsed)
        except ApiError as err:
            say(f"{chosen.name}: {err.message}", error=True)
            return
        await self.set.read()  # the photos of what was added, for the list
        self.photos_from_store()
        note = f"Imported {added} corrections"
        if foreign:
            note += f"; left out {left} of categories this model does not have ({', '.join(foreign[:5])})"
        if problems:
            note += f"; left out {len(problems)}: {'; '.join(problems[:3])}"
        say(note + ".", error=bool(foreign or problems))
        self.show()

    def elsewhere(self, message: dict) -> None:
        """Another tab changed the corrections: read them again (the cards follow)."""
        if message.get("set") == SET_NAME:
            asyncio.ensure_future(self.reread())

    async def reread(self) -> None:
        try:
            await self.set.read()
        except ApiError:
            return
        self.photos_from_store()
        self.show()

    def wire(self) -> None:
        def on_click(event) -> None:
            button = event.target.closest("[data-undo]")
            if button:
                asyncio.ensure_future(self.undo(str(button.getAttribute("data-undo"))))

        listen("corrections-list", "click", on_click)
        listen("corrections-reset", "click", lambda _e: asyncio.ensure_future(self.reset()))
        listen("corrections-export", "click", lambda _e: asyncio.ensure_future(self.export()))
        listen("corrections-import", "change", lambda e: asyncio.ensure_future(self.import_file(e)))
        tabs.on("teach", self.elsewhere)
        self.cards.on_override = self.on_override
        self.show()
