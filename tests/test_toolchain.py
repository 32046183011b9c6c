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


def test_parity_check_rejects_a_mismatching_graph(tiny_model: Path, tmp_path: Path):
    from model.arch import ArchConfig, build, serving_model
    from model.export import ExportError, check_parity

    rng = np.random.default_rng(0)
    model = build(ArchConfig(imgsz=32, num_classes=4))  # not the weights that were exported
    head = model.get_layer("head").kernel
    head.assign(rng.normal(0, 5, head.shape).astype("float32"))
    other = serving_model(model)
    x = rng.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    with pytest.raises(ExportError, match="disagree"):
        check_parity(other, tiny_model, x)


def test_evaluate_reports_and_plots(tiny_model: Path, tmp_path: Path):
    out = tmp_path / "report.json"
    ood = DATA / "pretrain" / "scene_volcano"
    proc = subprocess.run([sys.executable, "build.py", "evaluate", "--model", str(tiny_model), "--data", str(CAFE),
                           "--ood", str(ood), "--out", str(out), "--limit", "5"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    for key in ("top1", "review_rate", "ood_review_rate", "ece", "n", "per_class", "confusion", "threshold_sweep"):
        assert key in report, key
    assert report["n"] == 15 and report["ood"]["n"] == 5
    assert [row["threshold"] for row in report["threshold_sweep"]] == [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    rates = [row["review_rate"] for row in report["threshold_sweep"]]
    assert rates == sorted(rates)  # a higher threshold never files more photos
    for png in ("confusion.png", "reliability.png", "training_curves.png"):
        assert (tmp_path / png).stat().st_size > 1000, png


def test_train_rejects_a_folder_without_splits(tmp_path: Path):
    (tmp_path / "cats").mkdir()
    proc = subprocess.run([sys.executable, "build.py", "train", "--data", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "train/" in proc.stderr
