"""Label sets: teach a classifier from your own code (docs/embedding.md), in Python or, through
window.snaptag.labels, in JavaScript. The page's teach mode is one client of these verbs.

    from app import labels
    parts = await labels.open("parts")                     # opened, or made; kept in IndexedDB under its name
    ex_id = await parts.add_example(video, "good part")    # a File/Blob, ImageBitmap, canvas, <img> or <video>
    p = await parts.predict_class(video)                   # Prediction: label (or None), confidences, unknown
    await parts.delete_example(ex_id)

Python keeps each open set's labels and which example belongs to which (app/logic/teach.py: the decisions); the
worker keeps the vectors and their copy in IndexedDB (worker/taught.js), one database per set. Every photo takes
the one classify path (app/api.py). A change is told to the site's other tabs (app/page/tabs.py), which read the
set again. Failures raise ApiError with the same codes as classify, and `bad_request` for a bad argument.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from js import Blob, Float32Array, Uint8Array
from pyodide.ffi import to_js

from app import api, model_export
from app.logic import teach_io
from app.logic.mapping import UNSURE
from app.logic.result import ApiError
from app.logic.rules import TaughtRule
from app.logic.teach import MAX_LABELS, Prediction, TeachConfig, TeachError, TeachSet, check_set_name
from app.page.dom import js_object, read_bytes
from app.page.tabs import tabs

WRITES = {"teach_label", "teach_add", "teach_remove"}  # the requests that change a set
_open: dict[str, LabelSet] = {}  # name -> the page's one LabelSet of that name


def _refused(err: TeachError) -> ApiError:
    return ApiError("bad_request", str(err))


class LabelSet:
    """One open label set. Its verbs mirror tfjs-models' knn-classifier: add_example, delete_example (O(1)),
    rename_class, clear_class, get_class_example_count, predict_class; and export."""

    def __init__(self, name: str, config: TeachConfig) -> None:
        self.name = name
        self.teach = TeachSet(config)
        self.rule = TaughtRule(self.teach, name)
        self.opened = None  # the worker's last teach_open reply (labels, examples with their photos, notes)
        self.watchers: list[Callable[[LabelSet], None]] = []  # told of every change (results that follow it)
        self.originals: dict[str, object] = {}  # example id -> the File/Blob it came from, this visit only

    def watch(self, watcher: Callable[[LabelSet], None]) -> None:
        if watcher not in self.watchers:
            self.watchers.append(watcher)

    def _changed(self) -> None:
        for watcher in self.watchers:
            watcher(self)

    async def _worker(self, kind: str, payload: dict | None = None, on_progress=None):
        reply = await api.in_worker("teach", kind, js_object({"set": self.name, **(payload or {})}), on_progress)
        if kind in WRITES:
            tabs.tell("teach", set=self.name)
        return reply

    async def read(self, on_progress=None) -> None:
        """(Re)read the set as the worker has it stored; examples of another model are embedded again there."""
        self.opened = await self._worker("teach_open", on_progress=on_progress)
        self.teach.clear()
        for name in self.opened.labels.to_py():
            try:
                self.teach.add_label(str(name))
            except TeachError:
                continue  # a name no longer allowed: its examples are left out below
        for ex in self.opened.examples.to_py():  # the photo Blobs stay JS objects
            if ex["label"] in self.teach.counts:
                self.teach.add_example(str(ex["id"]), str(ex["label"]))
        self._changed()

    @property
    def labels(self) -> list[str]:
        return list(self.teach.labels)

    def examples_of(self, label: str) -> list[str]:
        return [ex_id for ex_id, of in self.teach.examples.items() if of == label]

    def _label(self, label: object) -> str:
        if label not in self.teach.counts:
            raise ApiError("bad_request", f"there is no label {str(label)[:60]!r} in the set {self.name!r}")
        return str(label)

    async def add_label(self, name: object) -> str:
        """A new label (checked: app/logic/teach.py check_label), stored; its cleaned name."""
        try:
            name = self.teach.add_label(name)
        except TeachError as err:
            raise _refused(err) from err
        try:
            await self._worker("teach_label", {"op": "add", "name": name})
        except ApiError:
            self.teach.delete_label(name)
            raise
        self._changed()
        return name

    async def add(self, label: str, source=None, embedding=None, photo=None, ex_id: str = "") -> tuple[str, object]:
        """One example of an existing label: a photo the worker embeds (any source classify takes), or an
        imported (embedding, photo). (its id, its thumbnail) once it is stored."""
        label = self._label(label)
        ex_id = ex_id or uuid.uuid4().hex
        payload = {"exampleId": ex_id, "label": label}
        if embedding is None:
            payload["file"] = await api.prepared(source)
        else:
            payload |= {"embedding": embedding, "photo": photo}
        reply = await self._worker("teach_add", payload)
        self.teach.add_example(ex_id, label)
        if embedding is None and api.is_file(source):
            self.originals[ex_id] = source  # the dataset zip's photo (app/page/transfer.py)
        self._changed()
        return ex_id, reply.thumb

    async def add_example(self, source, label: object) -> str:
        """An example of `label` (made when new) from a photo or a video's current frame; its id, once stored."""
        match = next((name for name in self.teach.labels if isinstance(label, str) and name == label), None)
        ex_id, _thumb = await self.add(match or await self.add_label(label), source)
        return ex_id

    async def delete_example(self, ex_id: object) -> None:
        if ex_id not in self.teach.examples:
            raise ApiError("bad_request", f"there is no example {str(ex_id)[:80]!r} in the set {self.name!r}")
        await self._worker("teach_remove", {"ids": [ex_id]})
        self.teach.remove_example(str(ex_id))
        self._changed()

    async def rename_class(self, old: object, new: object) -> str:
        old = self._label(old)
        try:
            new = self.teach.rename_label(old, new)
        except TeachError as err:
            raise _refused(err) from err
        try:
            await self._worker("teach_label", {"op": "rename", "name": old, "to": new})
        except ApiError:
            self.teach.rename_label(new, old)  # the worker refused: back to the old name
            raise
        self._changed()
        return new

    async def clear_class(self, label: object) -> int:
        """Delete every example of `label` (the label stays); how many there were."""
        ids = self.examples_of(self._label(label))
        if ids:
            await self._worker("teach_remove", {"ids": ids})
        for ex_id in ids:
            self.teach.remove_example(ex_id)
        self._changed()
        return len(ids)

    async def delete_class(self, label: object) -> list[str]:
        """Delete `label` and its examples; their ids."""
        label = self._label(label)
        ids = self.examples_of(label)
        await self._worker("teach_label", {"op": "delete", "name": label, "ids": ids})
        gone = self.teach.delete_label(label)
        self._changed()
        return gone

    def get_class_example_count(self) -> dict[str, int]:
        return {name: self.teach.count(name) for name in self.teach.labels}

    async def predict_class(self, source) -> Prediction:
        """The label of a photo or a video's current frame: `confidences` (every label) and `unknown` sum to 1;
        `label` is None when `unknown` is at least 0.5 (the photo is more likely unlike every label); `unsure`
        when the label's confidence is below 0.5 (the page sends such a photo to review)."""
        result = await api.classify(source, self.rule)
        return self.prediction(result.decision)

    def prediction(self, decision) -> Prediction:
        confidences = dict.fromkeys(self.teach.labels, 0.0) | dict(decision.top)
        unsure = decision.reason == UNSURE  # a known photo, its best label below min_confidence
        label = decision.top[0][0] if unsure else None if decision.reason else decision.category
        return Prediction(label, confidences, max(0.0, 1.0 - sum(confidences.values())), unsure)

    async def decisions(self, embeddings: list) -> list:
        """Decisions for kept embeddings (JS Float32Arrays) under the set as it is now (results that follow their
        labels through renames, deletes and new examples)."""
        if not embeddings:
            return []
        reply = await self._worker("teach_scores", {"embeddings": embeddings})
        return [self.teach.decide(api.label_scores(scores)) for scores in reply.scores]

    async def nearest(self, embeddings: list, k: int) -> list[list[tuple[str, float, float | None]]]:
        """For each kept embedding (a JS Float32Array), its k nearest examples: [(example id, cosine, that
        example's kin or None: worker/examples.js kins)], best first."""
        if not embeddings:
            return []
        reply = await self._worker("teach_nearest", {"embeddings": embeddings, "k": k})
        return [list(zip(n.ids.to_py(), n.sims.to_py(), n.kins.to_py())) for n in reply.nearest]

    async def dump(self) -> list:
        """The stored examples with their photos and vectors (JS objects)."""
        dump = await self._worker("teach_dump")
        return [ex for ex in dump.examples if str(ex.id) in self.teach.examples]

    async def export(self):
        """The whole set as one file (a JS Blob, app/logic/teach_io.py's format): labels, photos, vectors."""
        model = await api.ready()
        examples = [teach_io.Example(str(ex.id), str(ex.label), await read_bytes(ex.photo),
                                     tuple(ex.embedding.to_py())) for ex in await self.dump()]
        text = teach_io.dump(model.embedding_id, self.labels, examples)
        return Blob.new([text], js_object({"type": "application/json"}))

    async def export_model(self):
        """This set as a model that `python build.py build --model` ships (a JS Blob: a zip; app/model_export.py)."""
        return await model_export.export_model(self)

    async def take(self, parsed: teach_io.TeachFile, say=None) -> tuple[int, list[str]]:
        """Add a checked labels file's new labels and examples; (examples added, what was left out)."""
        new = [name for name in parsed.labels if name.lower() not in self.teach.lowered]
        if len(self.teach.labels) + len(new) > MAX_LABELS:
            raise ApiError("refused", f"Importing its {len(new)} new labels would make "
                                      f"{len(self.teach.labels) + len(new)}; a set can have at most {MAX_LABELS}. "
                                      "Nothing was imported.")
        problems = list(parsed.problems)
        for n, name in enumerate(new, 1):
            if say and n % 50 == 1:
                say(f"Adding label {n} of {len(new)}…")
            try:
                await self.add_label(name)
            except ApiError as err:
                problems.append(f"label {name!r}: {err.message}")
        lookup = {name.lower(): name for name in self.teach.labels}
        fresh = [e for e in parsed.examples if e.id not in self.teach.examples and e.label.lower() in lookup]
        added = 0
        for n, ex in enumerate(fresh, 1):
            if say:
                say(f"Importing {n} of {len(fresh)}" + (" (embedding photos for this model)…"
                                                         if ex.embedding is None else "…"))
            photo = Blob.new([Uint8Array.new(ex.photo)], js_object({"type": "image/jpeg"}))
            embedding = None if ex.embedding is None else Float32Array.new(to_js(list(ex.embedding)))
            try:
                await self.add(lookup[ex.label.lower()], photo, embedding, photo, ex.id)
                added += 1
            except ApiError as err:
                problems.append(f"example {ex.id}: {err.message}")
        return added, problems


