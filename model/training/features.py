"""Backbone features per image, cached on disk by the image's content hash.

The backbone is frozen, so a photo's pooled features depend only on its bytes, the input size and the view
(the photo as is, or mirrored). Training, `evaluate`-style studies and the tests read them from one cache
per (weights, size, view): a second `train` on the same photos runs the backbone on none of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from app.logic.spec import PreprocessSpec
from model.dataset import data
from model.training.progress import Progress

VIEWS = ("plain", "flip")
BATCH = 64


class FeatureCache:
    """keys (content hashes) -> float32 rows, one .npz per backbone/size/view; writes are atomic."""

    def __init__(self, file: Path) -> None:
        self.file = Path(file)
        self.rows: dict[str, np.ndarray] = {}
        if self.file.is_file():
            with np.load(self.file) as z:
                self.rows = dict(zip(z["keys"].tolist(), z["feats"]))

    def save(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(f".{os.getpid()}.tmp.npz")
        keys = sorted(self.rows)
        feats = np.stack([self.rows[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        np.savez(tmp, keys=np.asarray(keys), feats=feats)
        tmp.replace(self.file)


def _hashes(paths: list[Path]) -> list[str]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(data.content_hash, paths))


def extract(
    paths: list[Path], spec: PreprocessSpec, embed: Callable[[np.ndarray], np.ndarray], cache_file: Path,
    view: str = "plain", label: str = "features",
) -> np.ndarray:
    """(N, D) features of `paths` through `embed` (a batch of NHWC float32 RGB 0..255 -> features)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    cache = FeatureCache(cache_file)
    keys = _hashes(paths)
    todo = sorted({k: i for i, k in enumerate(keys) if k not in cache.rows}.values())
    if todo:
        bar = Progress(len(todo), f"{label} ({spec.size} px, {view})", sys.stderr)
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            images = data.load_many([paths[i] for i in chunk], spec.size, spec.resize)
            if view == "flip":
                images = images[:, :, ::-1]
            feats = np.asarray(embed(images.astype(np.float32)), np.float32)
            for i, row in zip(chunk, feats):
                cache.rows[keys[i]] = row
            bar.advance(len(chunk))
        cache.save()
        bar.close()
    return np.stack([cache.rows[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
