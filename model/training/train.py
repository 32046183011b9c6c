"""Train: ImageNet EfficientNet-Lite0 (or Lite1) features per photo (cached), a head on them (+ the `other` class),
temperature calibration on val/, then model/packaging/package.py exports and checks it. Seeded; CPU; no downloads."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from model.backbone.efficientnet_lite import imagenet_backbone, weights_path
from model.backbone.tfenv import keras, tf
from model.dataset import data, scope
from model.dataset.splits import warnings, with_extra, with_other
from model.training import features, head
from model.training.calibrate import fit_temperature
from model.training.config import TRAINED_ON, TrainConfig, new_model_dir

EXPORTED_FILES = ("model.json", "metadata.json", TRAINED_ON)  # and the weight shards (*.bin)


def install(work: Path, out: Path) -> None:
    """Put the model made in `work` at `out` whole: a folder renamed into place, never half-written. A model
    already there (--overwrite) is swapped out; other files in that folder stay."""
    if out.is_dir() and any(out.iterdir()):
        for kept in out.iterdir():
            if kept.name not in EXPORTED_FILES and kept.suffix != ".bin":
                kept.rename(work / kept.name)
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        work.rename(out)
        shutil.rmtree(old, ignore_errors=True)
        return
    if out.is_dir():
        out.rmdir()
    out.parent.mkdir(parents=True, exist_ok=True)
    work.rename(out)


def output_dir(cfg: TrainConfig) -> Path:
    """--out, or a new folder; an existing model is only replaced with --overwrite."""
    out = cfg.out or new_model_dir(cfg.data)
    if (out / "model.json").exists() and not cfg.overwrite:
        raise data.DataError(f"{out} already holds a model: pass --overwrite to replace it, or another --out")
    return out


def assemble(cfg: TrainConfig) -> dict[str, data.Split]:
    root = Path(cfg.data)
    if not root.is_dir():
        raise data.DataError(f"--data {root}: no such folder")
    if cfg.pool is not None and not cfg.pool.is_dir():
        raise data.DataError(f"--pool {cfg.pool}: no such folder (it holds the photos of the `other` class; "
                             "../shared/data/pretrain by default). --pool none trains without it")
    flat = root.is_dir() and not any((root / s).is_dir() for s in data.SPLITS)
    splits = data.skip_unreadable(data.dataset(root), root)
    if flat:
        counts = ", ".join(f"{name} {len(s)}" for name, s in splits.items())
        print(f"{root} has no train/ val/ test/: split each photo by its content hash (about 80/10/10): {counts}")
    if cfg.pool is not None and cfg.other:
        splits = with_other(splits, cfg.pool, cfg.other_per_class, cfg.seed)
    if cfg.pool is not None and cfg.extra:
        splits = with_extra(splits, cfg.pool)
    if cfg.limit:
        splits = {name: s.first(cfg.limit) for name, s in splits.items()}
    for name in ("train", "val"):
        empty = [c for c, n in zip(splits[name].classes, splits[name].counts()) if n == 0]
        if empty:
            raise data.DataError(f"{name}/ has no photos of {', '.join(empty)}: every class needs some in train "
                                 "and val (a flat folder needs 3+ photos per class)")
    return splits


def backbone_features(cfg: TrainConfig, splits: dict[str, data.Split]) -> tuple[keras.Model, dict[str, np.ndarray]]:
    """The backbone and the cached features of every split (train also mirrored with --flip) and, with a pool,
    of each pool class ("pool/<class>") for teach mode's calibration."""
    backbone = imagenet_backbone(cfg.imgsz, cfg.backbone)
    run = tf.function(lambda x: backbone(x, training=False), reduce_retracing=True)
    weights_id = data.content_hash(weights_path(cfg.backbone))[:8]

    def of(paths: list[Path], view: str, label: str) -> np.ndarray:
        file = cfg.cache / "features" / f"{cfg.backbone}-{weights_id}-{cfg.imgsz}-{cfg.resize}-{view}.npz"
        return features.extract(paths, cfg.spec, lambda x: run(tf.constant(x)).numpy(), file, view, label)

    feats = {name: of(s.paths, "plain", name) for name, s in splits.items()}
    if cfg.flip:
        feats["train_flip"] = of(splits["train"].paths, "flip", "train")
    if cfg.pool is not None:
        pool = data.from_folders(cfg.pool, scope.pool_classes(cfg.pool)).first(cfg.limit)
        pooled = of(pool.paths, "plain", "pool")
        for k, name in enumerate(pool.classes):
            feats[f"pool/{name}"] = pooled[pool.labels == k]
    return backbone, feats


def train(cfg: TrainConfig) -> dict:
    """Train on cfg.data and export; returns the metadata (also written beside the model)."""
    out = output_dir(cfg)
    splits = assemble(cfg)
    classes = splits["train"].classes
    print("classes:", ", ".join(f"{c} ({n})" for c, n in zip(classes, splits["train"].counts())), flush=True)
    for line in warnings(splits):
        print(f"warning: {line}", flush=True)
    backbone, feats = backbone_features(cfg, splits)
    x, y = feats["train"], splits["train"].labels
    if cfg.flip:
        x, y = np.concatenate([x, feats["train_flip"]]), np.concatenate([y, y])
    print(f"training the head on {len(x)} feature vectors", file=sys.stderr, flush=True)
    model_head = head.fit_head(x, y, len(classes), cfg.head, cfg.seed)
    temperature = fit_temperature(head.logits(model_head, feats["val"]), splits["val"].labels)
    print(f"temperature (fit on val/): {temperature:.3f}")

    from model.packaging.package import package, report  # noqa: PLC0415  (export only after training succeeded)

    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.with_name(f".{out.name}.partial-{os.getpid()}")  # beside it: renamed into place when whole
    try:
        meta, scores = package(backbone, model_head, replace(cfg, out=work), classes, temperature, splits, feats)
        install(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(scores, meta, out)
    return meta