async def open(name: object, on_progress=None, again: bool = False, own: bool = False) -> LabelSet:  # noqa: A001
    """The label set called `name`, as stored in this browser (an empty one when new). `on_progress({done,
    total})` while examples taught with another model are embedded again; `again`: read it again if open;
    `own`: one of snaptag's own sets (a name with a leading dot: the sorter's corrections)."""
    try:
        name = check_set_name(name, own)
    except TeachError as err:
        raise _refused(err) from err
    if name not in _open:
        model = await api.ready()
        try:
            label_set = LabelSet(name, TeachConfig.from_metadata(model.metadata))
        except TeachError as err:
            raise ApiError("load_failed", str(err)) from err
        await label_set.read(on_progress)
        _open[name] = label_set
    elif again:
        await _open[name].read(on_progress)
    return _open[name]


async def parse(file) -> teach_io.TeachFile:
    """A labels file (a File or Blob), checked before and while it is parsed; ApiError 'refused' if not ours."""
    if not api.is_file(file):
        raise ApiError("bad_request", "expected a labels file (a File or Blob)")
    model = await api.ready()
    try:
        teach_io.check_size(int(file.size))
        return teach_io.load(str(await file.text()), model.embedding_id, int(model.metadata["outputs"]["embedding"]))
    except TeachError as err:
        raise ApiError("refused", str(err)) from err


