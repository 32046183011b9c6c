"""Training input pipeline: augmentations that make a photo look like a real upload.

Random crops and flips, colour/brightness/contrast/saturation, blur, JPEG re-compression and
down-then-up scaling (sources differ in resolution: the model must not learn "low resolution = a class").
Images arrive as uint8 at a load size a little larger than the input; batches leave normalised float32.
"""

from __future__ import annotations

import numpy as np

from app.spec import PreprocessSpec
from model.config import AugmentConfig
from model.tfenv import tf


def _jpeg(image: tf.Tensor, p: float) -> tf.Tensor:
    return tf.cond(
        tf.random.uniform(()) < p, lambda: tf.image.random_jpeg_quality(image, 25, 90), lambda: image
    )


def _crop_boxes(n: tf.Tensor, min_area: float, flip: bool) -> tf.Tensor:
    area = tf.random.uniform((n,), min_area, 1.0)
    jitter = np.log(4 / 3) if min_area < 1.0 else 0.0  # no crop at all when crops are off
    log_ratio = tf.random.uniform((n,), -jitter, jitter)
    ratio = tf.exp(log_ratio)
    h = tf.minimum(tf.sqrt(area / ratio), 1.0)
    w = tf.minimum(tf.sqrt(area * ratio), 1.0)
    y0 = tf.random.uniform((n,)) * (1.0 - h)
    x0 = tf.random.uniform((n,)) * (1.0 - w)
    x1 = x0 + w
    if flip:  # crop_and_resize mirrors a box whose x1 < x0
        mirror = tf.random.uniform((n,)) < 0.5
        x0, x1 = tf.where(mirror, x1, x0), tf.where(mirror, x0, x1)
    return tf.stack([y0, x0, y0 + h, x1], axis=1)


def _mask(n: tf.Tensor, p: float) -> tf.Tensor:
    return tf.reshape(tf.random.uniform((n,)) < p, (-1, 1, 1, 1))


def _lowres(x: tf.Tensor, size: int, p: float, min_factor: float) -> tf.Tensor:
    small = tf.cast(tf.round(size * tf.random.uniform((), min_factor, 0.7)), tf.int32)
    degraded = tf.image.resize(tf.image.resize(x, (small, small), antialias=True), (size, size))
    return tf.where(_mask(tf.shape(x)[0], p), degraded, x)


def _blur(x: tf.Tensor, p: float) -> tf.Tensor:
    k = tf.constant([1.0, 2.0, 1.0])
    kernel = tf.tensordot(k, k, axes=0) / 16.0
    kernel = tf.tile(kernel[:, :, None, None], (1, 1, 3, 1))
    blurred = tf.nn.depthwise_conv2d(x, kernel, (1, 1, 1, 1), "SAME")
    return tf.where(_mask(tf.shape(x)[0], p), blurred, x)


def _colour(x: tf.Tensor, strength: float) -> tf.Tensor:
    n = tf.shape(x)[0]
    shape = (n, 1, 1, 1)
    grey = tf.reduce_mean(x, axis=3, keepdims=True)
    saturation = tf.random.uniform(shape, 1 - strength, 1 + strength)
    x = grey + (x - grey) * saturation
    mean = tf.reduce_mean(x, axis=(1, 2, 3), keepdims=True)
    contrast = tf.random.uniform(shape, 1 - strength, 1 + strength)
    brightness = tf.random.uniform(shape, -strength, strength) * 100.0
    return (x - mean) * contrast + mean + brightness


def augment_batch(images: tf.Tensor, size: int, cfg: AugmentConfig) -> tf.Tensor:
    """uint8 NHWC at load size -> float32 NHWC in 0..255 at `size`."""
    x = tf.cast(images, tf.float32)
    n = tf.shape(x)[0]
    x = tf.image.crop_and_resize(x, _crop_boxes(n, cfg.crop_min_area, cfg.flip), tf.range(n), (size, size))
    if cfg.lowres_p > 0:
        x = _lowres(x, size, cfg.lowres_p, cfg.lowres_min)
    if cfg.blur_p > 0:
        x = _blur(x, cfg.blur_p)
    if cfg.color > 0:
        x = _colour(x, cfg.color)
    return tf.clip_by_value(x, 0.0, 255.0)


def _normaliser(spec: PreprocessSpec):
    mean = tf.constant(spec.mean, tf.float32)
    std = tf.constant(spec.std, tf.float32)
    return lambda x: (x - mean) / std


def train_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    num_classes: int,
    spec: PreprocessSpec,
    cfg: AugmentConfig,
    batch: int,
    seed: int,
) -> tf.data.Dataset:
    norm = _normaliser(spec)
    ds = tf.data.Dataset.from_tensor_slices((images, labels, weights)).shuffle(len(images), seed=seed)
    if cfg.jpeg_p > 0:
        ds = ds.map(lambda im, y, w: (_jpeg(im, cfg.jpeg_p), y, w), num_parallel_calls=2)
    ds = ds.batch(batch, drop_remainder=len(images) >= batch)
    ds = ds.map(
        lambda im, y, w: (norm(augment_batch(im, spec.size, cfg)), tf.one_hot(y, num_classes), w),
        num_parallel_calls=1,
    )
    return ds.prefetch(2)


def eval_dataset(images: np.ndarray, labels: np.ndarray, num_classes: int, spec: PreprocessSpec, batch: int = 64):
    """images already at spec.size (the reference squash resize)."""
    norm = _normaliser(spec)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch)
    return ds.map(lambda im, y: (norm(tf.cast(im, tf.float32)), tf.one_hot(y, num_classes))).prefetch(2)
