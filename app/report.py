"""Export of the results: JSON and CSV, one row per photo, in the order they were added."""

from __future__ import annotations

import csv
import io
import json

from app.mapping import ClassMap
from app.queue import DONE, Item


def rows(items: list[Item], cmap: ClassMap) -> list[dict]:
    out = []
    for item in items:
        row = {"file": item.name, "status": item.status, "category": None, "category_name": None,
               "top3": [], "overridden": False, "error": item.error or None}
        if item.status == DONE and item.decision is not None:
            row.update(
                category=item.category,
                category_name=cmap.name(item.category),
                top3=[{"class": cid, "name": cmap.name(cid), "prob": round(p, 4)} for cid, p in item.decision.top],
                overridden=item.override is not None,
                model_category=item.decision.category,
                review_reason=item.decision.reason or None,
            )
        out.append(row)
    return out


def to_json(items: list[Item], cmap: ClassMap) -> str:
    return json.dumps({"photos": rows(items, cmap)}, indent=1, ensure_ascii=False)


def to_csv(items: list[Item], cmap: ClassMap) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "status", "category", "top1", "p1", "top2", "p2", "top3", "p3", "overridden", "error"])
    for row in rows(items, cmap):
        top = [(t["class"], f"{t['prob']:.4f}") for t in row["top3"]]
        top += [("", "")] * (3 - len(top))
        writer.writerow([row["file"], row["status"], row["category"] or "", *[v for pair in top for v in pair],
                         "yes" if row["overridden"] else "no", row["error"] or ""])
    return buf.getvalue()
