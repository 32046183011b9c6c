"""Train: (optional) pretrain a backbone on pretrain/, fine-tune on a train/val/test dataset, calibrate,
then hand over to model/package.py for export. Seeded; runs on CPU with no downloads."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from app.spec import PreprocessSpec
from model import data, scope
from model.arch import ArchConfig, backbone_of, build
from model.augment import eval_dataset, train_dataset
from model.calibrate import fit_temperature
from model.config import TrainConfig, load_size
from model.splits import with_extra, with_other
from model.tfenv import keras


@dataclass
class Arrays:
    images: np.ndarray  # uint8 NHWC
    labels: np.ndarray  # int32
    paths: list[Path]


def load(paths: list[Path], labels: np.ndarray, size: int, limit: int = 0) -> Arrays:
    keep = data.first_per_class(labels, limit) if limit else list(range(len(paths)))
    paths, labels = [paths[i] for i in keep], labels[keep]
    return Arrays(data.load_many(paths, size), labels.astype(np.int32), paths)


def sample_weights(labels: np.ndarray, num_classes: int, balance: bool) -> np.ndarray:
    if not balance:
        return np.ones(len(labels), np.float32)
    counts = np.maximum(np.bincount(labels, minlength=num_classes), 1)
    per_class = len(labels) / (num_classes * counts)
    return per_class[labels].astype(np.float32)


def fit(
    model: keras.Model, train: Arrays, val: Arrays, num_classes: int, cfg: TrainConfig, epochs: int,
    spec: PreprocessSpec,
) -> dict:
    weights = sample_weights(train.labels, num_classes, cfg.balance)
    train_ds = train_dataset(train.images, train.labels, weights, num_classes, spec, cfg.augment, cfg.batch, cfg.seed)
    val_ds = eval_dataset(val.images, val.labels, num_classes, spec)
    steps = epochs * max(1, len(train.images) // cfg.batch)
    schedule = keras.optimizers.schedules.CosineDecay(
        cfg.lr * 0.1, steps, alpha=0.01, warmup_target=cfg.lr, warmup_steps=max(1, steps // 20)
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-4),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        metrics=["accuracy"],
    )
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=1 if sys.stdout.isatty() else 2)
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def _pretrain_key(cfg: TrainConfig) -> str:
    """What the backbone's weights depend on; the fine-tuning size does not count once --pretrain-size is set."""
    size = cfg.pretrain_spec.size
    parts = [cfg.arch, cfg.alpha, size, cfg.pretrain_epochs, cfg.seed, cfg.limit, asdict(cfg.augment)]
    if cfg.pretrain_size or cfg.pretrain_from:  # older keys stay valid for the cached backbones
        start = hashlib.sha256(cfg.pretrain_from.read_bytes()).hexdigest() if cfg.pretrain_from else None
        parts += [cfg.pretrain_size, start]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def backbone_weights(cfg: TrainConfig) -> Path | None:
    """The backbone fine-tuning starts from: --pretrain-from as is (with --pretrain-epochs 0), a pretrained
    (cached) one, or None (from scratch)."""
    if cfg.pretrain_from and not cfg.pretrain_from.is_file():
        raise data.DataError(f"--pretrain-from {cfg.pretrain_from}: no such backbone weights file")
    if cfg.pretrain_from and cfg.pretrain_epochs == 0:
        return cfg.pretrain_from
    if cfg.pretrain is not None and cfg.pretrain_epochs > 0:
        return pretrain_backbone(cfg)
    return None


