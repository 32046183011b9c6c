"""The sorter's summary and memory (DOM, Pyodide): counts (click one to show only its cards), group by
category, clear all, and the results kept in IndexedDB (app/logic/saved.py, app/page/results_store.js) so that they,
the overrides and the thumbnails come back after a reload or offline.
"""

import asyncio
from collections.abc import Callable

from js import Date, document, window

from app.api import awaited
from app.logic import saved
from app.logic.mapping import REVIEW
from app.logic.queue import BUCKET_TITLES, DONE, ERROR, PENDING, Item, PhotoQueue
from app.logic.result import ApiError
from app.page.cards import CardList
from app.page.dom import element, js_object, listen, next_task
from app.page.other_model import OtherResults
from app.page.tabs import tabs

RESTORE_CHUNK = 100  # results shown per task on a reload


def say(text: str) -> None:
    document.getElementById("saved-status").textContent = text


def not_kept(err: ApiError) -> str:
    """Why results are not kept, from the store's error."""
    if err.code == "QuotaExceededError":
        return "storage is full"
    return f"storage failed ({err.message})"


class Keeper:
    """Saves each result (and its override and thumbnail) as it changes; forgets removed ones. A write that fails
    (storage full, say) is said in #saved-status with how many results were not kept; sorting goes on."""

    def __init__(self, store, model_id: str, kind: str = "results", extra=None, name=None) -> None:
        self.store, self.model_id, self.kind = store, model_id, kind  # kind: what other tabs are told of
        self.extra = extra or (lambda _item: {})  # item -> more fields for its record (teach mode: the embedding)
        self.name = name or str  # names a category in the records (what another model version shows of them)
        self.on_put: Callable[[str], None] = lambda _digest: None  # told of each photo whose record was replaced
        self.others: OtherResults | None = None  # the model's store: another model version's results, listed
        self.added: dict[int, float] = {}  # item id -> when it was first kept (keeps the order across reloads)
        self.unsaved: set[int] = set()  # items whose last write failed

    def save(self, item: Item, thumb) -> None:
        added = self.added.setdefault(item.id, float(Date.now()))
        record = saved.to_record(item, self.model_id, added, self.name)
        self._write("put", js_object({**record, **self.extra(item), "thumb": thumb}), item=item)

    def forget(self, item: Item) -> None:
        self.added.pop(item.id, None)
        self.unsaved.discard(item.id)
        self.forget_record(item.photo.digest)

    def forget_record(self, digest: str) -> None:
        self._write("delete", digest)
        tabs.tell(self.kind, op="delete", id=digest)

    def clear(self) -> None:
        self.added.clear()
        self.unsaved.clear()
        self._write("clear")
        tabs.tell(self.kind, op="clear")

    def _write(self, method: str, *args, item: Item | None = None) -> None:
        """store[method](*args) (`item`: the result it keeps; the other tabs are told once it is written); writes
        commit in the order made; <html data-saving> counts those not yet settled."""
        root = document.documentElement
        root.dataset.saving = str(int(root.getAttribute("data-saving") or 0) + 1)

        async def wait() -> None:
            try:
                await awaited(self.store, method, *args)
                if item is not None:
                    self.unsaved.discard(item.id)
                    tabs.tell(self.kind, op="put", id=item.photo.digest)
                    self.on_put(item.photo.digest)
            except ApiError as err:  # a full disk must not stop sorting: say it, and what was not kept
                if item is not None:
                    self.unsaved.add(item.id)
                n = len(self.unsaved)
                say(f"Results can't be kept: {not_kept(err)}. {n} result{'s were' if n != 1 else ' was'} not kept; "
                    "export them before you leave." if n else f"Results can't be kept: {not_kept(err)}.")
            finally:
                root.dataset.saving = str(int(root.getAttribute("data-saving")) - 1)

        asyncio.ensure_future(wait())


def original(queue: PhotoQueue, digest: str) -> Item | None:
    """The card's item for a kept photo (not a later copy of it), if this page shows it."""
    return next((i for i in queue.items.values()
                 if i.photo is not None and i.photo.digest == digest and i.duplicate_of is None), None)


def show_records(cards: CardList, keeper: Keeper, records: list[dict]) -> list[Item | None]:
    """Kept records as cards (one call into JS for all: app/page/card_dom.js), their items; None for one that
    can't be shown here (another model made it, or it is unreadable)."""
    items = []
    for rec in records:
        item = saved.restore(cards.queue, {k: v for k, v in rec.items() if k not in ("thumb", "embedding")},
                             keeper.model_id)
        if item is not None:
            keeper.added[item.id] = float(rec.get("added") or 0)
            if rec.get("embedding"):  # a JS Float32Array: to learn from a correction, to follow the corrections
                cards.embeddings[item.id] = rec["embedding"]
        items.append(item)
    cards.add_many([(item, rec.get("thumb") or None) for item, rec in zip(items, records, strict=True) if item])
    return items


