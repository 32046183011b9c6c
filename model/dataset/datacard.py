"""Data card: which sources (and licenses) the training images came from, read from SOURCES.csv."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


def find_sources(data_root: Path) -> Path | None:
    for folder in [Path(data_root), *Path(data_root).resolve().parents][:3]:
        if (folder / "SOURCES.csv").is_file():
            return folder / "SOURCES.csv"
    return None


def data_card(paths: list[Path], data_root: Path) -> dict:
    sources = find_sources(data_root)
    if sources is None:
        return {"images": len(paths), "sources": [], "note": "no SOURCES.csv found beside the data"}
    base = sources.parent.resolve()
    wanted = {str(Path(p).resolve().relative_to(base)) for p in paths if base in Path(p).resolve().parents}
    counts: Counter = Counter()
    with sources.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["file"] in wanted:
                counts[(row["repository"], row["license"])] += 1
    return {
        "images": len(paths),
        "sources": [{"repository": r, "license": lic, "images": n} for (r, lic), n in sorted(counts.items())],
    }
