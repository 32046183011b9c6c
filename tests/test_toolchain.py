"""The model toolchain for real, on a few images: train -> export (fp16 tfjs) -> parity in tfjs wasm -> evaluate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CAFE, DATA, ROOT


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    cmd = [sys.executable, "build.py", "train", "--data", str(CAFE), "--out", str(out), "--imgsz", "32",
           "--epochs", "2", "--pretrain-epochs", "1", "--limit", "6", "--batch", "16", "--seed", "3"]
    env = {**os.environ, "SNAPTAG_CACHE": str(out / "cache")}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "parity" in proc.stdout and "confusion" in proc.stdout
    return out


def test_train_exports_a_browser_model_with_metadata(tiny_model: Path):
    meta = json.loads((tiny_model / "metadata.json").read_text())
    assert [c["id"] for c in meta["classes"]] == ["food_and_drinks", "menu", "vibes", "other"]
    assert [c["in_scope"] for c in meta["classes"]] == [True, True, True, False]
    assert meta["input"] == {"size": 32, "resize": "squash", "mean": [127.5] * 3, "std": [127.5] * 3}
    assert meta["parity"]["max_abs_diff_probs"] <= 1e-3 and meta["parity"]["backend"] == "wasm"
    assert meta["parity_shipped"]["max_abs_diff_probs"] <= 5e-3 and meta["parity_shipped"]["n"] > 0
    assert meta["threshold"] == 0.7 and meta["temperature"] > 0
    assert meta["weights_bytes"] == sum(p.stat().st_size for p in tiny_model.glob("*.bin"))
    assert 0.0 <= meta["metrics"]["test"]["top1"] <= 1.0
    assert {s["repository"] for s in meta["data_card"]["sources"]} >= {"nampham793/Smart-Menu-OCR"}
    model_json = json.loads((tiny_model / "model.json").read_text())
    assert set(model_json["signature"]["outputs"]) == {"probs", "embedding"}
    dtypes = {w["dtype"] for g in model_json["weightsManifest"] for w in g["weights"] if "quantization" in w}
    assert dtypes == {"float32"}  # stored fp16, served as float32
    assert {w["quantization"]["dtype"] for g in model_json["weightsManifest"] for w in g["weights"]
            if "quantization" in w} == {"float16"}


def test_parity_check_passes_the_real_weights_and_rejects_changed_ones(tiny_model: Path):
    from model.arch import serving_model
    from model.export import STORAGE_TOLERANCE, ExportError, check_parity
    from model.tfenv import keras

    temperature = json.loads((tiny_model / "metadata.json").read_text())["temperature"]
    model = keras.models.load_model(next((tiny_model / "cache").glob("*_trained.keras")))
    for w in model.weights:  # what export_tfjs does before converting
        w.assign(np.asarray(w.numpy(), np.float16).astype(w.dtype))
    x = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    check_parity(serving_model(model, temperature), tiny_model, x, STORAGE_TOLERANCE)
    bias = model.get_layer("head").bias
    bias.assign(bias.numpy() + np.array([2.0, 0.0, 0.0, -2.0], "float32"))  # not the weights that were exported
    with pytest.raises(ExportError, match="disagree"):
        check_parity(serving_model(model, temperature), tiny_model, x, STORAGE_TOLERANCE)


def test_evaluate_reports_and_plots(tiny_model: Path, tmp_path: Path):
    out = tmp_path / "report.json"
    ood = DATA / "pretrain" / "scene_volcano"
    proc = subprocess.run([sys.executable, "build.py", "evaluate", "--model", str(tiny_model), "--data", str(CAFE),
                           "--ood", str(ood), "--out", str(out), "--limit", "5",
                           "--fewshot", str(DATA / "fewshot" / "clothing")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    for key in ("top1", "review_rate", "ood_review_rate", "ece", "n", "per_class", "confusion", "threshold_sweep"):
        assert key in report, key
    assert report["n"] == 15 and report["ood"]["n"] == 5
    assert report["fewshot"]["classes"] == 10 and report["fewshot"]["n"] == 50
    assert set(report["fewshot"]["accuracy"]) == {"1", "5"}
    assert [row["threshold"] for row in report["threshold_sweep"]] == [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    rates = [row["review_rate"] for row in report["threshold_sweep"]]
    assert rates == sorted(rates)  # a higher threshold never files more photos
    for png in ("confusion.png", "reliability.png", "training_curves.png"):
        assert (tmp_path / png).stat().st_size > 1000, png


def test_export_only_reexports_the_saved_model_and_needs_one(tiny_model: Path, tmp_path: Path):
    base = [sys.executable, "build.py", "train", "--data", str(CAFE), "--imgsz", "32", "--pretrain-epochs", "1",
            "--limit", "6", "--seed", "3", "--export-only"]
    env = {**os.environ, "SNAPTAG_CACHE": str(tiny_model / "cache")}
    before = json.loads((tiny_model / "metadata.json").read_text())
    proc = subprocess.run(base + ["--out", str(tiny_model)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    after = json.loads((tiny_model / "metadata.json").read_text())
    assert after["temperature"] == before["temperature"]
    assert after["metrics"]["test"]["top1"] == before["metrics"]["test"]["top1"]
    proc = subprocess.run(base + ["--out", str(tmp_path / "never_trained")], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 2 and "no trained model" in proc.stderr


def test_evaluate_fewshot_needs_train_and_test_folders(tiny_model: Path, tmp_path: Path):
    proc = subprocess.run([sys.executable, "build.py", "evaluate", "--model", str(tiny_model), "--data", str(CAFE),
                           "--limit", "2", "--fewshot", str(CAFE / "test"), "--out", str(tmp_path / "r.json")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "needs train/<class>/ and test/<class>/" in proc.stderr


def test_train_rejects_missing_backbone_weights(tmp_path: Path):
    proc = subprocess.run([sys.executable, "build.py", "train", "--data", str(CAFE), "--out", str(tmp_path / "m"),
                           "--limit", "2", "--pretrain-from", str(tmp_path / "nope.weights.h5")],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "SNAPTAG_CACHE": str(tmp_path)})
    assert proc.returncode == 2 and "no such backbone weights file" in proc.stderr


def test_train_rejects_a_folder_without_splits(tmp_path: Path):
    (tmp_path / "cats").mkdir()
    proc = subprocess.run([sys.executable, "build.py", "train", "--data", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "train/" in proc.stderr


def test_backbone_cache_key_ignores_the_finetuning_size_once_pretraining_has_its_own(tmp_path: Path):
    from model.config import TrainConfig
    from model.train import _pretrain_key

    def key(imgsz: int, pretrain_size: int) -> str:
        return _pretrain_key(TrainConfig(data=CAFE, out=tmp_path, imgsz=imgsz, pretrain=DATA / "pretrain",
                                         pretrain_size=pretrain_size))

    assert key(112, 96) == key(128, 96)  # same backbone: fine-tuning at 128 reuses it
    assert key(112, 96) != key(112, 112) and key(112, 0) != key(128, 0)


def test_pretrain_epochs_zero_fine_tunes_from_the_given_backbone_as_is(tmp_path: Path):
    from model.config import TrainConfig
    from model.train import backbone_weights

    weights = tmp_path / "backbone.weights.h5"
    weights.write_bytes(b"weights")
    cfg = TrainConfig(data=CAFE, out=tmp_path, pretrain=DATA / "pretrain", pretrain_epochs=0, pretrain_from=weights)
    assert backbone_weights(cfg) == weights  # no pretraining run, no cache lookup
    assert backbone_weights(TrainConfig(data=CAFE, out=tmp_path, pretrain=DATA / "pretrain", pretrain_epochs=0)) is None
