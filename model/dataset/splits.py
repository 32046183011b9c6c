"""Training splits: the dataset's own, plus `other` and extra examples of its classes from pretrain/.

TF-free (numpy only). Which pretrain/ folders play which part is decided in model/dataset/scope.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.dataset import scope
from model.dataset.data import Split, image_files


def with_other(splits: dict[str, Split], pretrain: Path, per_class: int, seed: int) -> dict[str, Split]:
    """Append the `other` class: per_class photos of each scope.OTHER_SCENES folder to train/, a quarter as many
    to val/ (test/ stays the dataset's own)."""
    k = len(splits["train"].classes)
    classes = splits["train"].classes + [scope.OTHER]
    rng = np.random.default_rng(seed)
    extra: dict[str, list[Path]] = {"train": [], "val": []}
    n_val = max(1, per_class // 4)
    for name in scope.other_classes(pretrain):
        files = image_files(pretrain / name)
        files = [files[i] for i in rng.permutation(len(files))]
        extra["train"] += files[:per_class]
        extra["val"] += files[per_class : per_class + n_val]
    out = {}
    for name, split in splits.items():
        add = extra.get(name, [])
        labels = np.concatenate([split.labels, np.full(len(add), k, np.int32)])
        out[name] = Split(split.paths + add, labels, classes)
    return out


def with_extra(splits: dict[str, Split], pretrain: Path) -> dict[str, Split]:
    """Add pretrain/ examples of the dataset's own classes to train/ (val/ and test/ stay the dataset's)."""
    train_split = splits["train"]
    paths, labels = list(train_split.paths), [train_split.labels]
    for k, name in enumerate(train_split.classes):
        for folder in scope.extra_classes(pretrain, name):
            files = image_files(pretrain / folder)
            paths += files
            labels.append(np.full(len(files), k, np.int32))
    return {**splits, "train": Split(paths, np.concatenate(labels), train_split.classes)}
