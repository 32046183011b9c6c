"""Teach mode's panel (DOM, Pyodide): labels, their examples, photos classified by them, import and export.

Python owns the labels, the examples and every decision (app/teach.py); the worker holds the example vectors
and returns cosines; IndexedDB (worker/teach_store.js) keeps labels and examples across reloads. An example is
written there before the page shows it as added. Automation contract: README.
"""

import asyncio
import time
import uuid

from js import Date, Float32Array, document, window
from pyodide.ffi import create_proxy, to_js

from app import api
from app.mapping import REVIEW
from app.page.cards import CardList
from app.page.dom import element, js_object
from app.queue import PhotoQueue
from app.result import ApiError, Result
from app.teach import TeachConfig, TeachError, TeachSet

REASONS = {"unknown": " (unlike every label)", "no_examples": " (nothing taught yet)"}
snaptag = window.snaptag
teach = TeachSet()
queue = PhotoQueue()
thumbs: dict[str, str] = {}  # example id -> object URL of its photo
ctx: dict = {"spec": None, "model": "", "dim": 0, "store": None, "active": None}
proxies: list = []  # event handlers, kept alive for the page's life


def label_name(cid: str) -> str:
    return "Needs review" if cid == REVIEW else cid


def spec_js():
    return js_object(ctx["spec"].to_dict())


async def classify(file) -> Result:
    """A photo dropped in teach mode, labelled by the taught examples."""
    await api.check(file)
    res = await api.in_worker(snaptag.client.classify(file, spec_js(), js_object({"teach": True})), file)
    return api.result_of(res, teach.decide(zip(res.simIds, res.sims)))


cards = CardList("teach-results", queue, label_name, REASONS, lambda: None, classify)


def say(text: str, error: bool = False) -> None:
    node = document.getElementById("teach-message")
    node.textContent = text
    node.dataset.kind = "error" if error else "info"


def label_el(name: str):
    for node in document.querySelectorAll("[data-label]"):
        if node.dataset.label == name:
            return node
    return None


def labels_changed() -> None:
    queue.categories = list(teach.labels)
    for name in teach.labels:
        node = label_el(name)
        n = teach.count(name)
        node.dataset.examples = str(n)
        node.querySelector(".count").textContent = f"{n} example{'s' if n != 1 else ''}"


def new_label_el(name: str):
    node = element("article", "label")
    node.dataset.label = name
    node.dataset.examples = "0"
    rename = element("input", "label-name")
    rename.value = name
    rename.setAttribute("aria-label", "Label name")
    rename.setAttribute("data-rename", "")
    remove = element("button", "", "Delete label")
    remove.setAttribute("data-delete-label", "")
    picker = element("input")
    picker.type, picker.multiple, picker.accept = "file", True, "image/*"
    picker.setAttribute("data-teach-files", "")
    add = element("label", "button", "Add photos")
    add.append(picker)
    capture = element("button", "", "Hold to capture")
    capture.setAttribute("data-capture", "")
    head = element("header")
    head.append(rename, element("span", "count", "0 examples"), remove)
    actions = element("div", "label-actions")
    actions.append(add, capture)
    node.append(head, actions, element("div", "examples"))
    document.getElementById("teach-labels").append(node)
    return node


def example_el(ex_id: str, photo) -> None:
    fig = element("figure", "example")
    fig.setAttribute("data-example", "")
    fig.dataset.id = ex_id
    img = element("img")
    thumbs[ex_id] = window.URL.createObjectURL(photo)
    img.src, img.alt = thumbs[ex_id], ""
    remove = element("button", "", "×")
    remove.setAttribute("data-delete-example", "")
    remove.setAttribute("aria-label", "Delete this example")
    fig.append(img, remove)
    label_el(teach.examples[ex_id]).querySelector(".examples").append(fig)


async def embed(photo):
    """The worker's result for one photo (its embedding and a small JPEG of it)."""
    return await api.in_worker(snaptag.client.classify(photo, spec_js(), js_object({"thumb": True})), photo)


async def keep(ex_id: str, label: str, embedding, photo) -> None:
    """Store an example, give its vector to the worker, then show it: in that order."""
    vector = Float32Array.new(embedding if hasattr(embedding, "length") else to_js(list(embedding)))
    record = {"id": ex_id, "label": label, "embedding": vector, "photo": photo, "model": ctx["model"],
              "added": Date.now()}
    await ctx["store"].putExample(js_object(record))
    await snaptag.client.teachAdd(ex_id, vector)
    teach.add_example(ex_id, label)
    example_el(ex_id, photo)


async def add_examples(label: str, photos) -> None:
    photos = list(photos)
    added = 0
    for n, photo in enumerate(photos, 1):
        name = str(getattr(photo, "name", "") or "A camera frame")
        try:
            if hasattr(photo, "size"):  # a File; a camera frame is an ImageBitmap
                await api.check(photo)
            say(f"Adding {n} of {len(photos)} to {label}…")
            res = await embed(photo)
            await keep(uuid.uuid4().hex, label, res.embedding, res.thumb)
            added += 1
        except TeachError as err:
            say(str(err), error=True)
        except ApiError as err:
            say(f"{name}: {err.message}", error=True)
        except Exception as err:  # noqa: BLE001  one bad photo must not stop the others
            say(f"{name}: could not add it ({err})", error=True)
    labels_changed()
    if added:
        say(f"Added {added} example{'s' if added != 1 else ''} to {label}.")


