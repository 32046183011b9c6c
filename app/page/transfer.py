"""Teach mode's files in the page (DOM, Pyodide): export the taught set as one file, import one (on another
machine, or with another model: then the worker embeds the photos again), and download a train/ val/ test/ zip
for `python build.py train`. The formats are app/logic/teach_io.py's."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from js import Blob, Float32Array, Uint8Array
from pyodide.ffi import to_js

from app.logic import teach_io
from app.logic.result import ApiError
from app.logic.teach import MAX_LABELS, TeachError
from app.page.dom import download, js_object, listen, read_bytes

if TYPE_CHECKING:
    from app.page.teach import TeachPanel


class Transfer:
    def __init__(self, panel: TeachPanel) -> None:
        self.panel = panel

    async def saved_examples(self) -> list:
        dump = await self.panel.worker("teach_dump", {})
        return [ex for ex in dump.examples if str(ex.id) in self.panel.teach.examples]

    async def export_file(self, _event=None) -> None:
        panel = self.panel
        examples = [teach_io.Example(str(ex.id), str(ex.label), await read_bytes(ex.photo),
                                     tuple(ex.embedding.to_py()))
                    for ex in await self.saved_examples()]
        download(teach_io.dump(panel.model.model_id, list(panel.teach.labels), examples), "snaptag-labels.json",
                 "application/json")
        panel.say(f"Exported {len(panel.teach.labels)} labels and {len(examples)} examples.")

    async def export_dataset(self, _event=None) -> None:
        pairs = [(str(ex.label), await read_bytes(ex.photo)) for ex in await self.saved_examples()]
        if not pairs:
            self.panel.say("Nothing to export yet: add example photos first.", error=True)
            return
        download(teach_io.dataset_zip(pairs), "snaptag-dataset.zip", "application/zip")
        self.panel.say(f"Exported {len(pairs)} photos as train/ val/ test/ folders: "
                       "python build.py train --data <folder>")

    async def import_file(self, event) -> None:
        """Import a labels file: one that is not ours is refused whole; a damaged example or label is left out
        and said, the rest imported."""
        panel, teach = self.panel, self.panel.teach
        picker = event.target
        chosen = picker.files.item(0)
        picker.value = ""
        if not chosen:
            return
        dim = int(panel.model.metadata["outputs"]["embedding"])
        try:
            teach_io.check_size(int(chosen.size))
            parsed = teach_io.load(await chosen.text(), panel.model.model_id, dim)
            new = [name for name in parsed.labels if name.lower() not in teach.lowered]
            if len(teach.labels) + len(new) > MAX_LABELS:
                raise TeachError(f"Importing its {len(new)} new labels would make {len(teach.labels) + len(new)}; "
                                 f"a set can have at most {MAX_LABELS}. Nothing was imported.")
        except TeachError as err:
            panel.say(f"{chosen.name}: {err}", error=True)
            return
        problems = list(parsed.problems)
        for n, name in enumerate(new, 1):
            if n % 50 == 1:
                panel.say(f"Adding label {n} of {len(new)}…")
            try:
                await panel.add_label(name)
            except (TeachError, ApiError) as err:
                problems.append(f"label {name!r}: {getattr(err, 'message', err)}")
        fresh = [e for e in parsed.examples if e.id not in teach.examples]
        lookup = {name.lower(): name for name in teach.labels}
        added = 0
        for n, ex in enumerate(fresh, 1):
            panel.say(f"Importing {n} of {len(fresh)}"
                      + (" (embedding photos for this model)…" if ex.embedding is None else "…"))
            label = lookup.get(ex.label.lower())
            if label is None:
                continue  # its label could not be made: said above
            photo = Blob.new([Uint8Array.new(ex.photo)], js_object({"type": "image/jpeg"}))
            embedding = None if ex.embedding is None else Float32Array.new(to_js(list(ex.embedding)))
            try:
                await panel.add_example(label, photo, embedding, photo, ex.id)
                added += 1
            except ApiError as err:
                problems.append(f"example {ex.id}: {err.message}")
        note = f"Imported {added} examples"
        if len(fresh) < len(parsed.examples):
            note += f" ({len(parsed.examples) - len(fresh)} already here)"
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            note += f". Left out {len(problems)}: {shown}"
        panel.say(note + ".", error=bool(problems))

    def wire(self) -> None:
        for node_id, kind, handler in (("teach-export", "click", self.export_file),
                                       ("teach-import", "change", self.import_file),
                                       ("teach-export-dataset", "click", self.export_dataset)):
            listen(node_id, kind, lambda event, h=handler: asyncio.ensure_future(h(event)))
