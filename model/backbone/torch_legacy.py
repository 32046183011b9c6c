"""Read a legacy (pre-zip, PyTorch < 1.6) `.pth` state dict into numpy arrays, without PyTorch.

The legacy format is five pickles in a row: a magic number, the protocol version, system info, the object
itself (tensors refer to their storages by persistent id) and the list of storage keys; then each storage's
raw bytes, in that list's order, each behind its element count (int64). Unpickling is restricted to the few
globals a state dict needs, so a file cannot run code.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from app.logic.errors import UserError

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001
DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class WeightsError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class _StorageType:
    dtype: type


@dataclass
class _TensorRef:
    key: str
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage, offset, size, stride, *_rest) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, fh: BinaryIO, storages: dict[str, tuple[np.dtype, int]]) -> None:
        super().__init__(fh)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in DTYPES:
            return _StorageType(DTYPES[name])
        raise WeightsError(f"unexpected object in the weights file: {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel, *_ = pid
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise WeightsError(f"unexpected persistent id in the weights file: {pid!r}")
        self.storages[str(key)] = (np.dtype(storage_type.dtype), int(numel))
        return str(key)


def load_state_dict(path: Path) -> dict[str, np.ndarray]:
    """name -> array (a copy, C-contiguous) for every tensor of a legacy PyTorch state dict."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"no weights file at {path}")
    with path.open("rb") as fh:
        try:
            magic, protocol = pickle.load(fh), pickle.load(fh)
        except Exception as exc:  # noqa: BLE001  any unreadable header means "not this format"
            raise WeightsError(f"{path} is not a legacy PyTorch file ({exc})") from exc
        if magic != MAGIC or protocol != PROTOCOL:
            raise WeightsError(f"{path} is not a legacy PyTorch file (magic {magic!r}, protocol {protocol!r})")
        pickle.load(fh)  # system info: endianness and type sizes, little-endian on every platform we read
        storages: dict[str, tuple[np.dtype, int]] = {}
        obj = _Unpickler(fh, storages).load()
        keys = pickle.load(fh)
        raw: dict[str, np.ndarray] = {}
        for key in keys:
            dtype, numel = storages[str(key)]
            count = int(np.frombuffer(fh.read(8), "<i8")[0])
            if count != numel:
                raise WeightsError(f"storage {key}: {count} elements stored, {numel} expected")
            raw[str(key)] = np.frombuffer(fh.read(count * dtype.itemsize), dtype.newbyteorder("<"), count)
    if not isinstance(obj, dict):
        raise WeightsError(f"{path} holds a {type(obj).__name__}, not a state dict")
    out = {}
    for name, ref in obj.items():
        if not isinstance(ref, _TensorRef):
            continue
        base = raw[ref.key][ref.offset:]
        strides = tuple(s * base.itemsize for s in ref.stride)
        out[name] = np.lib.stride_tricks.as_strided(base, ref.size, strides).copy()
    return out
