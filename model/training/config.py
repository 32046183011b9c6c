"""Training configuration: plain dataclasses, no TensorFlow import (build.py reads its defaults from here)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.logic.spec import PreprocessSpec

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "model" / "cafe"


TRAINED_ON = "trained-on.txt"  # beside an exported model: the content hashes of its train/ and val/ photos
HASH_CHARS = 16  # of a photo's SHA-256 there (the page's photo id is as long)


def cache_root() -> Path:
    return Path(os.environ.get("SNAPTAG_CACHE", ROOT / "runs"))


def new_model_dir(data: Path) -> Path:
    """Where `train` writes when no --out is given: a new folder per run, never the shipped model."""
    return cache_root() / "models" / f"{Path(data).resolve().name}-{time.strftime('%Y%m%d-%H%M%S')}"


@dataclass(frozen=True)
class HeadConfig:
    hidden: int = 64  # units of the hidden layer (0: a linear head)
    dropout: float = 0.5  # after the hidden layer
    input_dropout: float = 0.2  # on the features
    epochs: int = 40
    batch: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-3
    label_smoothing: float = 0.1
    balance: bool = True  # class-weighted loss: small classes count as much as big ones


@dataclass
class TrainConfig:
    data: Path
    out: Path | None = None  # None: a new folder under runs/models/
    imgsz: int = 224  # same weights: clothing 5-shot 0.69 vs 0.61 at 144 (docs/numbers.md)
    backbone: str = "lite0"  # lite0, or lite1: teach mode 10-shot 0.78 vs 0.73, 1.5x the inference (variants.py)
    resize: str = "crop"
    head: HeadConfig = field(default_factory=HeadConfig)
    seed: int = 0
    pool: Path | None = None  # pretrain/-style class folders: the `other` class and extra examples
    other: bool = True  # add an explicit out-of-scope class from the pool's scenes (model/dataset/scope.py)
    other_per_class: int = 24
    extra: bool = True  # add pool examples of the dataset's own classes (model/dataset/scope.py EXTRA) to train/
    flip: bool = False  # also train on mirrored photos
    limit: int = 0  # at most this many images per class and split (0: all); for quick runs
    threshold: float = 0.8  # min calibrated probability to file a photo (the shipped model's)
    precision: str = "auto"  # how the weights are stored: the smallest that passes the drift check (export.py)
    overwrite: bool = False  # allow --out to be a folder that already holds a model
    cache: Path = field(default_factory=cache_root)

    @property
    def spec(self) -> PreprocessSpec:
        return PreprocessSpec(size=self.imgsz, resize=self.resize)
