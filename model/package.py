"""After training: export to tfjs, prove parity in the wasm runtime, measure on test/, write metadata."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from app.mapping import ClassInfo, ClassMap, display_name
from model import data
from model.datacard import data_card
from model.export import STORAGE_TOLERANCE, check_parity, export_tfjs, model_bytes, weights_bytes
from model.metrics import in_scope_report
from model.tfenv import keras

if TYPE_CHECKING:
    from model.config import TrainConfig
    from model.train import Arrays

FORMAT = "snaptag-model/1"


def metadata(cfg: TrainConfig, classes: list[str], in_scope: list[bool], temperature: float) -> dict:
    return {
        "format": FORMAT,
        "arch": {"name": cfg.arch, "alpha": cfg.alpha},
        "input": cfg.spec.to_dict(),
        "classes": [{"id": c, "name": display_name(c), "in_scope": s} for c, s in zip(classes, in_scope)],
        "threshold": cfg.threshold,
        "temperature": temperature,
        "outputs": {"probs": len(classes), "embedding": None},
    }


def package(model: keras.Model, cfg: TrainConfig, classes: list[str], in_scope: list[bool], temperature: float,
            history: dict, splits: dict[str, Arrays]) -> dict:
    out: Path = cfg.out
    val, test = splits["val"], splits["test"]
    serving = export_tfjs(model, temperature, out)
    probe = data.normalise(val.images[:: max(1, len(val.images) // 16)][:16], cfg.spec)
    with tempfile.TemporaryDirectory() as tmp:  # the same (fp16-rounded) weights stored as float32
        export_tfjs(model, temperature, Path(tmp), quantize="none")
        parity = check_parity(serving, Path(tmp), probe)
    shipped = check_parity(serving, out, probe, STORAGE_TOLERANCE)
    print(f"tfjs wasm parity on {parity.n} images: max |probs diff| {parity.max_abs_diff_probs:.2e} "
          f"(float32 graph), {shipped.max_abs_diff_probs:.2e} (shipped fp16 graph)")

    meta = metadata(cfg, classes, in_scope, temperature)
    cmap = ClassMap(tuple(ClassInfo(**c) for c in meta["classes"]), cfg.threshold)
    test_probs = serving.predict(data.normalise(test.images, cfg.spec), batch_size=64, verbose=0)
    meta["outputs"]["embedding"] = int(test_probs["embedding"].shape[1])
    report = in_scope_report(test_probs["probs"], test.labels, cmap)
    meta["metrics"] = {"test": {k: v for k, v in report.items() if k != "reliability"}}
    meta["parity"] = asdict(parity)
    meta["parity_shipped"] = asdict(shipped)
    meta["weights_bytes"] = weights_bytes(out)
    meta["model_bytes"] = model_bytes(out)
    meta["data_card"] = data_card([p for a in splits.values() for p in a.paths], cfg.data)
    meta["train_config"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()
                            if k not in ("out", "cache", "export_only")}
    (out / "metadata.json").write_text(json.dumps(meta, indent=1) + "\n")
    (out / "history.json").write_text(json.dumps(history) + "\n")
    _print_report(report, meta)
    return meta


def _print_report(report: dict, meta: dict) -> None:
    ids = report["confusion"]["classes"]
    print(f"\ntest: top-1 {report['top1']:.4f} on {report['n']} photos, "
          f"sent to review {report['review_rate']:.3f}, ECE {report['ece']:.3f}")
    print("confusion (rows: true, columns: predicted)")
    width = max(len(c) for c in ids) + 2
    print(" " * width + "".join(f"{c[:10]:>11}" for c in ids))
    for cid, row in zip(ids, report["confusion"]["matrix"]):
        print(f"{cid:<{width}}" + "".join(f"{v:>11}" for v in row))
    print(f"\nexported {meta['weights_bytes']} bytes of weights ({meta['model_bytes']} with model.json)")
