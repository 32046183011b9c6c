"""Re-quantize an exported tfjs model's weights (e.g. fp16 -> uint8) with the converter's own code, so the
size/accuracy trade-off can be measured with `build.py evaluate` on exactly what would ship.

    python -m model.requantize model/cafe runs/cafe_uint8 --dtype uint8
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from model.export import weights_bytes
from model.tfenv import tfjs_converter


def requantize(src: Path, dst: Path, dtype: str) -> int:
    """Write dst/ (model.json, shards, metadata.json) with weights stored as `dtype`; return weight bytes."""
    tfjs_converter()  # satisfies tensorflowjs' import of tensorflow_decision_forests
    from tensorflowjs import read_weights, write_weights  # noqa: PLC0415

    model = json.loads((src / "model.json").read_text())
    groups = read_weights.read_weights(model["weightsManifest"], str(src))
    dst.mkdir(parents=True, exist_ok=True)
    for old in dst.glob("*.bin"):
        old.unlink()
    # Non-finite constants (an fp16 inf, say) cannot be stored as uint8 min/scale: they stay as they are.
    weights = [w for group in groups for w in group]
    names = [w["name"] for w in weights if w["data"].dtype == np.float32 and np.isfinite(w["data"]).all()]
    qmap = {dtype: names} if dtype != "float32" else None
    model["weightsManifest"] = write_weights.write_weights(groups, str(dst), write_manifest=False,
                                                           quantization_dtype_map=qmap)
    (dst / "model.json").write_text(json.dumps(model))
    for extra in ("metadata.json", "history.json"):
        if (src / extra).is_file():
            shutil.copy(src / extra, dst / extra)
    return weights_bytes(dst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--dtype", default="uint8", choices=["uint8", "uint16", "float16", "float32"])
    args = ap.parse_args()
    print(f"{args.dst}: {requantize(args.src, args.dst, args.dtype)} bytes of weights ({args.dtype})")


if __name__ == "__main__":
    main()
