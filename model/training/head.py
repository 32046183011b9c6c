"""The classifier head on frozen backbone features: standardise -> dropout -> Dense(hidden, relu) -> dropout ->
Dense(classes). Trained on cached features in seconds; class-weighted, label-smoothed, AdamW. Seeded.

The standardisation (the training features' mean and variance) is a fixed Normalization layer inside the head,
so the exported graph takes the raw pooled features.
"""

from __future__ import annotations

import numpy as np

from model.backbone.tfenv import keras
from model.training.config import HeadConfig


def class_weights(labels: np.ndarray, k: int, balance: bool) -> np.ndarray:
    if not balance:
        return np.ones(len(labels), np.float32)
    counts = np.maximum(np.bincount(labels, minlength=k), 1)
    return (len(labels) / (k * counts))[labels].astype(np.float32)


def build_head(features: np.ndarray, k: int, cfg: HeadConfig) -> keras.Model:
    dim = features.shape[1]
    inp = keras.Input((dim,), name="features")
    norm = keras.layers.Normalization(
        mean=features.mean(axis=0), variance=(features.std(axis=0) + 1e-3) ** 2, name="standardise")
    x = keras.layers.Dropout(cfg.input_dropout, name="input_dropout")(norm(inp))
    if cfg.hidden:
        x = keras.layers.Dense(cfg.hidden, activation="relu", name="hidden")(x)
        x = keras.layers.Dropout(cfg.dropout, name="hidden_dropout")(x)
    return keras.Model(inp, keras.layers.Dense(k, name="logits")(x), name="head")


def fit_head(features: np.ndarray, labels: np.ndarray, k: int, cfg: HeadConfig, seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    head = build_head(features, k, cfg)
    head.compile(optimizer=keras.optimizers.AdamW(cfg.lr, weight_decay=cfg.weight_decay),
                 loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=cfg.label_smoothing))
    head.fit(features, keras.utils.to_categorical(labels, k), sample_weight=class_weights(labels, k, cfg.balance),
             epochs=cfg.epochs, batch_size=cfg.batch, shuffle=True, verbose=0)
    return head


def logits(head: keras.Model, features: np.ndarray) -> np.ndarray:
    return np.asarray(head.predict(features, batch_size=1024, verbose=0), np.float64)
