"""Export of the results: JSON and CSV with the same fields, one row per photo, in the order they were added.

Fields: id (the photo's content hash), file, size, width, height, status, category (as filed, overrides
included), category_name, model_category, reason (why the model sent it to review; "corrected": filed by the
user's corrections, app/logic/corrections.py, model_category being the model's own), top-3, overridden, error,
model_id, threshold, time. CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab
or a carriage return) are written with a leading apostrophe (OWASP's rule for CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from app.logic.corrections import base_of
from app.logic.mapping import ClassMap
from app.logic.queue import DONE, Item

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FIELDS = ("id", "file", "size", "width", "height", "status", "category", "model_category", "reason", "top1",
              "p1", "top2", "p2", "top3", "p3", "overridden", "error", "model_id", "threshold", "time")


Names = Callable[[str], str] | None  # how categories are named (default: the model's; a label set names its own)
Extra = Callable[[Item], dict] | None  # more fields per photo (Download sorted: where it is in the zip)


def rows(items: list[Item], cmap: ClassMap, model_id: str = "", names: Names = None, extra: Extra = None) -> list[dict]:
    name = names or cmap.name
    out = []
    for item in (i for i in items if i.duplicate_of is None):  # a photo added twice is one row
        photo = item.photo
        row = {"id": photo.digest[:16] if photo else None, "file": item.name, "size": item.size,
               "width": photo.width if photo else None, "height": photo.height if photo else None,
               "status": item.status, "category": None, "category_name": None, "model_category": None,
               "reason": None, "top3": [], "overridden": False, "error": item.error or None,
               "model_id": model_id, "threshold": cmap.threshold, "time": photo.finished_at if photo else None}
        if item.status == DONE and item.decision is not None:
            row.update(
                category=item.category,
                category_name=name(item.category),
                model_category=base_of(item.decision).category,
                reason=item.decision.reason or None,
                top3=[{"class": cid, "name": name(cid), "prob": round(p, 4)} for cid, p in item.decision.top[:3]],
                overridden=item.override is not None,
            )
        out.append(row | (extra(item) if extra else {}))
    return out


def to_json(items: list[Item], cmap: ClassMap, model_id: str = "", names: Names = None, extra: Extra = None) -> str:
    return json.dumps({"photos": rows(items, cmap, model_id, names, extra)}, indent=1, ensure_ascii=False)


def cell(value: object) -> str:
    """A CSV cell's text; one a spreadsheet would take for a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(items: list[Item], cmap: ClassMap, model_id: str = "", names: Names = None, extra: Extra = None,
           extra_fields: tuple[str, ...] = ()) -> str:
    fields = CSV_FIELDS + extra_fields
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a field holding \r or \n is then quoted
    writer.writerow(fields)
    for row in rows(items, cmap, model_id, names, extra):
        flat = {**row, "overridden": "yes" if row["overridden"] else "no"}
        for i in range(3):
            top = row["top3"][i] if i < len(row["top3"]) else None
            flat[f"top{i + 1}"], flat[f"p{i + 1}"] = (top["class"], f"{top['prob']:.4f}") if top else ("", "")
        writer.writerow([cell(flat[name]) for name in fields])
    return buf.getvalue()
