"""Teach mode's files: one export file to move a taught set to another machine, and a train/ val/ test/<label>/
zip that `python build.py train --data DIR` turns into a real model. Pure Python (json, base64, zipfile).

Export file (JSON): {"format": "snaptag-teach/1", "model": <model id>, "labels": [names],
"examples": [{"id", "label", "photo": base64 JPEG, "embedding": base64 float32 little-endian}]}.
An import from another model keeps the photos and drops the embeddings: the page embeds the photos again.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import re
import struct
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

from app.logic.split_rule import assign, content_hash
from app.logic.teach import MAX_LABELS, TeachError, check_label

FORMAT = "snaptag-teach/1"
MAX_EXAMPLES = 5000
MAX_FILE_BYTES = 200_000_000  # 5,000 examples with their photos take about 110 MB
MAX_DEPTH = 4  # the format nests 3 deep ({ "examples": [ { ...): deeper is not ours, and could overflow a parser
EXAMPLE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET = re.compile(r"[\[\]{}]")


@dataclass(frozen=True)
class Example:
    id: str
    label: str
    photo: bytes  # a small JPEG
    embedding: tuple[float, ...] | None  # None: to be embedded again by this model


@dataclass(frozen=True)
class TeachFile:
    model: str
    labels: tuple[str, ...]
    examples: tuple[Example, ...]
    problems: tuple[str, ...] = ()  # what was left out of the file, one line each; the rest is imported

    @property
    def needs_embedding(self) -> list[Example]:
        return [e for e in self.examples if e.embedding is None]


def pack_embedding(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def unpack_embedding(text: str) -> tuple[float, ...]:
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 4:
        raise ValueError("not a float32 array")
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    if not all(math.isfinite(v) for v in values) or not any(values):
        raise ValueError("its embedding holds NaN, infinite or only zero values")
    return values


def check_size(n_bytes: int) -> None:
    """Before reading a file: refuse one too large to be an export of ours."""
    if n_bytes > MAX_FILE_BYTES:
        raise TeachError(f"The file is too large ({n_bytes / 1e6:.0f} MB; a labels file is at most "
                         f"{MAX_FILE_BYTES / 1e6:.0f} MB).")


def nesting(text: str) -> int:
    """How deep the file's arrays and objects nest (brackets inside strings don't count), without parsing it."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def dump(model: str, labels: list[str], examples: list[Example]) -> str:
    return json.dumps({
        "format": FORMAT, "model": model, "labels": list(labels),
        "examples": [{"id": e.id, "label": e.label, "photo": base64.b64encode(e.photo).decode("ascii"),
                      "embedding": pack_embedding(list(e.embedding)) if e.embedding is not None else None}
                     for e in examples],
    })


def load(text: str, model: str, dim: int) -> TeachFile:
    """Parse and check an export file for a page running `model` (embedding size `dim`). A file that is not ours
    (or too large, or too deep) is a TeachError; a damaged example or label is left out and said in `problems`."""
    check_size(len(text))
    if nesting(text) > MAX_DEPTH:
        raise TeachError("This is not a snaptag labels file (it nests deeper than one could).")
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise TeachError(f"This is not a snaptag labels file (not JSON: {exc}).") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TeachError(f"This is not a snaptag labels file (expected format {FORMAT!r}).")
    names, rows = doc.get("labels", []), doc.get("examples", [])
    if not isinstance(names, list) or not isinstance(rows, list):
        raise TeachError("This labels file is damaged: 'labels' and 'examples' must be lists.")
    if len(names) > MAX_LABELS:
        raise TeachError(f"The file has {len(names)} labels; a set can have at most {MAX_LABELS}.")
    if len(rows) > MAX_EXAMPLES:
        raise TeachError(f"The file has {len(rows)} examples; at most {MAX_EXAMPLES} can be imported.")
    labels: dict[str, str] = {}  # lower-cased -> as written
    problems: list[str] = []
    for given in names:
        try:
            name = check_label(given, labels)
            labels[name.lower()] = name
        except TeachError as err:
            problems.append(f"label {str(given)[:60]!r}: {err}")
    same_model = doc.get("model") == model
    examples, seen = [], set()
    for n, row in enumerate(rows, 1):
        try:
            examples.append(_example(row, labels, seen, dim if same_model else None))
        except KeyError as exc:
            problems.append(f"example {n}: it has no {exc}")
        except (TeachError, TypeError, ValueError, binascii.Error) as exc:
            problems.append(f"example {n}: {exc}")
    return TeachFile(str(doc.get("model") or ""), tuple(labels.values()), tuple(examples), tuple(problems))


def _example(row, labels: dict[str, str], seen: set[str], dim: int | None) -> Example:
    """One row of the file, checked; `dim` None: its embedding is dropped (another model's)."""
    if not isinstance(row, dict):
        raise TeachError("not an example record")
    ex_id, label = row["id"], row["label"]
    if not isinstance(ex_id, str) or not EXAMPLE_ID.fullmatch(ex_id):
        raise TeachError("its id must be 1 to 64 letters, digits, - or _")
    if ex_id in seen:
        raise TeachError(f"id {ex_id} appears twice")
    if not isinstance(label, str) or label.lower() not in labels:
        raise TeachError(f"it belongs to {str(label)[:60]!r}, which is not among the file's labels")
    if not isinstance(row["photo"], str):
        raise TeachError("its photo is not base64 text")
    photo = base64.b64decode(row["photo"], validate=True)
    if not photo.startswith(b"\xff\xd8"):
        raise TeachError("it has no JPEG photo")
    emb = row.get("embedding")
    if emb is not None and not isinstance(emb, str):
        raise TeachError("its embedding is not base64 text")
    values = unpack_embedding(emb) if emb else None  # checked (NaN, zeros) even when it is not kept
    if dim is not None and values is not None and len(values) != dim:
        raise TeachError(f"its embedding has {len(values)} values; this model's have {dim}")
    seen.add(ex_id)
    return Example(ex_id, labels[label.lower()], photo, values if dim is not None else None)


DATASET_SIDE = 512  # the dataset zip's photos: longest side at most this (train's input is 224)
THUMB_SIDE = 192  # an example's kept photo when the page no longer has the original (worker/worker.js THUMB)


def dataset_zip(examples: list[tuple[str, bytes]], root: str = "snaptag-dataset",
                thumbnails: Collection[int] = ()) -> bytes:
    """(label, JPEG bytes) -> a zip of root/{train,val,test}/<label>/<hash>.jpg, split by app/logic/split_rule.py.
    `thumbnails`: the indices of examples that are only their small thumbnail (the page no longer had the photo);
    README.txt lists them."""
    hashes = [content_hash(photo) for _, photo in examples]
    labels = [label for label, _ in examples]
    buf = io.BytesIO()
    small = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for n, ((label, photo), digest, split) in enumerate(zip(examples, hashes, assign(hashes, labels))):
            path = f"{split}/{label}/{digest[:16]}.jpg"
            zf.writestr(f"{root}/{path}", photo)
            if n in thumbnails:
                small.append(path)
        note = (f"\n{len(small)} of these are only {THUMB_SIDE}-px thumbnails (the page no longer had the photos: "
                "added on an earlier visit, imported or from the camera):\n" + "".join(f"  {p}\n" for p in small)
                ) if small else ""
        zf.writestr(f"{root}/README.txt", "Photos taught in snaptag (longest side at most "
                    f"{DATASET_SIDE} px, upright), split by content hash into train/ val/ test/.\n"
                    f"Train a model of them: python build.py train --data {root}\n{note}")
    return buf.getvalue()
