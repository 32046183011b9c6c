"""The sorter's results as kept across reloads (IndexedDB, app/page/results_store.js): one record per photo,
keyed by its content hash, so the same photo is one record whatever its name.

Pure Python. Kept: name, size, type, pixel size, the model's decision, the user's override, when, which model,
and (added by the page) a small thumbnail and the photo's embedding (to learn from a correction, and to decide
the card again when the corrections change). Not kept: the original file, so a photo still waiting when the page
closes is not restored, and a restored card cannot be retried.
"""

from __future__ import annotations

from app.logic.mapping import REVIEW, REVIEW_NAME, Decision, display_name
from app.logic.queue import DONE, Item, PhotoInfo, PhotoQueue

FORMAT = 1


def to_record(item: Item, model_id: str, added: float, name=str) -> dict:
    """A done item as a plain record (JSON-like; the page adds `thumb`). `name` names its categories: kept, so
    that a later model version can say what this one said (`said_by_other`)."""
    if item.status != DONE or item.decision is None or item.photo is None:
        raise ValueError(f"{item.name} has no result to keep")
    photo, decision = item.photo, item.decision
    return {"id": photo.digest, "format": FORMAT, "name": item.name, "size": item.size, "mime": item.mime,
            "width": photo.width, "height": photo.height, "time": photo.finished_at,
            "category": decision.category, "top": [[cid, p] for cid, p in decision.top],
            "reason": decision.reason, "like": decision.like, "base": list(decision.base), "override": item.override,
            "model": model_id, "added": added,
            "names": {cid: name(cid) for cid in {decision.category, *(c for c, _p in decision.top),
                                                 *([item.override] if item.override else [])}}}


def by_other_model(record: dict, model_id: str) -> bool:
    """Whether a kept record is a readable result of another model version (shown apart, not as a card)."""
    return record.get("format") == FORMAT and record.get("model") != model_id and "category" in record


def said_by_other(record: dict) -> str:
    """What another model's record says, in that model's names: "Vibes 96%", "Needs review (Menu 41%)", and
    the user's own choice when they made one."""
    names = record.get("names") or {}

    def name(cid: str) -> str:
        return REVIEW_NAME if cid == REVIEW else str(names.get(cid) or display_name(str(cid)))

    try:
        top = [(str(cid), float(p)) for cid, p in record.get("top") or []]
    except (TypeError, ValueError):
        top = []
    best = f"{name(top[0][0])} {top[0][1] * 100:.0f}%" if top else ""
    category = str(record["category"])
    text = f"{name(category)} {top[0][1] * 100:.0f}%" if top and top[0][0] == category else \
        f"{name(category)}{f' ({best})' if best else ''}"
    if record.get("override"):
        text += f", moved by you to {name(str(record['override']))}"
    return text + f" (model {str(record.get('model') or '?')[:14]})"


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
