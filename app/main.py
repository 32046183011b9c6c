"""snaptag's DOM layer (runs in Pyodide via PyScript): start-up, the sorter and the switch to teach mode.
Logic lives in the pure modules beside it; cards in app/page/cards.py, the sorter's summary and memory in
app/page/sorter.py; teach mode in app/page/teach.py and its siblings, imported once the sorter is up.

window.snaptag (worker/api.js, worker/boot.js) holds the worker client, the model-loading promise and the photos
added before Python was up; from here on every added photo comes to `add_files`.
"""

from js import document, window
from pyodide.ffi import create_proxy, to_js

from app import api, report
from app.page import sorter
from app.page.cards import CardList
from app.page.dom import download, next_task
from app.queue import DONE, ERROR, PhotoQueue
from app.result import ApiError

root = document.documentElement
snaptag = window.snaptag
queue = PhotoQueue()
ctx: dict = {"spec": None, "cmap": None, "mode": "sort"}
teach: dict = {}  # "page": app.page.teach, once teach mode is loaded
SORT_REASONS = {"out_of_scope": " (not a photo of these categories)", "unsure": " (unsure)"}


def sort_name(cid: str) -> str:
    return ctx["cmap"].name(cid) if ctx["cmap"] else cid


cards = CardList("results", queue, sort_name, SORT_REASONS, lambda: sorter.render_counts(queue),
                 classify=lambda f: api.classify(f, thumb=True))


def add_files(js_files, via: str = "input", target=None) -> None:
    if ctx["mode"] == "teach":
        if not teach["page"].take_files(js_files, via, target):
            teach["page"].cards.add_files(js_files)
        return
    cards.add_files(js_files)


def on_export(kind: str):
    def handler(_event) -> None:
        items = list(queue.items.values())
        model_id = ctx["model_id"]
        if kind == "json":
            download(report.to_json(items, ctx["cmap"], model_id), "snaptag-results.json", "application/json")
        else:
            download(report.to_csv(items, ctx["cmap"], model_id), "snaptag-results.csv", "text/csv")

    return handler


def set_mode(mode: str) -> None:
    ctx["mode"] = root.dataset.mode = mode
    document.getElementById("sort-panel").hidden = mode != "sort"
    document.getElementById("teach-panel").hidden = mode != "teach"
    for name in ("sort", "teach"):
        document.getElementById(f"mode-{name}").setAttribute("aria-pressed", "true" if name == mode else "false")
    page = teach.get("page")
    if mode == "sort" and page and "stop_camera" in page.ctx:
        page.ctx["stop_camera"]()


def fail_startup(message: str) -> None:
    root.dataset.snaptag = "error"
    document.getElementById("model-status").textContent = message
    for item in list(queue.items.values()):
        if item.status not in (DONE, ERROR):
            queue.fail(item.id, "The model could not be loaded, so this photo was not classified.")
            cards.render(item)
    sorter.render_counts(queue)


handlers = [create_proxy(on_export("json")), create_proxy(on_export("csv")),
            create_proxy(lambda _e: set_mode("sort")), create_proxy(lambda _e: set_mode("teach"))]


async def load_teach_mode(spec, meta: dict) -> None:
    """Teach mode's modules, imported in a task of their own: importing everything at once made the start's
    longest main-thread task (docs/design.md)."""
    await next_task()
    from app.page import camera, transfer  # noqa: PLC0415
    from app.page import teach as teach_page  # noqa: PLC0415

    teach["page"] = teach_page
    teach_page.cards.ready = True
    await teach_page.start(spec, meta)
    transfer.wire()
    camera.wire()


async def start() -> None:
    document.getElementById("py-status").textContent = "Python: ready"
    snaptag.onfiles = create_proxy(add_files)
    pending = list(snaptag.inbox)
    snaptag.inbox = to_js([])
    for held in document.querySelectorAll("[data-inbox]"):  # boot.js's cards for them, replaced by ours
        held.remove()
    add_files(pending)
    try:
        info = await api.ready()
    except ApiError as err:
        fail_startup(err.message)
        return
    meta = info.metadata
    ctx["spec"], ctx["cmap"], ctx["model_id"] = info.spec, info.cmap, info.model_id
    sorter.build_counts(ctx["cmap"])
    for node_id, handler in zip(("export-json", "export-csv"), handlers):
        document.getElementById(node_id).addEventListener("click", handler)
    queue.model_ready([c.id for c in ctx["cmap"].categories])
    try:
        cards.keep = await sorter.restore(cards, await snaptag.openResultsStore(), info.model_id)
    except Exception as err:  # noqa: BLE001  no IndexedDB (a private window, say): sorting still works
        sorter.say(f"Results can't be kept in this browser ({err}); export them before you leave.")
    sorter.wire(cards, cards.keep)
    cards.ready = True
    await load_teach_mode(ctx["spec"], meta)
    for node_id, handler in zip(("mode-sort", "mode-teach"), handlers[2:]):  # teach mode is there now
        document.getElementById(node_id).addEventListener("click", handler)
    snaptag.readyAt = window.performance.now()
    root.dataset.snaptag = "ready"
    cards.pump()
    sorter.render_counts(queue)


await start()  # noqa: F704, PLE1142  (PyScript runs this module with top-level await)
