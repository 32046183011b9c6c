"""Export the serving model for the browser: SavedModel -> tfjs graph model, weights stored by a precision policy
(model/packaging/precision.py), then prove the graph runs in the real tfjs WASM runtime and matches TF.

Two checks, both in Node's tfjs wasm:
- `parity`: the float32 graph vs TF, max |probs diff| <= 1e-3: the conversion and the runtime are right;
- `parity_shipped`: the graph that ships vs TF: mean |probs diff| and the lowest embedding cosine, which storage
  (float16/uint8 rounding) moves a little and a wrong graph a lot. Top-1 agreement is recorded, not checked: a
  near tie may flip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.logic.errors import UserError
from model.backbone.tfenv import keras, tfjs_converter
from model.packaging.precision import store

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().parent / "tfjs_run.mjs"
PARITY_TOLERANCE = 1e-3
SHIPPED_MAX_MEAN_DIFF = 0.02  # mean |probs diff| over the probe images and classes
SHIPPED_MIN_COSINE = 0.97  # lowest cosine between the shipped and TF's embedding of one image


AUTO = "auto"  # the first of AUTO_ORDER whose shipped graph passes the drift check
AUTO_ORDER = ("mixed", "float16", "float32")  # smallest first: 25 %, 50 %, 100 % of float32's bytes


class ExportError(UserError, RuntimeError):
    pass


class DriftError(ExportError):
    """The stored weights take the shipped graph too far from TF's (`measured`: by how much)."""

    def __init__(self, measured: str) -> None:
        self.measured = measured
        super().__init__(f"the shipped graph drifts from TF: {measured}: train with more photos or epochs, or "
                         "store the weights closer to TF (--precision float16: twice the bytes; float32)")


@dataclass
class Parity:
    max_abs_diff_probs: float
    mean_abs_diff_probs: float
    max_abs_diff_embedding: float
    top1_agreement: float
    min_embedding_cosine: float
    backend: str
    n: int


def convert(serving: keras.Model, out_dir: Path) -> None:
    """float32 tfjs graph of `serving` in out_dir (outputs named by signature: probs, embedding)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        serving.export(str(saved), format="tf_saved_model", verbose=False)
        tfjs_converter().convert_tf_saved_model(str(saved), str(out_dir), use_structured_outputs_names=True)


def export_tfjs(serving: keras.Model, out_dir: Path, probe: np.ndarray,
                precision: str) -> tuple[Parity, Parity, str]:
    """Write the shipped graph to out_dir; return (parity of the float32 graph, parity of the shipped one, the
    precision its weights are stored in). `precision` AUTO: the smallest that passes the drift check, said."""
    tries = AUTO_ORDER if precision == AUTO else (precision,)
    with tempfile.TemporaryDirectory() as tmp:
        f32 = Path(tmp) / "float32"
        convert(serving, f32)
        parity = check_parity(serving, f32, probe)
        for n, policy in enumerate(tries):
            store(f32, out_dir, policy)
            try:
                shipped = check_parity(serving, out_dir, probe, shipped=True)
            except DriftError as err:
                if n + 1 == len(tries):
                    raise
                print(f"weights stored as {policy}: {err.measured}; trying {tries[n + 1]}", flush=True)
                continue
            if precision == AUTO:
                print(f"weights stored as {policy} (the smallest that keeps the shipped graph within the drift "
                      "check; --precision sets it)", flush=True)
            return parity, shipped, policy
    raise AssertionError("unreachable")


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


def check_parity(serving: keras.Model, out_dir: Path, batch: np.ndarray, shipped: bool = False) -> Parity:
    """Compare TF's outputs with tfjs-wasm's on the same inputs; raise ExportError when they disagree."""
    ref = serving.predict(batch, verbose=0)
    got = run_tfjs(out_dir, batch)
    if got["backend"] != "wasm":
        raise ExportError(f"tfjs ran on {got['backend']!r}, not wasm")
    missing = [n for n in ("probs", "embedding") if n not in got["outputs"]]
    if missing:
        raise ExportError(f"exported graph has no output named {missing[0]!r}: {sorted(got['outputs'])}")
    probs, emb = (np.asarray(got["outputs"][n]) for n in ("probs", "embedding"))
    cosine = np.sum(emb * ref["embedding"], axis=1) / (
        np.linalg.norm(emb, axis=1) * np.linalg.norm(ref["embedding"], axis=1) + 1e-12)
    diff = np.abs(probs - ref["probs"])
    parity = Parity(float(diff.max()), float(diff.mean()), float(np.max(np.abs(emb - ref["embedding"]))),
                    float(np.mean(probs.argmax(1) == ref["probs"].argmax(1))), float(cosine.min()),
                    got["backend"], len(batch))
    if shipped and (parity.mean_abs_diff_probs > SHIPPED_MAX_MEAN_DIFF
                    or parity.min_embedding_cosine < SHIPPED_MIN_COSINE):
        measured = (f"mean |probs diff| {parity.mean_abs_diff_probs:.4f} (<= {SHIPPED_MAX_MEAN_DIFF}), lowest "
                    f"embedding cosine {parity.min_embedding_cosine:.4f} (>= {SHIPPED_MIN_COSINE})")
        raise DriftError(measured)
    if not shipped and parity.max_abs_diff_probs > PARITY_TOLERANCE:
        raise ExportError(
            f"tfjs wasm and TF disagree: max |probs diff| = {parity.max_abs_diff_probs:.2e} > {PARITY_TOLERANCE}"
        )
    return parity
