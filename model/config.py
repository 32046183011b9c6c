"""Training configuration: plain dataclasses, no TensorFlow import (build.py reads its defaults from here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from app.spec import PreprocessSpec

ROOT = Path(__file__).resolve().parent.parent


def load_size(size: int) -> int:
    """Images are loaded a little larger than the input, so that random crops keep detail."""
    return round(size * 1.15)


@dataclass(frozen=True)
class AugmentConfig:
    crop_min_area: float = 0.45
    flip: bool = True
    color: float = 0.3
    blur_p: float = 0.2
    jpeg_p: float = 0.3
    lowres_p: float = 0.3
    lowres_min: float = 0.2  # smallest down-scale factor before scaling back up

    @classmethod
    def off(cls) -> AugmentConfig:
        return cls(crop_min_area=1.0, flip=False, color=0.0, blur_p=0.0, jpeg_p=0.0, lowres_p=0.0)


@dataclass
class TrainConfig:
    data: Path
    out: Path = ROOT / "model" / "cafe"
    arch: str = "mobilenet_v2"
    alpha: float = 0.35
    imgsz: int = 112
    epochs: int = 20
    batch: int = 64
    lr: float = 2e-3
    seed: int = 0
    pretrain: Path | None = None  # pretrain/ root: class folders for the backbone
    pretrain_epochs: int = 32
    pretrain_size: int = 0  # input side while pretraining (0: imgsz); lower is faster, fine-tuning adapts
    pretrain_from: Path | None = None  # continue pretraining from these backbone weights
    other: bool = True  # add an explicit out-of-scope class from pretrain/ scenes
    other_per_class: int = 24
    extra: bool = True  # add pretrain/ examples of the dataset's own classes (model/scope.py EXTRA) to train/
    limit: int = 0  # at most this many images per class and split (0: all); for quick runs
    balance: bool = True  # class-weighted loss for small classes
    threshold: float = 0.7
    export_only: bool = False  # skip training: export the model an earlier run with the same --out saved
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    cache: Path = field(default_factory=lambda: Path(os.environ.get("SNAPTAG_CACHE", ROOT / "runs")))

    @property
    def spec(self) -> PreprocessSpec:
        return PreprocessSpec(size=self.imgsz)

    @property
    def pretrain_spec(self) -> PreprocessSpec:
        return PreprocessSpec(size=self.pretrain_size or self.imgsz)
