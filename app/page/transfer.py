"""Teach mode's files in the page (DOM, Pyodide): export the taught set as one file, import one (on another
machine, or with another model: then the photos are embedded again), and download a train/ val/ test/ zip for
`python build.py train`. The formats are app/teach_io.py's."""

import asyncio

from js import Blob, Uint8Array, document
from pyodide.ffi import create_proxy

from app import teach_io
from app.page.dom import download, js_object, read_bytes
from app.page.teach import ctx, embed, keep, labels_changed, new_label_el, proxies, say, teach
from app.teach import TeachError


async def saved_examples() -> list:
    saved = await ctx["store"].load()
    return [ex for ex in saved.examples if str(ex.id) in teach.examples]


async def export_file(_event=None) -> None:
    examples = [teach_io.Example(str(ex.id), str(ex.label), await read_bytes(ex.photo),
                                 tuple(ex.embedding.to_py()))
                for ex in await saved_examples()]
    download(teach_io.dump(ctx["model"], list(teach.labels), examples), "snaptag-labels.json", "application/json")
    say(f"Exported {len(teach.labels)} labels and {len(examples)} examples.")


async def export_dataset(_event=None) -> None:
    pairs = [(str(ex.label), await read_bytes(ex.photo)) for ex in await saved_examples()]
    if not pairs:
        say("Nothing to export yet: add example photos first.", error=True)
        return
    download(teach_io.dataset_zip(pairs), "snaptag-dataset.zip", "application/zip")
    say(f"Exported {len(pairs)} photos as train/ val/ test/ folders: python build.py train --data <folder>")


async def import_file(event) -> None:
    picker = event.target
    chosen = picker.files.item(0)
    picker.value = ""
    if not chosen:
        return
    try:
        parsed = teach_io.load(await chosen.text(), ctx["model"], ctx["dim"])
    except TeachError as err:
        say(f"{chosen.name}: {err}", error=True)
        return
    for name in parsed.labels:
        if name not in teach.labels:
            try:
                teach.add_label(name)
            except TeachError as err:  # the same name in another case: its examples join that label
                say(str(err), error=True)
                continue
            await ctx["store"].putLabel(name, len(teach.labels))
            new_label_el(name)
    fresh = [e for e in parsed.examples if e.id not in teach.examples]
    lookup = {name.lower(): name for name in teach.labels}
    for n, ex in enumerate(fresh, 1):
        say(f"Importing {n} of {len(fresh)}" + (" (embedding photos for this model)…" if ex.embedding is None else "…"))
        photo = Blob.new([Uint8Array.new(ex.photo)], js_object({"type": "image/jpeg"}))
        embedding = ex.embedding if ex.embedding is not None else (await embed(photo)).embedding
        await keep(ex.id, lookup[ex.label.lower()], embedding, photo)
    labels_changed()
    say(f"Imported {len(fresh)} examples" + (f" ({len(parsed.examples) - len(fresh)} already here)."
                                             if len(fresh) < len(parsed.examples) else "."))


def wire() -> None:
    for node_id, kind, handler in (("teach-export", "click", export_file), ("teach-import", "change", import_file),
                                   ("teach-export-dataset", "click", export_dataset)):
        proxy = create_proxy(lambda event, h=handler: asyncio.ensure_future(h(event)))
        proxies.append(proxy)
        document.getElementById(node_id).addEventListener(kind, proxy)
