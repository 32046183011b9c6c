"""*Export model*: a label set as a model that `python build.py build --model ZIP` ships as the page's categories
(app/logic/taught_model.py: the shipped graph as it is, the examples' vectors as its decision, no TensorFlow).
The host API's `labels.open(name)` set has it as `exportModel()`; teach mode as a button."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from js import Date, window
from pyodide.ffi import to_js

from app import api
from app.logic import taught_model
from app.logic.result import ApiError
from app.logic.teach import TeachError

if TYPE_CHECKING:
    from app.labels import LabelSet


async def export_model(label_set: LabelSet):
    """The zip (a JS Blob): model.json and its shards as this page loaded them, metadata.json, examples.bin."""
    model = await api.ready()
    by_label: dict[str, list] = {name: [] for name in label_set.labels}
    for ex in await label_set.dump():
        by_label[str(ex.label)].append(ex.embedding)  # JS Float32Arrays: they stay JS
    counts = [(name, len(vectors)) for name, vectors in by_label.items()]
    try:
        meta = taught_model.metadata(model.metadata, label_set.name, counts, str(Date.new().toISOString()))
    except TeachError as err:
        raise ApiError("bad_request", str(err)) from err
    vectors = [vector for name, _n in counts for vector in by_label[name]]
    return await api.awaited(window.snaptag, "modelZip", json.dumps(meta, indent=1), to_js(vectors))
