"""The exported model: one float32 input `image` (N, S, S, 3), RGB 0..255 (the backbone normalises it, as
Keras applications do); the frozen ImageNet backbone's pooled features feed both outputs:

- `probs`: the head's logits / T, softmaxed (T calibrated on val/);
- `embedding`: the features, L2-normalised (teach mode's input: general, never trained on the café data).
"""

from __future__ import annotations

from model.backbone.tfenv import keras


def serving_model(backbone: keras.Model, head: keras.Model, temperature: float = 1.0) -> keras.Model:
    image = keras.Input(backbone.input_shape[1:], name="image")
    features = backbone(image, training=False)
    logits = head(features, training=False)
    probs = keras.layers.Softmax(name="probs")(keras.layers.Rescaling(1.0 / temperature, name="calibrate")(logits))
    embedding = keras.layers.UnitNormalization(name="embedding")(features)
    return keras.Model(image, {"probs": probs, "embedding": embedding}, name=f"snaptag_{backbone.name}")
