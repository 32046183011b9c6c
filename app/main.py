"""snaptag's DOM layer (runs in Pyodide via PyScript): start-up, the sorter and the switch to teach mode.
Logic lives in the pure modules beside it; cards in app/page/cards.py, the sorter's summary and memory in
app/page/sorter.py; teach mode in app/page/teach.py and its siblings, imported once the sorter is up.

window.snaptag (worker/api.js, app/page/boot.js) holds the worker client, the model-loading promise and the photos
added before Python was up; from here on every added photo comes to `add_files`.
"""

import asyncio
from dataclasses import dataclass

from js import document, window
from pyodide.ffi import create_proxy, to_js

from app import api
from app.logic.result import ApiError, ModelInfo
from app.page.dom import download, listen, next_task

await next_task()  # noqa: F704, PLE1142  the page's modules in a second task: together they made a 190 ms task
from app.logic import report, teach  # noqa: E402
from app.logic.queue import DONE, ERROR, PhotoQueue  # noqa: E402
from app.page import sorter  # noqa: E402
from app.page.cards import CardList  # noqa: E402
from app.page.download import download_sorted, offer  # noqa: E402

# a taught model or a label set (Sort with) sends what is unlike every label to review: app/logic/teach.py's reasons
SORT_REASONS = {"out_of_scope": " (not a photo of these categories)", **teach.REASONS}  # teach's: unsure too
MODE_KEY = "snaptag:mode"  # localStorage: the mode the user was in
root = document.documentElement
snaptag = window.snaptag