def show_record(cards: CardList, keeper: Keeper, rec: dict) -> Item | None:
    return show_records(cards, keeper, [rec])[0]


def build_counts(categories: list[str], name: Callable[[str], str]) -> None:
    """A count (and filter button) per category, then review, pending and error; `name` names a category."""
    keys = [*categories, REVIEW, PENDING, ERROR]
    items = []
    for key in keys:
        li = element("li")
        li.dataset.count = key
        button = element("button", "", (BUCKET_TITLES.get(key) or name(key)) + " ")
        button.type = "button"
        button.dataset.filter = key
        button.setAttribute("aria-pressed", "false")
        button.append(element("b", "", "0"))
        li.append(button)
        items.append(li)
    document.getElementById("counts").replaceChildren(*items)


def render_counts(queue: PhotoQueue) -> None:
    for key, n in queue.counts().items():
        node = document.querySelector(f'[data-count="{key}"] b')
        if node:
            node.textContent = str(n)
    document.getElementById("export").hidden = not any(i.status == DONE for i in queue.items.values())
    document.getElementById("sort-tools").hidden = not queue.items
    document.getElementById("bulk").hidden = not queue.items


def wire(cards: CardList, keeper: Keeper | None) -> None:
    def on_filter(event) -> None:
        button = event.target.closest("[data-filter]")
        if not button:
            return
        key = str(button.dataset.filter)
        cards.set_filter(None if cards.filter == key else key)
        for node in document.querySelectorAll("[data-filter]"):
            node.setAttribute("aria-pressed", "true" if node.dataset.filter == cards.filter else "false")

    def on_group(event) -> None:
        cards.grouped = bool(event.target.checked)
        cards.regroup()

    def on_clear(_event) -> None:
        n = len(cards.queue.items)
        if n and window.confirm(f"Remove all {n} photos and their results from this page and this browser?"):
            cards.clear()
            if cards.keep:  # the results of what the page sorts with now (app/page/sort_with.py)
                cards.keep.clear()
                if cards.keep.others:
                    cards.keep.others.show([])  # the store held them too
            cards.on_change()

    async def shown_elsewhere(digest: str) -> None:
        """Another tab kept a result: show it here, or its new category (read from the store, not written)."""
        record = await awaited(keeper.store, "get", digest)
        if not record:
            return
        rec = record.to_py()
        same = original(cards.queue, digest)
        if same is not None and same.status == DONE:
            cards.render(cards.queue.set_override(same.id, rec.get("override") or None))
        else:
            show_record(cards, keeper, rec)
        cards.on_change()

    def changed_elsewhere(message: dict) -> None:
        """Another tab changed the kept results: follow it here (nothing is written again)."""
        if keeper is None or cards.keep is not keeper:
            return  # this tab sorts with a label set now: the model's results are not on it
        if message.get("op") == "put":
            asyncio.ensure_future(shown_elsewhere(str(message.get("id"))))
        elif message.get("op") == "clear":
            cards.clear()
            if keeper:
                keeper.added.clear()
            say("All results were removed in another tab.")
        elif message.get("op") == "delete" and (gone := original(cards.queue, str(message.get("id")))):
            cards.remove(gone, forget=False)
        cards.on_change()

    tabs.on("results", changed_elsewhere)
    listen("counts", "click", on_filter)
    listen("group-by-category", "change", on_group)
    listen("clear-all", "click", on_clear)


async def restore(cards: CardList, store, model_id: str, keeper: Keeper | None = None) -> Keeper:
    """Bring back the results kept from earlier visits, oldest first (newest card on top), and list another
    model version's apart (app/page/other_model.py); `keeper`: the store's (when the sorter comes back to the
    model's categories from a label set)."""
    if keeper is None:
        keeper = Keeper(store, model_id, extra=lambda item: {"embedding": cards.embeddings.get(item.id)},
                        name=cards.name)
        keeper.others = OtherResults(keeper, cards.add_files)
        keeper.on_put = keeper.others.replaced
    others = keeper.others
    records = list(await awaited(store, "all"))
    shown, theirs = 0, []
    for start in range(0, len(records), RESTORE_CHUNK):
        if start:
            await next_task()  # thousands of results: no long task
        chunk = [record.to_py() for record in records[start : start + RESTORE_CHUNK]]  # thumbnails stay JS Blobs
        items = show_records(cards, keeper, chunk)
        shown += sum(item is not None for item in items)
        theirs += [rec for rec, item in zip(chunk, items, strict=True)
                   if item is None and saved.by_other_model(rec, model_id)]
    others.show(theirs)
    notes = [f"{shown} result{'s' if shown != 1 else ''} from your last visit (the photos themselves are not "
             "kept)"] if shown else []
    if theirs:
        n = len(theirs)
        notes.append(f"{n} result{'s' if n != 1 else ''} made by another model version {'are' if n != 1 else 'is'} "
                     "listed below, not counted: add their photos again to sort them with this one")
    if notes:
        say("; ".join(notes) + ".")
    return keeper
