"""Augmentations on real photos: shapes and ranges, `off` is a plain resize, each degradation does its job."""

from __future__ import annotations

import numpy as np

from model.augment import augment_batch
from model.config import AugmentConfig
from model.data import load_many
from model.tfenv import tf
from tests.conftest import photos

SIZE = 64


def batch() -> np.ndarray:
    return load_many([p for p, _ in photos("val", 4)], 74)


def detail(x: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels: high-frequency content."""
    return float(np.abs(np.diff(x, axis=2)).mean())


def test_output_is_float_pixels_at_the_input_size():
    tf.random.set_seed(0)
    out = augment_batch(tf.constant(batch()), SIZE, AugmentConfig()).numpy()
    assert out.shape == (12, SIZE, SIZE, 3) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 255.0


def test_off_is_a_plain_resize():
    images = batch()
    out = augment_batch(tf.constant(images), SIZE, AugmentConfig.off()).numpy()
    ref = tf.image.resize(tf.cast(images, tf.float32), (SIZE, SIZE)).numpy()
    assert np.abs(out - ref).mean() < 2.0


def test_low_resolution_and_blur_remove_detail():
    images = tf.constant(batch())
    plain = augment_batch(images, SIZE, AugmentConfig.off()).numpy()
    base = AugmentConfig.off()
    for degraded_cfg in (AugmentConfig(**{**base.__dict__, "lowres_p": 1.0, "lowres_min": 0.2}),
                         AugmentConfig(**{**base.__dict__, "blur_p": 1.0})):
        degraded = augment_batch(images, SIZE, degraded_cfg).numpy()
        assert detail(degraded) < 0.85 * detail(plain), degraded_cfg


def test_random_crops_and_colour_change_the_photo():
    tf.random.set_seed(1)
    images = tf.constant(batch())
    plain = augment_batch(images, SIZE, AugmentConfig.off()).numpy()
    cfg = AugmentConfig(blur_p=0.0, jpeg_p=0.0, lowres_p=0.0)
    out = augment_batch(images, SIZE, cfg).numpy()
    assert np.abs(out - plain).mean() > 10.0
