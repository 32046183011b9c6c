"""A taught model: the shipped graph with a label set's examples as its decision. Pure Python: the page (export),
the host API's rule and `python build.py build` (CPython, no TensorFlow) share it.

*Export model* (teach mode, or `LabelSet.export_model` in the host API) zips the page's model files as they are
(model.json and its shards), `examples.bin` and a new metadata.json; `python build.py build --model ZIP|DIR` ships
it like a trained model. The worker reads examples.bin into an ExampleBank (worker/examples.js) and adds each
photo's label scores to its reply; app/logic/teach.py decides as in teach mode, and a photo unlike every label
("unknown") goes to Needs review. The embedding is the shipped one (`embedding_id`), so label sets and
corrections made under the shipped model stay valid.

metadata `taught`: {file, set, dtype: "float32", labels: [{name, examples}]}; examples.bin holds the examples'
vectors, float32 little-endian, `dim` per example, label by label in that order.
"""

from __future__ import annotations

from app.logic.mapping import MappingError
from app.logic.teach import TeachConfig, TeachError, TeachSet

TAUGHT_FILE = "examples.bin"
DROPPED = ("metrics", "train_config", "taught")  # the trained head's numbers: not this model's


def embedding_id(meta: dict) -> str:
    """What made the embedding (label sets' vectors are kept per embedding): the shipped model's id."""
    return str(meta.get("embedding_id") or meta.get("model_id") or "")


def metadata(base: dict, set_name: str, counts: list[tuple[str, int]], made: str) -> dict:
    """metadata.json of a model that decides by the labels `counts` ((label, examples) in examples.bin's
    order; labels without examples are left out) on `base`'s graph; `made`: when (ISO time; names the model)."""
    counts = [(name, n) for name, n in counts if n > 0]
    if not counts:
        raise TeachError("Teach at least one label with an example first: a model needs something to decide by.")
    teach = TeachConfig.from_metadata(base)
    check = TeachSet(teach)
    for name, _n in counts:
        check.add_label(name)  # the names a set allows (no path characters: they become folder names)
    embedded_by = embedding_id(base)
    return {**{k: v for k, v in base.items() if k not in DROPPED},
            "classes": [{"id": name, "name": name, "in_scope": True} for name, _n in counts],
            "threshold": teach.min_known, "title": f"Model: {set_name}",
            "model_id": f"{embedded_by}+taught:{set_name}:{made}", "embedding_id": embedded_by,
            "taught": {"file": TAUGHT_FILE, "set": set_name, "dtype": "float32",
                       "labels": [{"name": name, "examples": n} for name, n in counts]}}


def _labels(meta: dict) -> list[tuple[str, int]]:
    try:
        labels = [(str(row["name"]), int(row["examples"])) for row in meta["taught"]["labels"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise MappingError(f"model metadata has an unusable 'taught' entry: {exc}") from exc
    if meta["taught"].get("file") != TAUGHT_FILE or meta["taught"].get("dtype") != "float32":
        raise MappingError(f"a taught model's vectors are float32 in {TAUGHT_FILE}")
    if not labels or any(n < 1 for _name, n in labels):
        raise MappingError("a taught model needs at least one label, each with examples")
    if [c.get("id") for c in meta.get("classes") or []] != [name for name, _n in labels]:
        raise MappingError("a taught model's classes must be its labels, in the same order")
    return labels


def teach_set(meta: dict) -> TeachSet | None:
    """A taught model's decision (its labels and how many examples each has), or None for a trained head."""
    if meta.get("taught") is None:
        return None
    taught = TeachSet(TeachConfig.from_metadata(meta))
    for name, n in _labels(meta):
        taught.add_label(name)
        taught.counts[name] = n  # the examples themselves are the worker's (examples.bin)
    return taught


def expected_bytes(meta: dict) -> int:
    """examples.bin's size for this metadata (the build checks it)."""
    return sum(n for _name, n in _labels(meta)) * int(meta["outputs"]["embedding"]) * 4
