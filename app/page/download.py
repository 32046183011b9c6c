"""Download sorted (DOM, Pyodide): the original photos in one folder per category, with the index and the
sorter's corrections, as a zip streamed by app/page/archive.js; what goes where is app/logic/archive.py's. Says
what it made and what it left out (#export-status)."""

from js import document, window

from app.api import awaited
from app.logic import archive, report
from app.logic.result import ApiError, ModelInfo
from app.page.cards import CardList
from app.page.dom import download, js_object

ZIP_NAME = "snaptag-sorted.zip"


def say(text: str) -> None:
    document.getElementById("export-status").textContent = text


CORRECTIONS = "snaptag-corrections.json"  # the sorter's corrections, when any (Import corrections takes it)


async def download_sorted(cards: CardList, model: ModelInfo, corrections=None) -> None:
    """`corrections`: the correction label set (app/page/learning.py), whose file goes along when it has any."""
    items = list(cards.queue.items.values())
    plan = archive.plan(items, lambda item_id: item_id in cards.files, cards.name)
    fields = archive.index_fields(plan)
    cmap, model_id = model.cmap, model.model_id
    index = [("index.csv", report.to_csv(items, cmap, model_id, cards.name, fields, archive.INDEX_FIELDS)),
             ("index.json", report.to_json(items, cmap, model_id, cards.name, fields))]
    entries = [{"path": path, "input": text} for path, text in index]
    entries += [{"path": e.path, "input": cards.files[e.item_id]} for e in plan.entries]
    if corrections is not None and corrections.teach.examples:
        try:
            entries.append({"path": CORRECTIONS, "input": await corrections.export()})
        except ApiError as err:
            say(f"Your corrections could not be added to the zip: {err.message}")
    button = document.getElementById("download-sorted")
    button.disabled = True
    say(f"Making the zip of {len(plan.entries)} photos…")
    try:
        blob = await awaited(window.snaptag, "zipOf", js_object(entries))
        download(blob, ZIP_NAME, "application/zip")
        say(archive.summary(plan))
    except ApiError as err:
        say(f"The zip could not be made: {err.message}")
    finally:
        button.disabled = False