async def delete_example(ex_id: str) -> None:
    """Remove one example everywhere (IndexedDB, the worker, the page): O(1) in each."""
    await ctx["store"].deleteExample(ex_id)
    await snaptag.client.teachRemove(to_js([ex_id]))
    teach.remove_example(ex_id)
    fig = document.querySelector(f'[data-example][data-id="{ex_id}"]')
    if fig:
        fig.remove()
    window.URL.revokeObjectURL(thumbs.pop(ex_id, ""))
    labels_changed()


async def create_label(name: str) -> None:
    try:
        name = teach.add_label(name)
    except TeachError as err:
        say(str(err), error=True)
        return
    await ctx["store"].putLabel(name, Date.now())
    new_label_el(name)
    ctx["active"] = name
    labels_changed()
    say(f"Label {name} added: now add example photos to it.")


async def rename_label(node, new: str) -> None:
    old = node.dataset.label
    try:
        new = teach.rename_label(old, new)
    except TeachError as err:
        node.querySelector("[data-rename]").value = old
        say(str(err), error=True)
        return
    await ctx["store"].renameLabel(old, new)
    node.dataset.label = node.querySelector("[data-rename]").value = new
    ctx["active"] = new if ctx["active"] == old else ctx["active"]
    labels_changed()


async def delete_label(node) -> None:
    name = node.dataset.label
    await ctx["store"].deleteLabel(name)
    gone = teach.delete_label(name)
    await snaptag.client.teachRemove(to_js(gone))
    for ex_id in gone:
        window.URL.revokeObjectURL(thumbs.pop(ex_id, ""))
    node.remove()
    ctx["active"] = None if ctx["active"] == name else ctx["active"]
    labels_changed()
    say(f"Label {name} and its {len(gone)} examples deleted.")


def take_files(js_files, via: str, target) -> bool:
    """Files dropped on a label, or pasted while one is selected, become its examples; else False (the photos
    are to be labelled). `target` may be JS null (pyodide's jsnull, falsy)."""
    if via == "drop":
        node = target.closest("[data-label]") if target else None
        name = node.dataset.label if node else None
    else:
        name = ctx["active"] if via == "paste" else None
    if not name or name not in teach.labels:
        return False
    asyncio.ensure_future(add_examples(name, list(js_files)))
    return True


async def restore(meta: dict) -> None:
    """Labels and examples from IndexedDB; examples taught with another model are embedded again.
    window.snaptag.teachRestoreMs: how long it took (IndexedDB read, the worker's vectors, the thumbnails)."""
    t0 = time.perf_counter()
    saved = await ctx["store"].load()
    for label in saved.labels:
        try:
            new_label_el(teach.add_label(str(label.name)))
        except TeachError:
            continue  # a name no longer allowed: its examples are dropped below
    items, stale = [], []
    for ex in saved.examples:
        if str(ex.label) not in teach.labels:
            continue
        if str(ex.model) != ctx["model"] or ex.embedding.length != ctx["dim"]:
            stale.append(ex)
            continue
        teach.add_example(str(ex.id), str(ex.label))
        example_el(str(ex.id), ex.photo)
        items.append(js_object({"id": ex.id, "embedding": ex.embedding}))
    await snaptag.client.teachSet(to_js(items))
    for n, ex in enumerate(stale, 1):  # the model changed since these were taught
        say(f"Updating {n} of {len(stale)} examples for the new model…")
        res = await embed(ex.photo)
        await keep(str(ex.id), str(ex.label), res.embedding, ex.photo)
    queue.model_ready(teach.labels)
    labels_changed()
    snaptag.teachRestoreMs = (time.perf_counter() - t0) * 1000
    say(f"{len(teach.labels)} labels, {len(teach.examples)} examples." if teach.labels else
        "Name a label (say “good part”), then add example photos to it.")


def on_click(event) -> None:
    target = event.target
    node = target.closest("[data-label]")
    if node:
        ctx["active"] = node.dataset.label
        for other in document.querySelectorAll("[data-label].active"):
            other.classList.remove("active")
        node.classList.add("active")
    if target.closest("[data-delete-example]"):
        asyncio.ensure_future(delete_example(target.closest("[data-example]").dataset.id))
    elif target.closest("[data-delete-label]"):
        asyncio.ensure_future(delete_label(node))


def on_change(event) -> None:
    target = event.target
    node = target.closest("[data-label]")
    if target.matches("[data-teach-files]"):
        photos = list(target.files)
        target.value = ""
        asyncio.ensure_future(add_examples(node.dataset.label, photos))
    elif target.matches("[data-rename]"):
        asyncio.ensure_future(rename_label(node, target.value))


def on_add_label(_event=None) -> None:
    field = document.getElementById("teach-label-name")
    name, field.value = field.value, ""
    asyncio.ensure_future(create_label(name))


def on_key(event) -> None:
    if event.key == "Enter":
        on_add_label()


def listen(node_id: str, kind: str, handler) -> None:
    proxy = create_proxy(handler)
    proxies.append(proxy)
    document.getElementById(node_id).addEventListener(kind, proxy)


async def start(spec, meta: dict) -> None:
    """Called once the model is loaded; the page is `ready` after this returns."""
    teach.config = TeachConfig.from_metadata(meta)
    ctx.update(spec=spec, model=str(meta.get("model_id") or ""), dim=int(meta["outputs"]["embedding"]))
    listen("teach-labels", "click", on_click)
    listen("teach-labels", "change", on_change)
    listen("teach-label-add", "click", on_add_label)
    listen("teach-label-name", "keydown", on_key)
    try:
        ctx["store"] = await snaptag.openTeachStore()
        await restore(meta)
    except Exception as err:  # noqa: BLE001  no IndexedDB (a private window, say): the sorter still works
        say(f"Teach mode can't keep labels in this browser: {err}", error=True)
        queue.model_ready(teach.labels)
