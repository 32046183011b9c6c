"""snaptag's DOM layer (runs in Pyodide via PyScript). Logic lives in the pure modules beside it.

window.snaptag (boot.js) holds the worker client, the model-loading promise and the photos added before
Python was up; from here on every added photo comes to `add_files`.
"""

import asyncio

from js import URL, Blob, Object, document, window
from pyodide.ffi import JsException, create_proxy, to_js

from app import intake, report
from app.mapping import REVIEW, ClassMap
from app.queue import DONE, ERROR, Item, PhotoQueue
from app.spec import PreprocessSpec

root = document.documentElement
snaptag = window.snaptag
queue = PhotoQueue()
files = {}  # item id -> the File, until the worker is done with it
ctx: dict = {"spec": None, "cmap": None}


def element(tag: str, cls: str = "", text: str = ""):
    node = document.createElement(tag)
    if cls:
        node.className = cls
    if text:
        node.textContent = text
    return node


def card_of(item: Item):
    return document.querySelector(f'[data-result][data-id="{item.id}"]')


def new_card(item: Item) -> None:
    card = element("article", "card")
    card.setAttribute("data-result", "")
    card.dataset.id = str(item.id)
    card.dataset.name = item.name
    thumb = element("div", "thumb")
    card.append(thumb, element("div", "name", item.name), element("div", "verdict"), element("ol", "top"))
    document.getElementById("results").prepend(card)
    render_card(item)


def render_card(item: Item) -> None:
    card = card_of(item)
    card.dataset.status = item.status
    verdict = card.querySelector(".verdict")
    if item.status == ERROR:
        card.dataset.error = item.error
        verdict.textContent = item.error
        return
    if item.status != DONE:
        verdict.textContent = "Waiting for the model…" if ctx["cmap"] is None else "Working…"
        return
    cmap: ClassMap = ctx["cmap"]
    decision = item.decision
    card.dataset.category = item.category
    card.dataset.top = decision.top[0][0]
    card.dataset.prob = f"{decision.prob:.4f}"
    card.dataset.overridden = "true" if item.override else "false"
    why = {"out_of_scope": " (not a photo of these categories)", "unsure": " (unsure)"}.get(decision.reason, "")
    verdict.textContent = cmap.name(item.category) + ("" if item.override else why)
    top = card.querySelector(".top")
    top.replaceChildren(*[element("li", "", f"{cmap.name(cid)} {p * 100:.0f}%") for cid, p in decision.top])
    if not card.querySelector("select"):  # JS null arrives as pyodide.ffi.jsnull, which is falsy
        card.append(override_select(item))


def override_select(item: Item):
    select = element("select", "override")
    select.setAttribute("aria-label", f"Category for {item.name}")
    for cid in [c.id for c in ctx["cmap"].categories] + [REVIEW]:
        option = element("option", "", ctx["cmap"].name(cid))
        option.value = cid
        select.append(option)
    select.value = item.category
    select.dataset.id = str(item.id)
    select.addEventListener("change", on_override)
    return select


def on_override_event(event) -> None:
    item = queue.set_override(int(event.target.dataset.id), event.target.value)
    render_card(item)
    render_counts()


def render_counts() -> None:
    counts = queue.counts()
    for key, n in counts.items():
        node = document.querySelector(f'[data-count="{key}"] b')
        if node:
            node.textContent = str(n)
    document.getElementById("export").hidden = not any(i.status == DONE for i in queue.items.values())


def build_counts(cmap: ClassMap) -> None:
    keys = [(c.id, c.name) for c in cmap.categories] + [(REVIEW, "Needs review"), ("pending", "In progress"),
                                                         (ERROR, "Errors")]
    items = []
    for key, name in keys:
        li = element("li", "", name + " ")
        li.dataset.count = key
        li.append(element("b", "", "0"))
        items.append(li)
    document.getElementById("counts").replaceChildren(*items)


def add_files(js_files) -> None:
    for f in js_files:
        item = queue.add(str(f.name), int(f.size), str(f.type))
        if item.status != ERROR:
            files[item.id] = f
        new_card(item)
    pump()
    render_counts()


def pump() -> None:
    for item in queue.take():
        render_card(item)
        asyncio.ensure_future(process(item))


async def process(item: Item) -> None:
    spec = to_js(ctx["spec"].to_dict(), dict_converter=Object.fromEntries)
    try:
        res = await snaptag.client.classify(files[item.id], spec)
        queue.finish(item.id, list(res.probs), list(res.embedding))
        thumb = element("img")
        thumb.src = URL.createObjectURL(res.thumb)
        thumb.alt = ""
        card_of(item).querySelector(".thumb").replaceChildren(thumb)
    except JsException as err:
        js_err = getattr(err, "js_error", None)
        code = str(getattr(js_err, "code", "") or "internal")
        detail = str(getattr(js_err, "message", "") or err)
        queue.fail(item.id, intake.worker_failure(code, detail, item.name, item.mime))
    except Exception as err:  # noqa: BLE001  a bad result must not stop the queue
        queue.fail(item.id, f"Could not classify this photo: {err}")
    files.pop(item.id, None)
    render_card(item)
    render_counts()
    pump()


def download(text: str, name: str, mime: str) -> None:
    url = URL.createObjectURL(Blob.new([text], to_js({"type": mime}, dict_converter=Object.fromEntries)))
    link = element("a")
    link.href, link.download = url, name
    link.click()
    window.setTimeout(create_proxy(lambda: URL.revokeObjectURL(url)), 1000)


def on_export(kind: str):
    def handler(_event) -> None:
        items = list(queue.items.values())
        if kind == "json":
            download(report.to_json(items, ctx["cmap"]), "snaptag-results.json", "application/json")
        else:
            download(report.to_csv(items, ctx["cmap"]), "snaptag-results.csv", "text/csv")

    return handler


def fail_startup(message: str) -> None:
    root.dataset.snaptag = "error"
    document.getElementById("model-status").textContent = message
    for item in list(queue.items.values()):
        if item.status not in (DONE, ERROR):
            queue.fail(item.id, "The model could not be loaded, so this photo was not classified.")
            render_card(item)
    render_counts()


on_override = create_proxy(on_override_event)


async def start() -> None:
    document.getElementById("py-status").textContent = "Python: ready"
    snaptag.onfiles = create_proxy(add_files)
    pending = list(snaptag.inbox)
    snaptag.inbox = to_js([])
    add_files(pending)
    try:
        loaded = await snaptag.model
        meta = loaded.metadata.to_py()
        ctx["spec"], ctx["cmap"] = PreprocessSpec.from_metadata(meta), ClassMap.from_metadata(meta)
    except JsException as err:
        fail_startup(f"Model failed to load: {getattr(getattr(err, 'js_error', None), 'message', err)}")
        return
    except ValueError as err:
        fail_startup(f"Model metadata is not usable: {err}")
        return
    build_counts(ctx["cmap"])
    document.getElementById("export-json").addEventListener("click", create_proxy(on_export("json")))
    document.getElementById("export-csv").addEventListener("click", create_proxy(on_export("csv")))
    queue.model_ready(ctx["cmap"])
    snaptag.readyAt = window.performance.now()
    root.dataset.snaptag = "ready"
    pump()
    render_counts()


await start()  # noqa: F704, PLE1142  (PyScript runs this module with top-level await)
