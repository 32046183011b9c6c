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


MIN_TEST = 10  # fewer test photos of a class than this measure little
MAX_OTHER_RATIO = 100  # `other` photos per photo of a class above which the model seldom picks that class


def warnings(splits: dict[str, Split]) -> list[str]:
    """What `train` should tell the user before training: classes whose test numbers will mean little, and
    classes the `other` pool outweighs; each with what to do."""
    out = []
    test = splits["test"]
    for name, n in zip(test.classes, test.counts()):
        if name != scope.OTHER and n < MIN_TEST:
            out.append(f"test/ has {n} photo{'s' if n != 1 else ''} of {name}: its test numbers will measure "
                       f"little (one photo moves its accuracy by {1 / max(n, 1):.0%}). Put at least {MIN_TEST} "
                       "photos of each class in test/ (a folder without train/ val/ test/ needs about "
                       f"{MIN_TEST * 10} per class).")
    train = splits["train"]
    counts = dict(zip(train.classes, train.counts()))
    other = counts.get(scope.OTHER, 0)
    for name, n in counts.items():
        if name != scope.OTHER and other >= MAX_OTHER_RATIO * max(n, 1):
            out.append(f"`other` has {other} training photos, {other // max(n, 1)} for each of {name}'s {n}: the "
                       f"model will seldom choose {name}. Add photos of {name}, or train with --no-other.")
    return out