async def import_set(file, name: object) -> LabelSet:
    """A labels file (export's) into the set `name` (made when new). All or nothing: a file with any damaged
    label or example is refused with what is wrong, and nothing is stored."""
    parsed = await parse(file)
    if parsed.problems:
        shown = "; ".join(parsed.problems[:3]) + (f"; and {len(parsed.problems) - 3} more"
                                                  if len(parsed.problems) > 3 else "")
        raise ApiError("refused", f"This labels file is damaged ({shown}). Nothing was imported.")
    label_set = await open(name)
    _added, problems = await label_set.take(parsed)
    if problems:
        raise ApiError("storage", f"Some of the file could not be stored: {'; '.join(problems[:3])}.")
    return label_set


async def list_sets() -> list[str]:
    """The names of the label sets stored in this browser (and those in memory where storage is blocked); not
    snaptag's own (a leading dot)."""
    names = (await api.in_worker("teach", "teach_list", js_object({}))).sets.to_py()
    return [str(name) for name in names if not str(name).startswith(".")]


async def remove(name: object) -> None:
    """Delete the set `name` and everything in it from this browser."""
    try:
        name = check_set_name(name)
    except TeachError as err:
        raise _refused(err) from err
    await api.in_worker("teach", "teach_drop", js_object({"set": name}))
    _open.pop(name, None)
    tabs.tell("teach", here=True, set=name)  # teach mode, here too, shows its set anew if it was this one


def opened(name: object) -> LabelSet:
    """The open set called `name`; ApiError 'not_loaded' if it is not open."""
    if name not in _open:
        raise ApiError("not_loaded", f"the label set {str(name)[:100]!r} is not open (was it removed?): open it again")
    return _open[name]
