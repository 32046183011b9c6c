"""Teach mode's panel (DOM, Pyodide): labels, their examples, and photos classified by them.

Python owns the labels and every decision (app/logic/teach.py, through app/logic/rules.py's TaughtRule on the
one classify path); the worker owns the example vectors and their copy in IndexedDB (worker/taught.js): the page
sends it photos and ids and gets thumbnails back. An example is shown as added once the worker has stored it.
The camera is app/page/camera.py, import and export app/page/transfer.py. Automation contract: README.
"""

import asyncio
import time
import uuid

from js import CSS, document, window
from pyodide.ffi import to_js

from app import api
from app.logic.queue import PhotoQueue
from app.logic.result import ApiError, ModelInfo
from app.logic.rules import TaughtRule
from app.logic.teach import TeachConfig, TeachError, TeachSet
from app.page.camera import Camera
from app.page.cards import CardList
from app.page.dom import js_object, listen, next_task
from app.page.tabs import tabs
from app.page.transfer import Transfer

REASONS = {"unknown": " (unlike every label)", "no_examples": " (nothing taught yet)"}
TEACH_SET = "snaptag-teach"  # the page's own label set in IndexedDB (worker/taught.js)
CHUNK = 200  # labels (and 5 times as many examples) shown per task on restore: no long task however many
ui = window.snaptag.teachDom  # app/page/teach_dom.js: the label and example elements
WRITES = {"teach_label", "teach_add", "teach_remove"}  # the requests that change the set


def say(text: str, error: bool = False) -> None:
    node = document.getElementById("teach-message")
    node.textContent = text
    node.dataset.kind = "error" if error else "info"


