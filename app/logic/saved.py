"""The sorter's results as kept across reloads (IndexedDB, app/page/results_store.js): one record per photo,
keyed by its content hash, so the same photo is one record whatever its name.

Pure Python. Kept: name, size, type, pixel size, the model's decision, the user's override, when, which model,
and (added by the page) a small thumbnail and the photo's embedding (to learn from a correction, and to decide
the card again when the corrections change). Not kept: the original file, so a photo still waiting when the page
closes is not restored, and a restored card cannot be retried.
"""

from __future__ import annotations

from app.logic.mapping import REVIEW, Decision
from app.logic.queue import DONE, Item, PhotoInfo, PhotoQueue

FORMAT = 1


def to_record(item: Item, model_id: str, added: float) -> dict:
    """A done item as a plain record (JSON-like; the page adds `thumb`)."""
    if item.status != DONE or item.decision is None or item.photo is None:
        raise ValueError(f"{item.name} has no result to keep")
    photo, decision = item.photo, item.decision
    return {"id": photo.digest, "format": FORMAT, "name": item.name, "size": item.size, "mime": item.mime,
            "width": photo.width, "height": photo.height, "time": photo.finished_at,
            "category": decision.category, "top": [[cid, p] for cid, p in decision.top],
            "reason": decision.reason, "like": decision.like, "base": list(decision.base), "override": item.override,
            "model": model_id, "added": added}


def restore(queue: PhotoQueue, record: dict, model_id: str) -> Item | None:
    """The record as a done item in `queue`; None when another model made it (its categories may not be this
    model's) or it is not readable."""
    try:
        if record.get("format") != FORMAT or record.get("model") != model_id:
            return None
        top = tuple((str(cid), float(p)) for cid, p in record["top"])
        base = tuple(str(part) for part in record.get("base") or ())
        decision = Decision(str(record["category"]), top, str(record.get("reason") or ""),
                            int(record.get("like") or 0), base if len(base) == 2 else ())
        override = record.get("override") or None  # JS null (pyodide.ffi.jsnull) is no override either
        allowed = set(queue.categories or ()) | {REVIEW}
        if decision.category not in allowed or (override is not None and override not in allowed):
            return None
        photo = PhotoInfo(str(record["id"]), int(record["width"]), int(record["height"]), str(record["time"]))
        return queue.restore(str(record["name"]), int(record["size"]), str(record.get("mime") or ""), decision,
                             None if override is None else str(override), photo)
    except (KeyError, TypeError, ValueError):
        return None