def pretrain_backbone(cfg: TrainConfig) -> Path:
    """Train on pretrain/ (held-out OOD classes excluded) and cache the backbone weights."""
    spec = cfg.pretrain_spec
    out = cfg.cache / f"backbone_{cfg.arch}_{cfg.alpha}_{spec.size}_{_pretrain_key(cfg)}.weights.h5"
    if out.exists():
        print(f"pretrained backbone: {out} (cached)")
        return out
    classes = scope.pretrain_classes(cfg.pretrain)
    split = data.from_folders(cfg.pretrain, classes)
    paths, labels = split.paths, split.labels
    is_val = np.array([int(p.stem[:2], 16) % 10 == 0 for p in paths])  # stable ~10% by content hash
    print(f"pretraining {cfg.arch}-{cfg.alpha}@{spec.size} on {len(classes)} classes, {len(paths)} images")
    train = load([p for p, v in zip(paths, is_val) if not v], labels[~is_val], load_size(spec.size), cfg.limit)
    val = load([p for p, v in zip(paths, is_val) if v], labels[is_val], spec.size, cfg.limit)
    model = build(ArchConfig(cfg.arch, cfg.alpha, spec.size, len(classes)))
    if cfg.pretrain_from:
        print(f"continuing from {cfg.pretrain_from}")
        backbone_of(model).load_weights(cfg.pretrain_from)
    history = fit(model, train, val, len(classes), cfg, cfg.pretrain_epochs, spec)
    cfg.cache.mkdir(parents=True, exist_ok=True)
    backbone_of(model).save_weights(out)
    out.with_suffix(".json").write_text(json.dumps({"classes": classes, "history": history}, indent=1))
    return out


def logits_of(model: keras.Model, arrays: Arrays, cfg: TrainConfig) -> np.ndarray:
    return model.predict(data.normalise(arrays.images, cfg.spec), batch_size=64, verbose=0)


def load_trained(path: Path) -> tuple[keras.Model, dict]:
    """The Keras model (and its training history) that an earlier `train` with the same --out saved."""
    if not path.is_file():
        raise data.DataError(f"--export-only: no trained model at {path}; run train without it first")
    history = path.with_suffix(".history.json")
    return keras.models.load_model(path), json.loads(history.read_text()) if history.is_file() else {}


def train(cfg: TrainConfig) -> dict:
    """Fine-tune on cfg.data and export; returns the report (also written into the model's metadata)."""
    keras.utils.set_random_seed(cfg.seed)
    splits = data.dataset(cfg.data)
    use_other = cfg.other and cfg.pretrain is not None
    if use_other:
        splits = with_other(splits, cfg.pretrain, cfg.other_per_class, cfg.seed)
    if cfg.extra and cfg.pretrain is not None:
        splits = with_extra(splits, cfg.pretrain)
    classes = splits["train"].classes
    print("classes:", ", ".join(f"{c} ({n})" for c, n in zip(classes, splits["train"].counts())))
    train_arr = load(splits["train"].paths, splits["train"].labels, load_size(cfg.imgsz), cfg.limit)
    val_arr = load(splits["val"].paths, splits["val"].labels, cfg.imgsz, cfg.limit)
    test_arr = load(splits["test"].paths, splits["test"].labels, cfg.imgsz, cfg.limit)
    trained = cfg.cache / f"{cfg.out.name}_trained.keras"  # kept if the export fails; one per --out
    if cfg.export_only:
        model, history = load_trained(trained)
    else:
        model = build(ArchConfig(cfg.arch, cfg.alpha, cfg.imgsz, len(classes)))
        start = backbone_weights(cfg)
        if start:
            print(f"fine-tuning from backbone {start}")
            backbone_of(model).load_weights(start)
            keras.utils.set_random_seed(cfg.seed)
        history = fit(model, train_arr, val_arr, len(classes), cfg, cfg.epochs, cfg.spec)
        cfg.cache.mkdir(parents=True, exist_ok=True)
        model.save(trained)
        trained.with_suffix(".history.json").write_text(json.dumps(history))
    temperature = fit_temperature(logits_of(model, val_arr, cfg), val_arr.labels)
    print(f"temperature (fit on val/): {temperature:.3f}")

    from model.package import package  # noqa: PLC0415  (TF-heavy export only after training succeeded)

    in_scope = [c != scope.OTHER for c in classes]
    splits_arr = {"train": train_arr, "val": val_arr, "test": test_arr}
    return package(model, cfg, classes, in_scope, temperature, history, splits_arr)