class TeachPanel:
    say = staticmethod(say)

    def __init__(self) -> None:
        self.teach = TeachSet()
        self.rule = TaughtRule(self.teach)
        self.cards = CardList("teach-results", PhotoQueue(), REASONS)
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

    async def worker(self, kind: str, payload: dict, on_progress=None):
        """A teach request to the worker (worker.js teach_*); its error reply is an ApiError. The other tabs are
        told of every change, and read the set again (app/page/tabs.py)."""
        reply = await api.in_worker("teach", kind, js_object(payload), on_progress)
        if kind in WRITES:
            tabs.tell("teach")
        return reply

    def changed_elsewhere(self, _message: dict) -> None:
        """Another tab changed the set: read it again, once its burst of changes is over."""
        if self.refreshing is not None:
            self.refreshing.cancel()
        self.refreshing = asyncio.get_event_loop().call_later(0.3, lambda: self.run(self.reread()))

    async def reread(self) -> None:
        self.refreshing = None
        for ex_id in list(self.teach.examples):
            ui.dropExample(self.fig(ex_id, self.teach.examples[ex_id]))
        for node in self.nodes.values():
            node.remove()
        self.nodes.clear()
        self.figs.clear()
        self.teach.clear()
        await self.restore()
        self.say("The labels were changed in another tab: " + str(document.getElementById("teach-message")
                                                                  .textContent))

    def labels_changed(self, *names: str) -> None:
        """Show the counts of `names` (all labels when none is given)."""
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
        self.teach.add_example(ex_id, label)
        self.figs[ex_id] = ui.exampleElement(ex_id, photo)
        self.nodes[label].querySelector(".examples").append(self.figs[ex_id])

    def fig(self, ex_id: str, label: str):
        """An example's element (restored ones are found in their label's element when first needed)."""
        if ex_id not in self.figs:
            self.figs[ex_id] = self.nodes[label].querySelector(f'[data-example][data-id="{CSS.escape(ex_id)}"]')
        return self.figs[ex_id]

    async def add_label(self, name: str) -> str:
        """The one way a label is made (typed, or from an import): checked, stored in order, shown."""
        name = self.teach.add_label(name)
        try:
            await self.worker("teach_label", {"op": "add", "name": name})
        except ApiError:
            self.teach.delete_label(name)
            raise
        self.show_labels([name])
        self.labels_changed(name)
        return name

    async def add_example(self, label: str, source=None, embedding=None, photo=None, ex_id: str = "") -> None:
        """One example: a photo (File or camera frame) the worker embeds, or an imported (embedding, photo)."""
        ex_id = ex_id or uuid.uuid4().hex
        payload = {"exampleId": ex_id, "label": label}
        payload |= {"file": source} if embedding is None else {"embedding": embedding, "photo": photo}
        reply = await self.worker("teach_add", payload)
        self.show_example(ex_id, label, reply.thumb)
        self.labels_changed(label)

    async def add_examples(self, label: str, photos) -> int:
        photos, added = list(photos), 0
        for n, photo in enumerate(photos, 1):
            name = str(getattr(photo, "name", "") or "A camera frame")
            try:
                if api.is_file(photo):
                    await api.check(photo)
                if len(photos) > 1:
                    say(f"Adding {n} of {len(photos)} to {label}…")
                await self.add_example(label, photo)
                added += 1
            except (TeachError, ApiError) as err:
                say(f"{name}: {getattr(err, 'message', err)}", error=True)
            except Exception as err:  # noqa: BLE001  one bad photo must not stop the others
                say(f"{name}: could not add it ({err})", error=True)
        if added and len(photos) > 1:
            say(f"Added {added} example{'s' if added != 1 else ''} to {label}.")
        elif added:
            say(f"Added 1 example to {label}.")
        return added

    async def delete_example(self, ex_id: str) -> None:
        """Remove one example everywhere (the worker and IndexedDB, then the page): O(1) in each."""
        await self.worker("teach_remove", {"ids": [ex_id]})
        label = self.teach.examples[ex_id]
        ui.dropExample(self.fig(ex_id, label))
        self.teach.remove_example(ex_id)
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
            new = self.teach.rename_label(old, new)
            await self.worker("teach_label", {"op": "rename", "name": old, "to": new})
        except (TeachError, ApiError) as err:
            if new in self.teach.counts and new != old:  # the worker refused: back to the old name
                self.teach.rename_label(new, old)
            node.querySelector("[data-rename]").value = old
            say(str(getattr(err, "message", err)), error=True)
            return
        node.dataset.label = node.querySelector("[data-rename]").value = new
        self.nodes[new] = self.nodes.pop(old)
        self.active = new if self.active == old else self.active
        self.labels_changed(new)

    async def delete_label(self, node) -> None:
        name = node.dataset.label
        ids = [ex_id for ex_id, label in self.teach.examples.items() if label == name]
        await self.worker("teach_label", {"op": "delete", "name": name, "ids": ids})
        for ex_id in ids:
            ui.dropExample(self.fig(ex_id, name))
            self.figs.pop(ex_id, None)
        gone = self.teach.delete_label(name)
        self.nodes.pop(name).remove()
        self.active = None if self.active == name else self.active
        self.labels_changed()
        say(f"Label {name} and its {len(gone)} examples deleted.")

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

    async def restore(self) -> None:
        """Labels and examples as the worker reads them from IndexedDB (examples taught with another model are
        embedded again there). window.snaptag.teachRestoreMs: how long it took."""
        t0 = time.perf_counter()

        def progress(p) -> None:
            say(f"Updating {p.done + 1} of {p.total} examples for the new model…")

        opened = await self.worker("teach_open", {"set": TEACH_SET}, progress)
        names = []
        for name in opened.labels.to_py():
            try:
                names.append(self.teach.add_label(str(name)))
            except TeachError:
                continue  # a name no longer allowed: its examples are left out below
        for n in range(0, len(names), CHUNK):  # built in JS, a chunk per task: no long task however many
            self.show_labels(names[n : n + CHUNK])
            await next_task()
        examples = opened.examples
        for n in range(0, examples.length, CHUNK * 5):
            part = examples.slice(n, n + CHUNK * 5)
            for ex in part.to_py():  # the photo Blobs stay JS objects
                if ex["label"] in self.nodes:
                    self.teach.add_example(str(ex["id"]), str(ex["label"]))
            ui.showExamples(js_object(self.nodes), part)
            await next_task()
        self.labels_changed()
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
            self.run(self.delete_label(node))

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
        self.teach.config = TeachConfig.from_metadata(model.metadata)
        listen("teach-labels", "click", self.on_click)
        listen("teach-labels", "change", self.on_change)
        listen("teach-label-add", "click", self.on_add_label)
        listen("teach-label-name", "keydown", lambda e: e.key == "Enter" and self.on_add_label())
        tabs.on("teach", self.changed_elsewhere)
        try:
            await self.restore()
        except ApiError as err:
            say(f"Teach mode could not read its labels: {err.message}", error=True)
        self.cards.queue.model_ready(self.teach.labels)
        self.cards.rule = self.rule
        self.transfer.wire()
        self.camera.wire()
