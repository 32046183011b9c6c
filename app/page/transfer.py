"""Teach mode's files in the page (DOM, Pyodide): export the taught set as one file, import one (on another
machine, or with another model: then the worker embeds the photos again), and download a train/ val/ test/ zip
for `python build.py train`, or a model of the set (app/model_export.py). The formats are app/logic/teach_io.py's."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app import api, labels
from app.logic import teach_io
from app.logic.result import ApiError
from app.page.dom import download, listen, read_bytes

if TYPE_CHECKING:
    from app.page.teach import TeachPanel


class Transfer:
    def __init__(self, panel: TeachPanel) -> None:
        self.panel = panel

    async def export_file(self, _event=None) -> None:
        panel = self.panel
        download(await panel.set.export(), "snaptag-labels.json", "application/json")
        panel.say(f"Exported {len(panel.teach.labels)} labels and {len(panel.teach.examples)} examples.")

    async def export_dataset(self, _event=None) -> None:
        """The examples as train/ val/ test/ folders: each photo the page still has (added this visit), upright and
        at most DATASET_SIDE px; the others as their thumbnail, said and listed in the zip's README.txt."""
        label_set, pairs, small = self.panel.set, [], []
        examples = await label_set.dump()
        if not examples:
            self.panel.say("Nothing to export yet: add example photos first.", error=True)
            return
        for n, ex in enumerate(examples, 1):
            self.panel.say(f"Preparing photo {n} of {len(examples)}…")
            original, photo = label_set.originals.get(str(ex.id)), None
            if original is not None:
                try:
                    photo = await read_bytes(await api.resize(original, teach_io.DATASET_SIDE, 0.9))
                except ApiError:
                    photo = None  # (a file no longer readable): its thumbnail, said below
            if photo is None:
                small.append(len(pairs))
            pairs.append((str(ex.label), photo or await read_bytes(ex.photo)))
        download(teach_io.dataset_zip(pairs, thumbnails=small), "snaptag-dataset.zip", "application/zip")
        note = (f" {len(small)} of them only as {teach_io.THUMB_SIDE}-px thumbnails: the page no longer has those "
                "photos (added on an earlier visit, imported or from the camera); README.txt lists them."
                ) if small else ""
        self.panel.say(f"Exported {len(pairs)} photos as train/ val/ test/ folders: "
                       f"python build.py train --data <folder>.{note}")

    async def export_model(self, _event=None) -> None:
        """The set as a model that `python build.py build --model` ships (app/model_export.py)."""
        panel = self.panel
        try:
            blob = await panel.set.export_model()
        except ApiError as err:
            panel.say(err.message, error=True)
            return
        download(blob, "snaptag-model.zip", "application/zip")
        taught = [name for name in panel.teach.labels if panel.teach.count(name)]
        panel.say(f"Exported a model that sorts into {len(taught)} labels ({', '.join(taught)}); photos unlike "
                  "all of them go to Needs review. Ship it: python build.py build --model snaptag-model.zip")

    async def import_file(self, event) -> None:
        """Import a labels file into the page's set: one that is not ours is refused whole; a damaged example or
        label is left out and said, the rest imported (the host API's import is all or nothing)."""
        panel = self.panel
        picker = event.target
        chosen = picker.files.item(0)
        picker.value = ""
        if not chosen:
            return
        try:
            parsed = await labels.parse(chosen)
            already = sum(e.id in panel.teach.examples for e in parsed.examples)
            added, problems = await panel.set.take(parsed, panel.say)
        except ApiError as err:
            panel.say(f"{chosen.name}: {err.message}", error=True)
            return
        await panel.redraw()
        note = f"Imported {added} examples" + (f" ({already} already here)" if already else "")
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            note += f". Left out {len(problems)}: {shown}"
        panel.say(note + ".", error=bool(problems))

    def wire(self) -> None:
        for node_id, kind, handler in (("teach-export", "click", self.export_file),
                                       ("teach-import", "change", self.import_file),
                                       ("teach-export-dataset", "click", self.export_dataset),
                                       ("teach-export-model", "click", self.export_model)):
            listen(node_id, kind, lambda event, h=handler: asyncio.ensure_future(h(event)))
