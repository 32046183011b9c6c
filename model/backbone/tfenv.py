"""Import TensorFlow the one way the toolchain may: oneDNN off, its logs silent (unless build.py --verbose), and
the converter's unused hard import of tensorflow_decision_forests satisfied.

oneDNN is off because every number the toolchain records (cached features, the parity checks in metadata) was
measured that way: TF's CPU results then come from its reference kernels. (An earlier note blamed fused
hard-swish convolutions that tfjs can't run; Lite0 uses ReLU6, so that reason does not apply to this model. Whether
oneDNN on would change an export is not measured.)"""

from __future__ import annotations

import contextlib
import os
import sys
import types

VERBOSE = os.environ.get("SNAPTAG_VERBOSE") == "1"  # build.py's --verbose: TensorFlow's own log lines too

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if VERBOSE else "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@contextlib.contextmanager
def quiet_native_stderr():
    """TensorFlow's C++ start-up logs ("Could not find cuda drivers", absl's notice) go to file descriptor 2
    before any log level applies: silenced while it imports (an import error is still raised and shown)."""
    if VERBOSE:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


with quiet_native_stderr():
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402

if not VERBOSE:
    import absl.logging  # noqa: E402

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")


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
