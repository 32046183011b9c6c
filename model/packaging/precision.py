"""How each weight of an exported tfjs graph is stored: float32, float16 or uint8 (affine, per tensor).

tfjs dequantizes on load, so storage changes download size, not speed. Policies:
- "float32", "float16", "uint8": every float weight so;
- "mixed" (shipped): uint8 for the big kernels (1x1 convolutions from block 3 on, the top convolution, the head's
  dense layers, the 5x5 depthwise kernels from block 8 on), float16 for the rest: the stem, blocks 0-2, the
  depthwise kernels before block 8 and every per-channel vector, where uint8's error hurts most for the fewest
  bytes. Measured (docs/numbers.md): as accurate as float32 at 25 % of its size; all-uint8 doubles the share
  of photos sent to review.

    python -m model.packaging.precision SRC DST --policy uint8   # re-store a model, to measure with evaluate
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import numpy as np

from model.backbone.tfenv import tfjs_converter

POLICIES = ("float32", "float16", "uint8", "mixed")
FP16_MAX = 65504.0
FIRST_UINT8_BLOCK = 3  # pointwise kernels from here on are stored as uint8
FIRST_UINT8_DEPTHWISE = 8  # depthwise kernels from here on too


def weights_bytes(out_dir: Path) -> int:
    return sum(p.stat().st_size for p in out_dir.glob("*.bin"))


def model_bytes(out_dir: Path) -> int:
    return weights_bytes(out_dir) + (out_dir / "model.json").stat().st_size


def dtype_for(name: str, shape: tuple[int, ...], policy: str) -> str:
    if policy != "mixed":
        return policy
    found = re.search(r"block(\d+)_", name)
    block = int(found.group(1)) if found else None
    if sum(d > 1 for d in shape) <= 1:  # per-channel vectors and scalars, whatever their rank
        return "float16"
    if len(shape) == 2 or "top_conv" in name:  # dense kernels and the top 1x1 convolution
        return "uint8"
    if len(shape) == 4 and block is not None and "_dw" in name:
        return "uint8" if block >= FIRST_UINT8_DEPTHWISE else "float16"
    if len(shape) == 4 and shape[:2] == (1, 1) and block is not None and block >= FIRST_UINT8_BLOCK:
        return "uint8"
    return "float16"


def store(src: Path, dst: Path, policy: str) -> int:
    """Write dst/ (model.json + shards, and metadata.json if src has it) with weights stored by `policy`;
    return the weight bytes."""
    if policy not in POLICIES:
        raise ValueError(f"unknown precision policy {policy!r} (one of {', '.join(POLICIES)})")
    tfjs_converter()  # satisfies tensorflowjs' import of tensorflow_decision_forests
    from tensorflowjs import read_weights, write_weights  # noqa: PLC0415

    model = json.loads((src / "model.json").read_text())
    groups = read_weights.read_weights(model["weightsManifest"], str(src))
    qmap: dict[str, list[str]] = {}
    for w in (w for group in groups for w in group):
        # Constants beyond float16's range (the L2 normalisation's 1e12 guard, say) stay float32.
        if w["data"].dtype == np.float32 and np.isfinite(w["data"]).all() and np.abs(w["data"]).max() <= FP16_MAX:
            qmap.setdefault(dtype_for(w["name"], tuple(w["data"].shape), policy), []).append(w["name"])
    qmap.pop("float32", None)
    dst.mkdir(parents=True, exist_ok=True)
    for old in list(dst.glob("*.bin")) + [dst / "model.json"]:
        old.unlink(missing_ok=True)
    model["weightsManifest"] = write_weights.write_weights(groups, str(dst), write_manifest=False,
                                                           quantization_dtype_map=qmap or None)
    (dst / "model.json").write_text(json.dumps(model))
    if src != dst and (src / "metadata.json").is_file():
        shutil.copy(src / "metadata.json", dst / "metadata.json")
    return weights_bytes(dst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--policy", default="uint8", choices=POLICIES)
    args = ap.parse_args()
    print(f"{args.dst}: {store(args.src, args.dst, args.policy)} bytes of weights ({args.policy})")


if __name__ == "__main__":
    main()