@dataclass
class Page:
    """The sorter page's state: its cards, the model once loaded, the mode, and teach mode once imported."""

    cards: CardList
    model: ModelInfo | None = None
    mode: str = "sort"
    teach: object = None  # app.page.teach's TeachPanel, once teach mode is loaded
    sort_with: object = None  # app.page.sort_with's SortWith, loaded with teach mode
    learning: object = None  # app.page.learning's Learning: the user's corrections (None if they can't be read)
    review: object = None  # app.page.review's Review: selection, order, keys, the remembered view

    def add_files(self, js_files, via: str = "input", target=None) -> None:
        if self.mode == "teach" and self.teach is not None:
            if not self.teach.take_files(js_files, via, target):
                self.teach.cards.add_files(js_files)
            return
        self.cards.add_files(js_files)

    def export(self, kind: str) -> None:
        items = list(self.cards.queue.items.values())
        cmap, model_id, names = self.model.cmap, self.model.model_id, self.cards.name  # the rule sorting now
        if kind == "json":
            download(report.to_json(items, cmap, model_id, names), "snaptag-results.json", "application/json")
        else:
            download(report.to_csv(items, cmap, model_id, names), "snaptag-results.csv", "text/csv")

    async def download_sorted(self) -> None:
        if self.learning is not None:
            await self.learning.settled()  # the corrections just made go in the zip too
        await download_sorted(self.cards, self.model, self.learning.set if self.learning else None)

    def set_mode(self, mode: str) -> None:
        self.mode = root.dataset.mode = mode
        try:
            window.localStorage.setItem(MODE_KEY, mode)  # the next visit opens in this mode
        except Exception:  # noqa: BLE001, S110  site data blocked: nothing to remember it by
            pass
        document.getElementById("sort-panel").hidden = mode != "sort"
        document.getElementById("teach-panel").hidden = mode != "teach"
        for name in ("sort", "teach"):
            document.getElementById(f"mode-{name}").setAttribute("aria-pressed", "true" if name == mode else "false")
        if mode == "sort" and self.teach is not None:
            self.teach.camera.stop()

    def fail_startup(self, message: str) -> None:
        root.dataset.snaptag = "error"
        document.getElementById("model-status").textContent = message
        queue = self.cards.queue
        for item in list(queue.items.values()):
            if item.status not in (DONE, ERROR):
                queue.fail(item.id, "The model could not be loaded, so this photo was not classified.")
                self.cards.render(item)
        sorter.render_counts(queue)

    async def load_teach_mode(self) -> None:
        """Teach mode's modules, imported in a task of their own: importing everything at once made the start's
        longest main-thread task (docs/design.md)."""
        await next_task()
        import app.labels  # noqa: F401, PLC0415  the label sets (and the labels file format): a task of their own
        await next_task()
        from app.page.teach import TeachPanel  # noqa: PLC0415

        self.teach = TeachPanel()
        await self.teach.start(self.model)
        await next_task()
        from app.page.sort_with import SortWith  # noqa: PLC0415

        self.sort_with = SortWith(self.cards, self.model, self.cards.keep, self.cards.rule)
        self.sort_with.wire()
        await self.sort_with.start()

    async def learn(self):
        """The sorter's rule: the model's categories and the user's corrections (app/page/learning.py), or the
        model's alone when the corrections can't be read."""
        await next_task()
        from app.page.learning import Learning  # noqa: PLC0415  (with the label sets: a task of its own)

        await next_task()
        try:
            self.learning = await Learning.open(self.cards, self.model)
        except ApiError as err:
            sorter.say(f"Your corrections can't be read in this browser ({err.message}): the sorter won't learn "
                       "from them.")
            return self.model.rule
        self.learning.wire()
        asyncio.ensure_future(self.learning.follow())  # kept results, under the corrections as they are now
        return self.learning.rule

    async def start(self) -> None:
        document.getElementById("py-status").textContent = "Python: ready"
        snaptag.onfiles = create_proxy(self.add_files)
        pending = list(snaptag.inbox)
        snaptag.inbox = to_js([])
        for held in document.querySelectorAll("[data-inbox]"):  # boot.js's cards for them, replaced by ours
            held.remove()
        self.add_files(pending)
        try:
            self.model = await api.ready()
        except ApiError as err:
            self.fail_startup(err.message)
            return
        sorter.build_counts([c.id for c in self.model.cmap.categories], self.model.cmap.name)
        listen("export-json", "click", lambda _e: self.export("json"))
        listen("export-csv", "click", lambda _e: self.export("csv"))
        listen("download-sorted", "click", lambda _e: asyncio.ensure_future(self.download_sorted()))
        self.cards.queue.model_ready([c.id for c in self.model.cmap.categories])
        self.cards.names = self.model.cmap.name  # the kept results' cards, restored before the rule is set
        try:
            store = await api.awaited(snaptag, "openResultsStore")
            self.cards.keep = await sorter.restore(self.cards, store, self.model.model_id)
        except ApiError as err:  # no IndexedDB (site data blocked, say): sorting still works
            sorter.say(f"Results can't be kept in this browser ({err.message}): nothing you sort here is kept, "
                       "export the results before you leave.")
        sorter.wire(self.cards, self.cards.keep)
        self.cards.rule = await self.learn()
        from app.page.review import Review  # noqa: PLC0415

        self.review = Review(self.cards)
        self.review.wire()
        self.review.recall()
        await self.load_teach_mode()
        listen("mode-sort", "click", lambda _e: self.set_mode("sort"))  # teach mode is there now
        listen("mode-teach", "click", lambda _e: self.set_mode("teach"))
        try:
            if window.localStorage.getItem(MODE_KEY) == "teach":
                self.set_mode("teach")
        except Exception:  # noqa: BLE001, S110  site data blocked: the page opens in sort mode
            pass
        snaptag.readyAt = window.performance.now()
        root.dataset.snaptag = "ready"
        self.cards.pump()
        sorter.render_counts(self.cards.queue)
        offer(self.cards)


queue = PhotoQueue()


def changed() -> None:
    sorter.render_counts(queue)
    offer(cards)  # what Download sorted can include
    if page.review is not None:
        page.review.changed()


cards = CardList("results", queue, SORT_REASONS, on_change=changed, selectable=True)
page = Page(cards)
await page.start()  # noqa: F704, PLE1142  (PyScript runs this module with top-level await)
