"""Export a trained classifier for the browser: SavedModel -> tfjs graph model (fp16 weights) + metadata,
then prove the graph runs in the real tfjs WASM runtime and matches TF."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.errors import UserError
from model.arch import serving_model
from model.tfenv import keras, tfjs_converter

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "model" / "tfjs_run.mjs"
PARITY_TOLERANCE = 1e-3  # float32 graph in tfjs wasm vs TF: conversion and runtime only
STORAGE_TOLERANCE = 5e-3  # shipped graph vs TF: adds fp16 rounding of the BN-folded weights the converter makes


class ExportError(UserError, RuntimeError):
    pass


@dataclass
class Parity:
    max_abs_diff_probs: float
    max_abs_diff_embedding: float
    backend: str
    n: int


def export_tfjs(model: keras.Model, temperature: float, out_dir: Path, quantize: str = "float16") -> keras.Model:
    """Write model.json + weight shards to out_dir; return the serving model that was exported.

    With fp16 quantization the Keras weights are first rounded to fp16, so TF and tfjs hold identical
    weights: the parity check then measures the conversion and runtime, and metrics describe what ships.
    """
    if quantize == "float16":
        for w in model.weights:
            w.assign(np.asarray(w.numpy(), np.float16).astype(w.dtype))
    serving = serving_model(model, temperature)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in list(out_dir.glob("*.bin")) + [out_dir / "model.json"]:
        old.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        serving.export(str(saved), format="tf_saved_model", verbose=False)
        qmap = {quantize: ["*"]} if quantize != "none" else None
        tfjs_converter().convert_tf_saved_model(
            str(saved), str(out_dir), quantization_dtype_map=qmap, use_structured_outputs_names=True
        )
    return serving


def weights_bytes(out_dir: Path) -> int:
    return sum(p.stat().st_size for p in out_dir.glob("*.bin"))


def model_bytes(out_dir: Path) -> int:
    return weights_bytes(out_dir) + (out_dir / "model.json").stat().st_size


def run_tfjs(out_dir: Path, batch: np.ndarray, time_runs: int = 0) -> dict:
    """Run the exported graph on a preprocessed NHWC float32 batch in Node's tfjs WASM backend."""
    if shutil.which("node") is None:
        raise ExportError("node is not installed: it is needed to check the export in the tfjs WASM runtime")
    if not (ROOT / "node_modules" / "@tensorflow" / "tfjs-backend-wasm").exists():
        raise ExportError("tfjs is not installed: run `npm ci` (or `python build.py`) in the project root first")
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.f32", Path(tmp) / "out.json"
        np.ascontiguousarray(batch, dtype="<f4").tofile(inp)
        cmd = ["node", str(RUNNER), str(out_dir), str(inp), str(len(batch)), str(outp)]
        if time_runs:
            cmd += ["--time", str(time_runs)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ExportError(f"the exported model failed in tfjs wasm:\n{proc.stderr[-3000:]}")
        return json.loads(outp.read_text())


def check_parity(serving: keras.Model, out_dir: Path, batch: np.ndarray, tolerance: float = PARITY_TOLERANCE) -> Parity:
    """Compare TF's outputs with tfjs-wasm's on the same inputs; raise ExportError beyond tolerance."""
    ref = serving.predict(batch, verbose=0)
    got = run_tfjs(out_dir, batch)
    if got["backend"] != "wasm":
        raise ExportError(f"tfjs ran on {got['backend']!r}, not wasm")
    diffs = {}
    for name in ("probs", "embedding"):
        if name not in got["outputs"]:
            raise ExportError(f"exported graph has no output named {name!r}: {sorted(got['outputs'])}")
        diffs[name] = float(np.max(np.abs(np.asarray(got["outputs"][name]) - ref[name])))
    parity = Parity(diffs["probs"], diffs["embedding"], got["backend"], len(batch))
    if parity.max_abs_diff_probs > tolerance:
        raise ExportError(
            f"tfjs wasm and TF disagree: max |probs diff| = {parity.max_abs_diff_probs:.2e} > {tolerance}"
        )
    return parity
