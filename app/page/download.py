"""Download sorted (DOM, Pyodide): the original photos in one folder per category, with the index and the
sorter's corrections, as a zip streamed by app/page/archive.js (several zips, one after the other, beyond
archive.PART_BYTES of photos); what goes where is app/logic/archive.py's. Says what it made and what it left out
(#export-status)."""

from js import document, window

from app.api import awaited
from app.logic import archive, report
from app.logic.result import ApiError, ModelInfo
from app.page.cards import CardList
from app.page.dom import download, js_object


def say(text: str) -> None:
    document.getElementById("export-status").textContent = text


CORRECTIONS = "snaptag-corrections.json"  # the sorter's corrections, when any (Import corrections takes it)


def offer(cards: CardList) -> None:
    """Download sorted's button says what it can include now."""
    text = archive.offer(list(cards.queue.items.values()), lambda item_id: item_id in cards.files)
    button = document.getElementById("download-sorted")
    if button.textContent != text:
        button.textContent = text
    button.disabled = not cards.queue.items or button.hasAttribute("data-zipping")


async def download_sorted(cards: CardList, model: ModelInfo, corrections=None) -> None:
    """`corrections`: the correction label set (app/page/learning.py), whose file goes along when it has any."""
    items = list(cards.queue.items.values())
    plan = archive.plan(items, lambda item_id: item_id in cards.files, cards.name)
    fields = archive.index_fields(plan)
    cmap, model_id = model.cmap, model.model_id
    index = [("index.csv", report.to_csv(items, cmap, model_id, cards.name, fields, archive.INDEX_FIELDS)),
             ("index.json", report.to_json(items, cmap, model_id, cards.name, fields))]
    extra = [{"path": path, "input": text} for path, text in index]
    if corrections is not None and corrections.teach.examples:
        try:
            extra.append({"path": CORRECTIONS, "input": await corrections.export()})
        except ApiError as err:
            say(f"Your corrections could not be added to the zip: {err.message}")
    button = document.getElementById("download-sorted")
    limit = int(button.getAttribute("data-part-bytes") or archive.PART_BYTES)  # a page may lower it (tests do)
    zips = archive.parts(plan.entries, lambda item_id: cards.files[item_id].size, limit)
    names = archive.zip_names(len(zips))
    button.disabled = True
    button.setAttribute("data-zipping", "")
    try:
        for n, (part, name) in enumerate(zip(zips, names)):
            say(f"Making the zip of {len(part)} photos…" if len(zips) == 1 else
                f"Making zip {n + 1} of {len(zips)} ({len(part)} photos)…")
            entries = (extra if n == 0 else []) + [{"path": e.path, "input": cards.files[e.item_id]} for e in part]
            blob = await awaited(window.snaptag, "zipOf", js_object(entries))
            download(blob, name, "application/zip")
        say(archive.summary(plan, len(zips)))
    except ApiError as err:
        done = f" ({n} of {len(zips)} zips were downloaded)" if n else ""
        say(f"The zip could not be made: {err.message}{done}")
    finally:
        button.removeAttribute("data-zipping")
        offer(cards)
