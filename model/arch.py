"""Architectures: config in, Keras model out, one function per architecture.

Every classifier has one float32 input `image` (N, S, S, 3), already normalised by the preprocessing spec,
and returns logits; `backbone_of` gives the pooled-feature extractor used as the `embedding`. Weights are
always built from scratch (weights=None): nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.tfenv import keras

ARCHS = ("mobilenet_v2", "mobilenet_v3_small")


@dataclass(frozen=True)
class ArchConfig:
    name: str = "mobilenet_v2"
    alpha: float = 0.35
    imgsz: int = 128
    num_classes: int = 3
    dropout: float = 0.2
    bn_momentum: float = 0.99  # Keras' MobileNets use 0.999: too slow for short runs on small data


def mobilenet_v2(cfg: ArchConfig) -> keras.Model:
    backbone = keras.applications.MobileNetV2(
        input_shape=(cfg.imgsz, cfg.imgsz, 3), alpha=cfg.alpha, include_top=False, weights=None, pooling="avg"
    )
    return _classifier(backbone, cfg)


def mobilenet_v3_small(cfg: ArchConfig) -> keras.Model:
    backbone = keras.applications.MobileNetV3Small(
        input_shape=(cfg.imgsz, cfg.imgsz, 3),
        alpha=cfg.alpha,
        include_top=False,
        weights=None,
        pooling="avg",
        include_preprocessing=False,
    )
    return _classifier(backbone, cfg)


def build(cfg: ArchConfig) -> keras.Model:
    if cfg.name == "mobilenet_v2":
        return mobilenet_v2(cfg)
    if cfg.name == "mobilenet_v3_small":
        return mobilenet_v3_small(cfg)
    raise ValueError(f"unknown architecture {cfg.name!r}; choose one of {', '.join(ARCHS)}")


def _classifier(backbone: keras.Model, cfg: ArchConfig) -> keras.Model:
    backbone.name = "backbone"
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = cfg.bn_momentum
    image = keras.Input((cfg.imgsz, cfg.imgsz, 3), name="image")
    features = backbone(image)
    x = keras.layers.Dropout(cfg.dropout, name="dropout")(features)
    logits = keras.layers.Dense(cfg.num_classes, name="head")(x)
    return keras.Model(image, logits, name=f"{cfg.name}_{cfg.alpha}_{cfg.imgsz}")


def backbone_of(model: keras.Model) -> keras.Model:
    return model.get_layer("backbone")


def with_new_head(model: keras.Model, num_classes: int, dropout: float = 0.2) -> keras.Model:
    """Same backbone (weights shared), fresh classification head: pretraining -> fine-tuning."""
    image = model.input
    features = backbone_of(model)(image)
    x = keras.layers.Dropout(dropout, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="head")(x)
    return keras.Model(image, logits, name=model.name)


def serving_model(model: keras.Model, temperature: float = 1.0) -> keras.Model:
    """Inference graph: calibrated `probs` = softmax(logits / T) and the L2-normalised pooled `embedding`."""
    image = model.input
    features = backbone_of(model)(image, training=False)
    logits = model.get_layer("head")(features)
    probs = keras.layers.Softmax(name="probs")(keras.layers.Rescaling(1.0 / temperature, name="calibrate")(logits))
    embedding = keras.layers.UnitNormalization(name="embedding")(features)
    return keras.Model(image, {"probs": probs, "embedding": embedding}, name=model.name + "_serving")
