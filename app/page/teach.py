"""Teach mode's panel (DOM, Pyodide): labels, their examples, and photos classified by them.

A client of the label-set API (app/labels.py), as host pages are: its set is TEACH_SET. Python owns the labels and
every decision (app/logic/teach.py, through app/logic/rules.py's TaughtRule on the one classify path); the worker
owns the example vectors and their copy in IndexedDB (worker/taught.js). An example is shown as added once the
worker has stored it.
The camera is app/page/camera.py, import and export app/page/transfer.py. Automation contract: README.
"""

import asyncio
import time

from js import CSS, document, window
from pyodide.ffi import to_js

from app import labels
from app.logic.queue import PhotoQueue
from app.logic.result import ApiError, ModelInfo
from app.logic.rules import TaughtRule
from app.logic.teach import REASONS, TeachConfig, TeachError, TeachSet
from app.page.camera import Camera
from app.page.cards import CardList
from app.page.dom import js_object, listen, next_task
from app.page.tabs import tabs
from app.page.teach_results import Following
from app.page.transfer import Transfer

TEACH_SET = "My labels"  # the page's own label set (app/labels.py); a host page may open it too
CHUNK = 200  # labels (and 5 times as many examples) shown per task on restore: no long task however many
ui = window.snaptag.teachDom  # app/page/teach_dom.js: the label and example elements


def progress(p) -> None:
    say(f"Updating {p.done + 1} of {p.total} examples for the new model…")


def say(text: str, error: bool = False) -> None:
    node = document.getElementById("teach-message")
    node.textContent = text
    node.dataset.kind = "error" if error else "info"


