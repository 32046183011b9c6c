"""Import TensorFlow the one way the toolchain may: oneDNN off, logs quiet, and the converter's unused hard
import of tensorflow_decision_forests satisfied.

oneDNN is off because every number the toolchain records (cached features, the parity checks in metadata) was
measured that way: TF's CPU results then come from its reference kernels. (An earlier note blamed fused
hard-swish convolutions that tfjs can't run; Lite0 uses ReLU6, so that reason does not apply to this model. Whether
oneDNN on would change an export is not measured.)"""

from __future__ import annotations

import os
import sys
import types

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


def tfjs_converter():
    """Return tensorflowjs' SavedModel converter module.

    tensorflowjs 4.22 imports tensorflow_decision_forests at module level only to register TFDF ops for
    SavedModels that use them; ours never do, and TFDF's wheels pin a protobuf that conflicts with TF 2.21.
    An empty module stands in for it.
    """
    sys.modules.setdefault("tensorflow_decision_forests", types.ModuleType("tensorflow_decision_forests"))
    from tensorflowjs.converters import tf_saved_model_conversion_v2

    return tf_saved_model_conversion_v2


__all__ = ["tf", "keras", "tfjs_converter"]
