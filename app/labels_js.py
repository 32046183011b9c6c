"""window.snaptag.labels (app/page/api.js): JavaScript's names for the label-set verbs of app/labels.py, and the
sets they name."""

from __future__ import annotations

from app.labels import LabelSet, import_set, list_sets, open, opened, remove  # noqa: A004
from app.logic.result import ApiError


async def _js_open(name) -> str:
    return (await open(name)).name


async def _js_import(name, file=None) -> str:
    return (await import_set(file, name)).name


async def _js_list(_name=None) -> list[str]:
    return await list_sets()


async def _js_predict(label_set: LabelSet, source) -> dict:
    return (await label_set.predict_class(source)).public()


async def _js_counts(label_set: LabelSet) -> dict[str, int]:
    return label_set.get_class_example_count()


SETS = {"open": _js_open, "import": _js_import, "list": _js_list, "remove": remove}
VERBS = {"addExample": LabelSet.add_example, "deleteExample": LabelSet.delete_example,
         "renameClass": LabelSet.rename_class, "clearClass": LabelSet.clear_class,
         "deleteClass": LabelSet.delete_class, "getClassExampleCount": _js_counts, "predictClass": _js_predict,
         "export": LabelSet.export, "exportModel": LabelSet.export_model}


async def js_verb(verb: str, name=None, *args):
    """window.snaptag.labels and its sets' verbs (app/page/api.js): JavaScript's names, Python's work."""
    if verb in SETS:
        return await SETS[verb](name, *args)
    if verb not in VERBS:
        raise ApiError("bad_request", f"unknown label set verb {verb!r}")
    return await VERBS[verb](opened(name), *args)