class TeachPanel:
    say = staticmethod(say)

    def __init__(self) -> None:
        self.set: labels.LabelSet | None = None  # opened in start()
        self.cards = CardList("teach-results", PhotoQueue(), REASONS)
        self.following = Following(self.cards)  # the cards are decided again when the set changes
        self.deleted: tuple[str, list] | None = None  # the last deleted label and its examples, for Undo
        self.nodes: dict[str, object] = {}  # label -> its element (app/page/teach_dom.js builds them)
        self.figs: dict[str, object] = {}  # example id -> its element, once looked up
        self.refreshing = None  # a pending re-read after another tab's change
        self.active: str | None = None  # the label a paste goes to
        self.model: ModelInfo | None = None
        self.camera = Camera(self)
        self.transfer = Transfer(self)

    def run(self, work) -> None:
        """Start a user's action in the background; a failure is said on the page, never lost in the task."""
        async def guarded() -> None:
            try:
                await work
            except (TeachError, ApiError) as err:
                say(str(getattr(err, "message", err)), error=True)

        asyncio.ensure_future(guarded())

    @property
    def teach(self) -> TeachSet:
        return self.set.teach

    @property
    def rule(self) -> TaughtRule:
        return self.set.rule

    def changed_elsewhere(self, message: dict) -> None:
        """Another tab changed the set: read it again, once its burst of changes is over."""
        if message.get("set") != TEACH_SET:
            return
        if self.refreshing is not None:
            self.refreshing.cancel()
        self.refreshing = asyncio.get_event_loop().call_later(0.3, lambda: self.run(self.reread()))

    async def redraw(self) -> None:
        """Read the set again (or anew, if it was removed) and show it anew: the old labels stay shown until the
        set is read, so a label shown is one the worker has."""
        await self.restore(anew=True)
        self.cards.rule = self.rule

    async def reread(self) -> None:
        self.refreshing = None
        await self.redraw()
        self.say("The labels were changed in another tab: " + str(document.getElementById("teach-message")
                                                                  .textContent))

    def labels_changed(self, *names: str) -> None:
        """Show the counts of `names` (all labels when none is given); the results follow."""
        self.cards.queue.categories = list(self.teach.labels)
        for name in names or self.teach.labels:
            node = self.nodes.get(name)
            if node is None:
                continue
            n = self.teach.count(name)
            node.dataset.examples = str(n)
            node.querySelector(".count").textContent = f"{n} example{'s' if n != 1 else ''}"

    def show_labels(self, names: list[str]) -> None:
        """Label elements for `names` (app/page/teach_dom.js builds them), at the end of the list."""
        self.nodes |= zip(names, ui.showLabels(document.getElementById("teach-labels"), to_js(names)), strict=True)

    def show_example(self, ex_id: str, label: str, photo) -> None:
        self.figs[ex_id] = ui.exampleElement(ex_id, photo)
        self.nodes[label].querySelector(".examples").append(self.figs[ex_id])

    def fig(self, ex_id: str, label: str):
        """An example's element (restored ones are found in their label's element when first needed)."""
        if ex_id not in self.figs:
            self.figs[ex_id] = self.nodes[label].querySelector(f'[data-example][data-id="{CSS.escape(ex_id)}"]')
        return self.figs[ex_id]

    async def add_label(self, name: str) -> str:
        """The one way the page makes a label (typed, or from an import): checked, stored in order, shown."""
        name = await self.set.add_label(name)
        self.show_labels([name])
        self.labels_changed(name)
        return name

    async def add_example(self, label: str, source) -> None:
        """One example from a photo (File or camera frame): stored, then shown."""
        ex_id, thumb = await self.set.add(label, source)
        self.show_example(ex_id, label, thumb)
        self.labels_changed(label)

    async def add_examples(self, label: str, photos) -> int:
        photos, added = list(photos), 0
        for n, photo in enumerate(photos, 1):
            name = str(getattr(photo, "name", "") or "A camera frame")
            try:
                if len(photos) > 1:
                    say(f"Adding {n} of {len(photos)} to {label}…")
                await self.add_example(label, photo)
                added += 1
            except (TeachError, ApiError) as err:
                say(f"{name}: {getattr(err, 'message', err)}", error=True)
            except Exception as err:  # noqa: BLE001  one bad photo must not stop the others
                say(f"{name}: could not add it ({err})", error=True)
        if added:
            say(f"Added {added} example{'s' if added != 1 else ''} to {label}.")
        return added

    async def delete_example(self, ex_id: str) -> None:
        """Remove one example everywhere (the worker and IndexedDB, then the page): O(1) in each."""
        label = self.teach.examples[ex_id]
        await self.set.delete_example(ex_id)
        ui.dropExample(self.fig(ex_id, label))
        self.figs.pop(ex_id, None)
        self.labels_changed(label)

    async def create_label(self, name: str) -> None:
        try:
            name = await self.add_label(name)
        except (TeachError, ApiError) as err:
            say(str(getattr(err, "message", err)), error=True)
            return
        self.active = name
        say(f"Label {name} added: now add example photos to it.")

    async def rename_label(self, node, new: str) -> None:
        old = node.dataset.label
        try:
            new = await self.set.rename_class(old, new)
        except ApiError as err:
            node.querySelector("[data-rename]").value = old
            say(err.message, error=True)
            return
        node.dataset.label = node.querySelector("[data-rename]").value = new
        self.nodes[new] = self.nodes.pop(old)
        self.following.renamed(old, new)
        self.active = new if self.active == old else self.active
        self.labels_changed(new)

    def ask_delete(self, node) -> None:
        """A label's Delete asks first (the button says what goes); a second click within 5 s deletes."""
        button = node.querySelector("[data-delete-label]")
        if node.getAttribute("data-confirming") == "true":
            self.run(self.delete_label(node))
            return
        n = self.teach.count(node.dataset.label)
        node.dataset.confirming = "true"
        button.textContent = f"Delete it and its {n} example{'s' if n != 1 else ''}? Click again"

        def disarm() -> None:
            node.dataset.confirming = "false"
            button.textContent = "Delete label"

        asyncio.get_event_loop().call_later(5, disarm)

    async def delete_label(self, node) -> None:
        name = node.dataset.label
        kept = [ex for ex in await self.set.dump() if str(ex.label) == name]  # photos and vectors, for Undo
        self.following.deleted.add(name)  # its cards go to review, not quietly to the labels left
        gone = await self.set.delete_class(name)
        for ex_id in gone:
            ui.dropExample(self.fig(ex_id, name))
            self.figs.pop(ex_id, None)
        self.nodes.pop(name).remove()
        self.active = None if self.active == name else self.active
        self.labels_changed()
        self.deleted = (name, kept)
        say(f"Label {name} and its {len(gone)} examples deleted.")
        document.getElementById("teach-undo").hidden = False

    async def undo_delete(self) -> None:
        """The last deleted label back, with its examples (their photos and vectors, as they were)."""
        if self.deleted is None:
            return
        (name, kept), self.deleted = self.deleted, None
        document.getElementById("teach-undo").hidden = True
        name = await self.add_label(name)
        for ex in kept:
            ex_id, thumb = await self.set.add(name, None, ex.embedding, ex.photo, str(ex.id))
            self.show_example(ex_id, name, thumb)
        self.labels_changed(name)
        say(f"Label {name} and its {len(kept)} examples are back.")

    def take_files(self, js_files, via: str, target) -> bool:
        """Files dropped on a label, or pasted while one is selected, become its examples; else False (the photos
        are to be labelled). `target` may be JS null (pyodide's jsnull, falsy)."""
        if via == "drop":
            node = target.closest("[data-label]") if target else None
            name = node.dataset.label if node else None
        else:
            name = self.active if via == "paste" else None
        if not name or name not in self.teach.labels:
            return False
        self.run(self.add_examples(name, list(js_files)))
        return True

    async def restore(self, anew: bool = False) -> None:
        """Labels and examples as the worker reads them from IndexedDB (examples taught with another model are
        embedded again there; a removed set is made anew), shown. window.snaptag.teachRestoreMs: how long it
        took. `anew`: what is shown goes, once the set is read."""
        t0 = time.perf_counter()
        self.set = await labels.open(TEACH_SET, progress, again=self.set is not None)
        if anew:
            ui.clearAll(document.getElementById("teach-labels"))
            self.nodes.clear()
            self.figs.clear()
        self.following.track(self.set)
        names, opened = self.set.labels, self.set.opened
        for n in range(0, len(names), CHUNK):  # built in JS, a chunk per task: no long task however many
            self.show_labels(names[n : n + CHUNK])
            await next_task()
        self.labels_changed()  # the counts first: the set is all read
        examples = opened.examples
        for n in range(0, examples.length, CHUNK * 5):
            ui.showExamples(js_object(self.nodes), examples.slice(n, n + CHUNK * 5))
            await next_task()
        window.snaptag.teachRestoreMs = (time.perf_counter() - t0) * 1000
        notes = [f"{len(self.teach.labels)} labels, {len(self.teach.examples)} examples." if self.teach.labels else
                 "Name a label (say “good part”), then add example photos to it."]
        if opened.failed.length:
            notes.append(f"{opened.failed.length} examples could not be read again and were left out: "
                         + ", ".join(f"{f.label} ({f.message})" for f in opened.failed) + ".")
        if opened.message:
            notes.append(f"Teach mode: {opened.message}.")
        say(" ".join(notes), error=bool(opened.failed.length or opened.message))

    def on_click(self, event) -> None:
        target = event.target
        node = target.closest("[data-label]")
        if node:
            self.active = node.dataset.label
            for other in document.querySelectorAll("[data-label].active"):
                other.classList.remove("active")
            node.classList.add("active")
        if target.closest("[data-delete-example]"):
            self.run(self.delete_example(target.closest("[data-example]").dataset.id))
        elif target.closest("[data-delete-label]"):
            self.ask_delete(node)

    def on_change(self, event) -> None:
        target = event.target
        node = target.closest("[data-label]")
        if target.matches("[data-teach-files]"):
            photos = list(target.files)
            target.value = ""
            self.run(self.add_examples(node.dataset.label, photos))
        elif target.matches("[data-rename]"):
            self.run(self.rename_label(node, target.value))

    def on_add_label(self, _event=None) -> None:
        field = document.getElementById("teach-label-name")
        name, field.value = field.value, ""
        self.run(self.create_label(name))

    async def start(self, model: ModelInfo) -> None:
        """Called once the model is loaded; the page is `ready` after this returns."""
        self.model = model
        listen("teach-labels", "click", self.on_click)
        listen("teach-labels", "change", self.on_change)
        listen("teach-label-add", "click", self.on_add_label)
        listen("teach-undo", "click", lambda _e: self.run(self.undo_delete()))
        listen("teach-label-name", "keydown", lambda e: e.key == "Enter" and self.on_add_label())
        tabs.on("teach", self.changed_elsewhere)
        try:
            await self.restore()
        except ApiError as err:
            self.set = labels.LabelSet(TEACH_SET, TeachConfig.from_metadata(model.metadata))  # empty: writes fail
            say(f"Teach mode could not read its labels: {err.message}", error=True)
        self.cards.queue.model_ready(self.teach.labels)
        self.cards.rule = self.rule
        self.cards.pump()  # photos added while teach mode started
        try:
            await self.following.restore(model.embedding_id, self.set)
        except ApiError:
            pass  # no IndexedDB (site data blocked): teach results last while the page is open, as said above
        self.transfer.wire()
        self.camera.wire()
