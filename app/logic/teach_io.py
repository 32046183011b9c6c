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
import struct
import zipfile
from dataclasses import dataclass

from app.logic.split_rule import assign, content_hash
from app.logic.teach import TeachError, check_label

FORMAT = "snaptag-teach/1"
MAX_EXAMPLES = 5000


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

    @property
    def needs_embedding(self) -> list[Example]:
        return [e for e in self.examples if e.embedding is None]


def pack_embedding(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def unpack_embedding(text: str) -> tuple[float, ...]:
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 4:
        raise ValueError("not a float32 array")
    return struct.unpack(f"<{len(raw) // 4}f", raw)


def dump(model: str, labels: list[str], examples: list[Example]) -> str:
    return json.dumps({
        "format": FORMAT, "model": model, "labels": list(labels),
        "examples": [{"id": e.id, "label": e.label, "photo": base64.b64encode(e.photo).decode("ascii"),
                      "embedding": pack_embedding(list(e.embedding)) if e.embedding is not None else None}
                     for e in examples],
    })


def load(text: str, model: str, dim: int) -> TeachFile:
    """Parse and check an export file for a page running `model` (embedding size `dim`); TeachError says why not."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TeachError(f"This is not a snaptag labels file (not JSON: {exc}).") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TeachError(f"This is not a snaptag labels file (expected format {FORMAT!r}).")
    labels: list[str] = []
    for name in doc.get("labels") or []:
        labels.append(check_label(name, labels))
    same_model = doc.get("model") == model
    rows = doc.get("examples") or []
    if len(rows) > MAX_EXAMPLES:
        raise TeachError(f"The file has {len(rows)} examples; at most {MAX_EXAMPLES} can be imported.")
    examples, seen = [], set()
    for n, row in enumerate(rows, 1):
        try:
            ex_id, label = str(row["id"]), str(row["label"])
            photo = base64.b64decode(row["photo"], validate=True)
            emb = unpack_embedding(row["embedding"]) if same_model and row.get("embedding") else None
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise TeachError(f"Example {n} in the file is damaged ({exc}); nothing was imported.") from exc
        if label not in labels:
            raise TeachError(f"Example {n} belongs to {label!r}, which is not among the file's labels.")
        if not photo.startswith(b"\xff\xd8"):
            raise TeachError(f"Example {n} in the file has no JPEG photo; nothing was imported.")
        if emb is not None and len(emb) != dim:
            emb = None  # another embedding size: embed the photo again
        if ex_id in seen:
            raise TeachError(f"Example id {ex_id} appears twice in the file.")
        seen.add(ex_id)
        examples.append(Example(ex_id, label, photo, emb))
    return TeachFile(str(doc.get("model") or ""), tuple(labels), tuple(examples))


def dataset_zip(examples: list[tuple[str, bytes]], root: str = "snaptag-dataset") -> bytes:
    """(label, JPEG bytes) -> a zip of root/{train,val,test}/<label>/<hash>.jpg, split by app/logic/split_rule.py."""
    hashes = [content_hash(photo) for _, photo in examples]
    labels = [label for label, _ in examples]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for (label, photo), digest, split in zip(examples, hashes, assign(hashes, labels)):
            zf.writestr(f"{root}/{split}/{label}/{digest[:16]}.jpg", photo)
        zf.writestr(f"{root}/README.txt", "Photos taught in snaptag, split by content hash into train/ val/ test/.\n"
                    f"Train a model of them: python build.py train --data {root}\n")
    return buf.getvalue()
